// Package layerblob computes, without BuildKit, the layer blob that
// BuildKit's image exporter writes for a layer made by a FileOp that
// copies files onto the layers below (no deletions), as the overlayfs
// differ of BuildKit v0.34 writes it: a tar made as containerd's
// archive.ChangeWriter makes it, in the order of filepath.Walk over the
// layer's upperdir, every time the epoch, no user or group names,
// compressed with compress/gzip at gzip.DefaultCompression (gzip header:
// no name, mtime 0, OS 255).
//
// The result is byte for byte BuildKit's when:
//   - archive/tar and compress/flate of the Go that built buildkitd write
//     what this program's do (go1.26.8 both here; flate's output at the
//     default level was also the same under go1.19.8);
//   - the layer is exported gzip-compressed at the default level (no
//     compression-level, no zstd/estargz, no force-compression over a
//     blob some other builder made);
//   - the caller marks Unchanged the entries that BuildKit finds equal to
//     the same path in the layers below (see Entry.Unchanged): this
//     package cannot see those layers. On scratch, or when no path of the
//     layer exists below but as a parent directory, nothing is unchanged
//     that matters.
package layerblob

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Entry is one entry of a layer: a file, directory, symlink or hard link
// as the snapshot holds it after the FileOp that made the layer.
type Entry struct {
	// Path is slash-separated and relative to the layer root, without a
	// leading or trailing slash ("usr/local/bin/hello").
	Path string
	// Mode is the type (0 for a regular file, fs.ModeDir, fs.ModeSymlink)
	// and the permissions, with fs.ModeSetuid, fs.ModeSetgid and
	// fs.ModeSticky.
	Mode     fs.FileMode
	UID, GID int
	// Linkname is a symlink's target.
	Linkname string
	// Source is the path on disk of a regular file's content; Size must
	// be its size (a file that changed size fails the write).
	Source string
	Size   int64
	// Inode, when not zero, groups hard links: of the entries with the
	// same Inode the first in the layer's order is written whole, the
	// others as links to it (as ChangeWriter does for a non-directory
	// whose link count is above one).
	Inode uint64
	// Capability is the file's security.capability xattr, if any.
	Capability []byte
	// Unchanged says the path exists in the layers below with the same
	// type, mode, uid, gid and capability and, for a non-directory, the
	// same size, the same mtime (to the second; nanoseconds both zero
	// or equal) and, when both nanoseconds are zero, the same content or
	// symlink target (BuildKit's overlay differ, sameDirent). BuildKit
	// leaves an unchanged entry out of the tar, except a directory with
	// an entry in it that is written: it is written as a parent, as is.
	Unchanged bool
}

// Layer describes a layer blob.
type Layer struct {
	Digest           string // sha256:... of the gzip blob
	Size             int64  // size of the gzip blob
	DiffID           string // sha256:... of the tar
	UncompressedSize int64  // size of the tar
}

// Write writes to w the gzip layer blob of entries, every timestamp set to
// epoch, and describes it. The entries may be given in any order; every
// parent directory of an entry must be an entry too (BuildKit writes
// parents with their own metadata, which the caller must therefore give).
func Write(w io.Writer, entries []Entry, epoch time.Time) (Layer, error) {
	es, err := order(entries)
	if err != nil {
		return Layer{}, err
	}
	blob := &counter{h: sha256.New(), w: w}
	zw, err := gzip.NewWriterLevel(blob, gzip.DefaultCompression)
	if err != nil {
		return Layer{}, err
	}
	tarc := &counter{h: sha256.New(), w: zw}
	tw := tar.NewWriter(tarc)
	mtime := epoch.Truncate(time.Second)
	first := map[uint64]string{} // Inode -> name written with content
	var buf []byte
	for _, e := range es {
		h := &tar.Header{
			Name:    e.Path,
			Mode:    int64(e.Mode.Perm()),
			Uid:     e.UID,
			Gid:     e.GID,
			ModTime: mtime,
			Format:  tar.FormatPAX,
		}
		if e.Mode&fs.ModeSetuid != 0 {
			h.Mode |= 0o4000
		}
		if e.Mode&fs.ModeSetgid != 0 {
			h.Mode |= 0o2000
		}
		if e.Mode&fs.ModeSticky != 0 {
			h.Mode |= 0o1000
		}
		switch e.Mode.Type() {
		case 0:
			h.Typeflag = tar.TypeReg
			h.Size = e.Size
		case fs.ModeDir:
			h.Typeflag = tar.TypeDir
			h.Name += "/"
		case fs.ModeSymlink:
			h.Typeflag = tar.TypeSymlink
			h.Linkname = e.Linkname
		default:
			return Layer{}, fmt.Errorf("layerblob: %s: unsupported file type %v", e.Path, e.Mode.Type())
		}
		if e.Inode != 0 {
			if src, ok := first[e.Inode]; ok {
				h.Typeflag, h.Linkname, h.Size = tar.TypeLink, src, 0
			} else {
				first[e.Inode] = e.Path
			}
		}
		if len(e.Capability) > 0 {
			h.PAXRecords = map[string]string{"SCHILY.xattr.security.capability": string(e.Capability)}
		}
		if err := tw.WriteHeader(h); err != nil {
			return Layer{}, fmt.Errorf("layerblob: %s: %w", e.Path, err)
		}
		if h.Typeflag == tar.TypeReg && h.Size > 0 {
			if buf == nil {
				buf = make([]byte, 256<<10)
			}
			if err := copyFile(tw, e, buf); err != nil {
				return Layer{}, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return Layer{}, err
	}
	if err := zw.Close(); err != nil {
		return Layer{}, err
	}
	return Layer{
		Digest: blob.digest(), Size: blob.n,
		DiffID: tarc.digest(), UncompressedSize: tarc.n,
	}, nil
}

// Compute is Write to nowhere.
func Compute(entries []Entry, epoch time.Time) (Layer, error) {
	return Write(io.Discard, entries, epoch)
}

// FromDir returns the entries of the files paths (relative to root, slash
// separated) and of their parent directories, with type, mode, owner,
// size, link target, hard links and capabilities read from the tree at
// root (times are not: the layer's are the epoch).
func FromDir(root string, paths []string) ([]Entry, error) {
	seen := map[string]bool{}
	var out []Entry
	var add func(p string) error
	add = func(p string) error {
		p = strings.Trim(path.Clean("/"+p), "/")
		if p == "" || seen[p] {
			return nil
		}
		seen[p] = true
		if d := path.Dir(p); d != "." {
			if err := add(d); err != nil {
				return err
			}
		}
		e, err := statEntry(root, p)
		if err != nil {
			return err
		}
		out = append(out, e)
		return nil
	}
	for _, p := range paths {
		if err := add(p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FromTree returns the entries of everything under root (not root
// itself): the layer whose stage root is, as FromDir reads them.
func FromTree(root string) ([]Entry, error) {
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			paths = append(paths, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("layerblob: %w", err)
	}
	return FromDir(root, paths)
}

// LayerBlob is FromDir and Compute: the digest, compressed size and
// uncompressed size of the layer blob of the files entries of root, and
// their parents, with every time set to epoch.
func LayerBlob(root string, entries []string, epoch time.Time) (digest string, compressed, uncompressed int64, err error) {
	es, err := FromDir(root, entries)
	if err != nil {
		return "", 0, 0, err
	}
	l, err := Compute(es, epoch)
	return l.Digest, l.Size, l.UncompressedSize, err
}

// order checks entries and sorts them as filepath.Walk visits a tree: a
// directory before its contents, the names of a directory in byte order.
func order(entries []Entry) ([]Entry, error) {
	es := slices.Clone(entries)
	paths := make(map[string]fs.FileMode, len(es))
	for _, e := range es {
		if e.Path == "" || e.Path != strings.Trim(path.Clean("/"+e.Path), "/") {
			return nil, fmt.Errorf("layerblob: path %q is not clean and relative", e.Path)
		}
		if _, dup := paths[e.Path]; dup {
			return nil, fmt.Errorf("layerblob: %s: listed twice", e.Path)
		}
		if e.Inode != 0 && e.Mode.IsDir() {
			return nil, fmt.Errorf("layerblob: %s: a directory cannot be a hard link", e.Path)
		}
		paths[e.Path] = e.Mode
	}
	for _, e := range es {
		if d := path.Dir(e.Path); d != "." {
			if m, ok := paths[d]; !ok {
				return nil, fmt.Errorf("layerblob: %s: parent directory %s is not an entry", e.Path, d)
			} else if !m.IsDir() {
				return nil, fmt.Errorf("layerblob: %s: parent %s is not a directory", e.Path, d)
			}
		}
	}
	// '/' sorts before every other byte: a directory's contents follow it
	// and precede any sibling whose name extends the directory's.
	key := func(p string) string { return strings.ReplaceAll(p, "/", "\x00") }
	slices.SortFunc(es, func(a, b Entry) int { return strings.Compare(key(a.Path), key(b.Path)) })
	// Drop unchanged entries but the directories of written ones.
	needed := map[string]bool{}
	keep := make([]bool, len(es))
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		if !e.Unchanged || (e.Mode.IsDir() && needed[e.Path]) {
			keep[i] = true
			needed[path.Dir(e.Path)] = true
		}
	}
	out := es[:0]
	for i, e := range es {
		if keep[i] {
			out = append(out, e)
		}
	}
	return out, nil
}

func copyFile(w io.Writer, e Entry, buf []byte) error {
	f, err := os.Open(e.Source)
	if err != nil {
		return fmt.Errorf("layerblob: %s: %w", e.Path, err)
	}
	defer f.Close()
	n, err := io.CopyBuffer(w, struct{ io.Reader }{f}, buf)
	if err != nil {
		return fmt.Errorf("layerblob: %s: %w", e.Path, err)
	}
	if n != e.Size {
		return fmt.Errorf("layerblob: %s: read %d bytes, want %d", e.Path, n, e.Size)
	}
	return nil
}

type counter struct {
	h hash.Hash
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	return n, err
}

func (c *counter) digest() string { return "sha256:" + hex.EncodeToString(c.h.Sum(nil)) }
