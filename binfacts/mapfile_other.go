//go:build !unix

package binfacts

import "os"

// MapFile reads the file at path: where there is no mmap, it is read whole.
func MapFile(path string) (data []byte, unmap func() error, err error) {
	data, err = os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return data, func() error { return nil }, nil
}
