// Package gocache reads and writes Go's build cache in its on-disk format
// (cmd/go/internal/cache), serves it to the go command as a GOCACHEPROG
// (cmd/go/internal/cacheprog), and copies one cache into another. It is
// how a Slimfile build keeps compiled dependency packages in a layer of
// their own, which --cache-to exports, while the builder's persistent
// cache mount stays the place the go command reads first.
package gocache

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Dir is a Go build cache directory (GOCACHE). An action's entry is
// <aa>/<action>-a, holding "v1 <action> <output> <size> <time>\n", and its
// output is <oo>/<output>-d, as the go command writes them.
type Dir string

// entry is an action's entry: the output it produced and when.
type entry struct {
	output []byte
	size   int64
	time   time.Time
}

// file is the path of id's file with suffix "-a" or "-d".
func (d Dir) file(id []byte, suffix string) string {
	h := hex.EncodeToString(id)
	if len(h) < 2 {
		h = "00" + h
	}
	return filepath.Join(string(d), h[:2], h+suffix)
}

// get reads action's entry, and checks that its output is there with the
// size the entry gives. An output that is a directory (a cached
// executable of `go run`) is a miss: only files are served.
func (d Dir) get(action []byte) (entry, bool) {
	b, err := os.ReadFile(d.file(action, "-a"))
	if err != nil {
		return entry{}, false
	}
	f := strings.Fields(string(b))
	if len(f) != 5 || f[0] != "v1" || f[1] != hex.EncodeToString(action) {
		return entry{}, false
	}
	out, err := hex.DecodeString(f[2])
	if err != nil {
		return entry{}, false
	}
	size, err1 := strconv.ParseInt(f[3], 10, 64)
	ns, err2 := strconv.ParseInt(f[4], 10, 64)
	if err1 != nil || err2 != nil || size < 0 {
		return entry{}, false
	}
	st, err := os.Stat(d.file(out, "-d"))
	if err != nil || !st.Mode().IsRegular() || st.Size() != size {
		return entry{}, false
	}
	d.markUsed(action, st.ModTime())
	return entry{output: out, size: size, time: time.Unix(0, ns)}, true
}

// markUsed sets the time of action's entry to now when it is older than
// an hour, as the go command does, so that its trimming of unused entries
// keeps what builds read through a cache program.
func (d Dir) markUsed(action []byte, mtime time.Time) {
	if now := time.Now(); now.Sub(mtime) > time.Hour {
		os.Chtimes(d.file(action, "-a"), now, now)
	}
}

// put stores body (size bytes, written by body) as output of action,
// output file first, each written to a temporary name and renamed, so
// that concurrent builds sharing the directory never read half a file.
func (d Dir) put(action []byte, e entry, body func(io.Writer) error) error {
	op := d.file(e.output, "-d")
	if st, err := os.Stat(op); err != nil || st.Size() != e.size {
		if err := writeFile(op, body); err != nil {
			return err
		}
	}
	line := fmt.Sprintf("v1 %x %x %20d %20d\n", action, e.output, e.size, e.time.UnixNano())
	return writeFile(d.file(action, "-a"), func(w io.Writer) error {
		_, err := io.WriteString(w, line)
		return err
	})
}

// writeFile writes name through a temporary file in its directory.
func writeFile(name string, body func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o777); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	err = body(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// The go command's files are 0666 before umask.
		err = os.Chmod(f.Name(), 0o666&^umask)
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// umask is what the files written here lose of 0666.
const umask = 0o022

// copyFrom returns a body that copies the file src.
func copyFrom(src string) func(io.Writer) error {
	return func(w io.Writer) error {
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	}
}

// Seed copies into d the entries of from that d does not have, from its
// PackFile and any loose files: outputs first, then the entries naming
// them, so that a build reading d never finds an entry whose output is
// missing. It does so once per contents of from (SeedOnce, with d's
// slimfile-seeded/). It returns how many files it copied.
func (d Dir) Seed(from Dir) (int, error) {
	n := 0
	err := SeedOnce(string(from), filepath.Join(string(d), "slimfile-seeded"), func() error {
		var err error
		if pack := filepath.Join(string(from), PackFile); exists(pack) {
			if n, err = d.seedPacked(pack); err != nil {
				return err
			}
		}
		files, err := from.entryFiles()
		if err != nil {
			return err
		}
		for _, src := range files {
			rel, _ := filepath.Rel(string(from), src)
			dst := filepath.Join(string(d), rel)
			if _, err := os.Lstat(dst); err == nil {
				continue
			}
			if err := writeFile(dst, copyFrom(src)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// entryFiles are d's loose files: outputs first, then the entries naming
// them.
func (d Dir) entryFiles() ([]string, error) {
	var files []string
	for _, suffix := range []string{"-d", "-a"} {
		m, err := filepath.Glob(filepath.Join(string(d), "[0-9a-f][0-9a-f]", "*"+suffix))
		if err != nil {
			return nil, err
		}
		files = append(files, m...)
	}
	return files, nil
}

// SeedOnce runs seed once per contents of layer: its IDFile names them,
// and markers, a directory of the cache being seeded, keeps a file per id
// it was seeded with. A layer without IDFile (one that holds nothing) is
// not seeded; a seed that fails leaves no marker, so the next build tries
// again.
func SeedOnce(layer, markers string, seed func() error) error {
	id, err := os.ReadFile(filepath.Join(layer, IDFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	marker := filepath.Join(markers, strings.TrimSpace(string(id)))
	if exists(marker) {
		return nil
	}
	if err := seed(); err != nil {
		return err
	}
	return writeFile(marker, func(io.Writer) error { return nil })
}

// IDFile is the file of a layer (a dependency layer, the module layer)
// that names its contents: for a dependency layer, a hash of the actions
// it holds, written when the build that filled it closed its cache
// program.
const IDFile = "slimfile-layer-id"

// exists reports whether the file name is there.
func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
