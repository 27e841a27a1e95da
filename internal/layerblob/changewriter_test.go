package layerblob

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/pkg/archive"
	"github.com/moby/buildkit/util/overlay"
	"golang.org/x/sys/unix"
)

// buildkitBlob writes the layer blob of the tree at upper, every entry an
// add (nothing below), with BuildKit's own code: overlay.Changes over the
// upperdir into containerd's ChangeWriter, gzip at the default level, as
// cache/blobs_linux.go does (the upperdir stands for its overlay view too,
// which for a layer without whiteouts has the same files).
func buildkitBlob(t *testing.T, upper string) (string, int64, []byte) {
	t.Helper()
	var out bytes.Buffer
	bufW := bufio.NewWriterSize(&out, 128*1024)
	zw, err := gzip.NewWriterLevel(bufW, gzip.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	dgstr := sha256.New()
	cw := archive.NewChangeWriter(io.MultiWriter(zw, dgstr), upper)
	empty := t.TempDir()
	if err := overlay.Changes(context.Background(), cw.HandleChange, upper, upper, empty); err != nil {
		t.Fatal(err)
	}
	if err := cw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bufW.Flush(); err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(out.Bytes())
	return "sha256:" + hex.EncodeToString(s[:]), int64(out.Len()), out.Bytes()
}

// TestSameAsChangeWriter compares Write with BuildKit's code on a tree
// with the cases a tar writer may treat apart: names that sort
// differently by path and by component, long and non-ASCII names (PAX
// path records), large ids (PAX uid/gid), special mode bits, symlinks,
// hard links, empty files and directories, a capability, and epochs
// from 1970, 2023, with nanoseconds, and past 2242 (PAX mtime).
func TestSameAsChangeWriter(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown and set security.capability")
	}
	long := strings.Repeat("d", 60) + "/" + strings.Repeat("e", 60)
	type node struct {
		path string
		mode os.FileMode
		uid  int
		data string
		link string // symlink target
		hard string // hard link to this path
	}
	nodes := []node{
		{path: "a", mode: os.ModeDir | 0o755},
		{path: "a/b", mode: 0o644, data: "b"},
		{path: "a-b", mode: 0o600, data: ""},
		{path: "a.txt", mode: 0o644, data: strings.Repeat("hello\n", 1000)},
		{path: "a0", mode: os.ModeSymlink | 0o777, link: "a/b"},
		{path: "bin", mode: os.ModeDir | 0o755},
		{path: "bin/suid", mode: 0o755 | os.ModeSetuid | os.ModeSetgid, data: "#!/bin/sh\n"},
		{path: "bin/same", hard: "bin/suid"},
		{path: "tmp", mode: os.ModeDir | 0o777 | os.ModeSticky},
		{path: "home", mode: os.ModeDir | 0o755},
		{path: "home/nonroot", mode: os.ModeDir | 0o700, uid: 65532},
		{path: "home/big", mode: 0o640, uid: 3000000, data: "x"},
		{path: strings.Repeat("d", 60), mode: os.ModeDir | 0o755},
		{path: long, mode: os.ModeDir | 0o755},
		{path: long + "/" + strings.Repeat("f", 101), mode: 0o644, data: "long"},
		{path: "zoneinfo-Ü", mode: 0o644, data: "ü"},
		{path: "zz-link-long", mode: os.ModeSymlink | 0o777, link: strings.Repeat("../", 40) + "x"},
	}
	rnd := make([]byte, 3<<20)
	rand.New(rand.NewSource(1)).Read(rnd)
	nodes = append(nodes, node{path: "a/random", mode: 0o755, data: string(rnd)})

	epochs := []time.Time{
		time.Unix(0, 0),
		time.Unix(1700000000, 0),
		time.Unix(1700000000, 999999999),
		time.Unix(9000000000, 0),
	}
	for _, epoch := range epochs {
		t.Run(epoch.UTC().Format(time.RFC3339Nano), func(t *testing.T) {
			root := t.TempDir()
			var paths []string
			for _, n := range nodes {
				p := filepath.Join(root, n.path)
				paths = append(paths, n.path)
				switch {
				case n.hard != "":
					if err := os.Link(filepath.Join(root, n.hard), p); err != nil {
						t.Fatal(err)
					}
					continue
				case n.mode.IsDir():
					if err := os.Mkdir(p, 0o700); err != nil {
						t.Fatal(err)
					}
				case n.mode&os.ModeSymlink != 0:
					if err := os.Symlink(n.link, p); err != nil {
						t.Fatal(err)
					}
				default:
					if err := os.WriteFile(p, []byte(n.data), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.Lchown(p, n.uid, n.uid); err != nil {
					t.Fatal(err)
				}
				if n.mode&os.ModeSymlink == 0 {
					if err := os.Chmod(p, n.mode); err != nil {
						t.Fatal(err)
					}
				}
			}
			// cap_net_bind_service=+ep, as setcap writes it (VFS_CAP_REVISION_2).
			capv := []byte{0, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
			if err := syscall.Setxattr(filepath.Join(root, "a.txt"), "security.capability", capv, 0); err != nil {
				t.Fatal(err)
			}
			// Times as pinnedCopy leaves them, children first.
			for i := len(paths) - 1; i >= 0; i-- {
				ts := []syscall.Timespec{syscall.NsecToTimespec(epoch.UnixNano()), syscall.NsecToTimespec(epoch.UnixNano())}
				if err := utimesNoFollow(filepath.Join(root, paths[i]), ts); err != nil {
					t.Fatal(err)
				}
			}
			wantDigest, wantSize, want := buildkitBlob(t, root)
			if os.Getenv("DUMP") != "" {
				os.WriteFile(os.Getenv("DUMP"), want, 0o644)
			}

			es, err := FromDir(root, paths)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			got, err := Write(&buf, es, epoch)
			if err != nil {
				t.Fatal(err)
			}
			if got.Digest != wantDigest || got.Size != wantSize {
				t.Errorf("got %s (%d), BuildKit's code %s (%d)", got.Digest, got.Size, wantDigest, wantSize)
				diffAt(t, buf.Bytes(), want)
			}
		})
	}
}

func utimesNoFollow(p string, ts []syscall.Timespec) error {
	uts := []unix.Timespec{unix.Timespec(ts[0]), unix.Timespec(ts[1])}
	return unix.UtimesNanoAt(unix.AT_FDCWD, p, uts, unix.AT_SYMLINK_NOFOLLOW)
}
