package layerblob

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// statEntry reads the entry p (slash separated, relative) of the tree at
// root as ChangeWriter reads a file of the upperdir.
func statEntry(root, p string) (Entry, error) {
	full := filepath.Join(root, filepath.FromSlash(p))
	fi, err := os.Lstat(full)
	if err != nil {
		return Entry{}, fmt.Errorf("layerblob: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return Entry{}, fmt.Errorf("layerblob: %s: no stat", full)
	}
	e := Entry{Path: p, Mode: fi.Mode(), UID: int(st.Uid), GID: int(st.Gid)}
	switch fi.Mode().Type() {
	case 0:
		e.Source, e.Size = full, fi.Size()
		if c, err := getxattr(full, "security.capability"); err != nil {
			return Entry{}, fmt.Errorf("layerblob: %s: %w", full, err)
		} else {
			e.Capability = c
		}
	case os.ModeDir:
	case os.ModeSymlink:
		if e.Linkname, err = os.Readlink(full); err != nil {
			return Entry{}, fmt.Errorf("layerblob: %w", err)
		}
	default:
		return Entry{}, fmt.Errorf("layerblob: %s: unsupported file type %v", full, fi.Mode().Type())
	}
	if !fi.IsDir() && st.Nlink > 1 {
		e.Inode = st.Ino
	}
	return e, nil
}

func getxattr(path, attr string) ([]byte, error) {
	buf := make([]byte, 256)
	for {
		n, err := syscall.Getxattr(path, attr, buf)
		switch {
		case errors.Is(err, syscall.ENODATA), errors.Is(err, syscall.ENOTSUP):
			return nil, nil
		case errors.Is(err, syscall.ERANGE):
			buf = make([]byte, 2*len(buf))
			continue
		case err != nil:
			return nil, err
		}
		return buf[:n], nil
	}
}
