package gocache

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// PackFile is the archive a dependency layer keeps its entries in once
// its build closed the cache program: a tar stream, outputs first, then
// the entries naming them, compressed with zstd at its fastest. BuildKit
// compresses every layer it exports with gzip, a tenth as fast, so a
// layer of loose compiled packages, a few hundred megabytes for a large
// module, would make every --cache-to wait seconds for it; packed, the
// layer is a third of that size and compresses no further.
const PackFile = "slimfile-layer.tar.zst"

// Pack moves d's entries into PackFile: it writes the archive, then
// removes the files it holds. An error leaves the loose files, which Seed
// reads as well.
func (d Dir) Pack() error {
	files, err := d.entryFiles()
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return nil
	}
	err = writeFile(filepath.Join(string(d), PackFile), func(w io.Writer) error {
		z, err := zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedFastest))
		if err != nil {
			return err
		}
		tw := tar.NewWriter(z)
		for _, f := range files {
			if err := addFile(tw, string(d), f); err != nil {
				z.Close()
				return err
			}
		}
		if err := tw.Close(); err != nil {
			z.Close()
			return err
		}
		return z.Close()
	})
	if err != nil {
		return fmt.Errorf("packing the dependency layer: %w", err)
	}
	for _, f := range files {
		os.Remove(f)
	}
	return nil
}

// addFile writes the file name, under dir, to tw by its relative name.
func addFile(tw *tar.Writer, dir, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	rel, _ := filepath.Rel(dir, name)
	if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: st.Size(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// seedPacked copies into d the entries of the archive pack that d lacks,
// in the archive's order (outputs first). It returns how many it copied.
func (d Dir) seedPacked(pack string) (int, error) {
	f, err := os.Open(pack)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	z, err := zstd.NewReader(f)
	if err != nil {
		return 0, err
	}
	defer z.Close()
	tr := tar.NewReader(z)
	n := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		} else if err != nil {
			return n, fmt.Errorf("reading %s: %w", pack, err)
		}
		name := filepath.FromSlash(h.Name)
		if h.Typeflag != tar.TypeReg || !filepath.IsLocal(name) || strings.Count(name, string(filepath.Separator)) != 1 {
			continue
		}
		dst := filepath.Join(string(d), name)
		if _, err := os.Lstat(dst); err == nil {
			continue
		}
		if err := writeFile(dst, func(w io.Writer) error { _, err := io.Copy(w, tr); return err }); err != nil {
			return n, err
		}
		n++
	}
}
