package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The vulnerability check is keyed by the digest of what its result can
// depend on in the module's code (security.SourceDigest), not by the code
// itself, so it cannot mount the build context. go build, which runs
// whenever the code changes, keeps a copy of the module's files in a
// persistent cache mount, in a directory named after that digest, for the
// check to read (llb/vulns.go).

// keepMax is how many copies of sources the cache mount keeps; older ones
// are removed, unless used within inUse: a check reading a copy touches it
// first, and a copy is not removed under a check that other builds' steps
// outnumber.
const keepMax = 8

// inUse is how recently a copy must have been kept or read to be kept
// beyond keepMax.
const inUse = 30 * time.Minute

// maxSourceBytes bounds a copy: a module directory with more than this
// (assets, say) is not copied, and the check then reads the context.
const maxSourceBytes = 256 << 20

// keepSources copies the module's files (src, without its
// dot-directories) into dir unless it exists. Failures only warn: the
// check then finds no sources and the frontend runs it on the build
// context instead.
func keepSources(src, dir string) {
	if err := copySources(src, dir); err != nil {
		fmt.Fprintf(os.Stderr, "slimfile-go: keeping the sources for the vulnerability check: %v\n", err)
	}
}

func copySources(src, dir string) error {
	now := time.Now()
	if _, err := os.Stat(dir); err == nil {
		return os.Chtimes(dir, now, now) // the newest again
	}
	// Each step has a copy of its own to fill: the platforms of one build
	// keep the same sources at once, in containers whose process IDs are
	// alike.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var total int64
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		dst := filepath.Join(tmp, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			if total += info.Size(); total > maxSourceBytes {
				return fmt.Errorf("the module's files are over %d MB", maxSourceBytes>>20)
			}
			return copyFile(p, dst)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, dst)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil && !os.IsExist(err) {
		if _, serr := os.Stat(dir); serr != nil {
			return err
		}
		// Another build of the same digest was first: its copy serves.
	}
	pruneSources(filepath.Dir(dir))
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// pruneSources removes all but the keepMax newest copies in root, and
// copies left behind by a step that was stopped.
func pruneSources(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	type copyDir struct {
		name string
		mod  time.Time
	}
	var dirs []copyDir
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !e.IsDir() {
			continue
		}
		if strings.Contains(e.Name(), ".tmp-") {
			if time.Since(info.ModTime()) > time.Hour {
				os.RemoveAll(filepath.Join(root, e.Name()))
			}
			continue
		}
		dirs = append(dirs, copyDir{e.Name(), info.ModTime()})
	}
	slices.SortFunc(dirs, func(a, b copyDir) int { return b.mod.Compare(a.mod) })
	for _, d := range dirs[min(len(dirs), keepMax):] {
		if time.Since(d.mod) > inUse {
			os.RemoveAll(filepath.Join(root, d.name))
		}
	}
}
