// Package oci reads the OCI layouts that builds export (type=oci), unpacks
// a platform's root filesystem and runs the image's entrypoint in it, as
// the image's user, chrooted, with the image's environment: enough to prove
// an image works on a machine with no container engine.
package oci

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// Layout is an exported OCI image layout.
type Layout struct {
	Dir   string
	Index v1.ImageIndex
}

// Open reads an OCI layout from a directory or a tar file (extracted next
// to it).
func Open(path string) (*Layout, error) {
	dir := path
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if !st.IsDir() {
		dir = strings.TrimSuffix(path, ".tar") + ".layout"
		if err := untar(path, dir); err != nil {
			return nil, err
		}
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, err
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, err
	}
	// BuildKit's oci exporter writes index.json pointing at one index (or
	// one manifest); step into the nested index when there is one.
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	if len(m.Manifests) == 1 && m.Manifests[0].MediaType.IsIndex() {
		if idx, err = idx.ImageIndex(m.Manifests[0].Digest); err != nil {
			return nil, err
		}
	}
	return &Layout{Dir: dir, Index: idx}, nil
}

// Images returns the layout's images by platform (os/arch[/variant]),
// skipping attestation manifests.
func (l *Layout) Images() (map[string]v1.Image, error) {
	m, err := l.Index.IndexManifest()
	if err != nil {
		return nil, err
	}
	out := map[string]v1.Image{}
	for _, d := range m.Manifests {
		if d.Platform == nil || d.Platform.OS == "unknown" || d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			continue
		}
		img, err := l.Index.Image(d.Digest)
		if err != nil {
			return nil, err
		}
		out[platformString(d.Platform)] = img
	}
	return out, nil
}

func platformString(p *v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// File is one entry of an image's flattened filesystem.
type File struct {
	Header *tar.Header
	Data   []byte // regular files up to 1 MiB
}

// Files lists an image's flattened filesystem by path (no leading slash,
// no trailing slash for directories).
func Files(img v1.Image) (map[string]File, error) {
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	out := map[string]File{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		f := File{Header: h}
		if h.Typeflag == tar.TypeReg && h.Size <= 1<<20 {
			if f.Data, err = io.ReadAll(tr); err != nil {
				return nil, err
			}
		}
		out[strings.Trim(filepath.Clean("/"+h.Name), "/")] = f
	}
}

// Unpack writes an image's flattened filesystem to dir.
func Unpack(img v1.Image, dir string) error {
	// The image's user must be able to enter the root.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	return extract(tar.NewReader(rc), dir)
}

func untar(path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return extract(tar.NewReader(f), dir)
}

func extract(tr *tar.Reader, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean("/" + h.Name)
		p := filepath.Join(dir, name)
		mode := os.FileMode(h.Mode & 0o777)
		if h.Mode&0o1000 != 0 {
			mode |= os.ModeSticky
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			w, err := os.OpenFile(p, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			_, err = io.Copy(w, tr)
			w.Close()
			if err != nil {
				return err
			}
		case tar.TypeSymlink:
			_ = os.Remove(p)
			if err := os.Symlink(h.Linkname, p); err != nil {
				return err
			}
			continue
		default:
			continue
		}
		if err := os.Chmod(p, mode); err != nil {
			return err
		}
		if os.Geteuid() == 0 {
			if err := os.Lchown(p, h.Uid, h.Gid); err != nil {
				return err
			}
		}
	}
}

// Command returns a command that runs the image's entrypoint (and cmd, or
// args when given) chrooted into rootfs, as the image's numeric user, with
// only the image's environment. It needs root.
func Command(img v1.Image, rootfs string, args ...string) (*exec.Cmd, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	c := cf.Config
	argv := append([]string{}, c.Entrypoint...)
	if len(args) > 0 {
		argv = append(argv, args...)
	} else {
		argv = append(argv, c.Cmd...)
	}
	return Exec(img, rootfs, argv...)
}

// Exec is Command with argv in place of the entrypoint and cmd, as
// docker run --entrypoint does.
func Exec(img v1.Image, rootfs string, argv ...string) (*exec.Cmd, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	c := cf.Config
	if len(argv) == 0 {
		return nil, fmt.Errorf("image has no entrypoint or cmd")
	}
	uid, gid, err := numericUser(c.User)
	if err != nil {
		return nil, err
	}
	env := append([]string{}, c.Env...)
	if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "HOME=") }) {
		// Container runtimes set HOME from /etc/passwd when the image does not.
		env = append(env, "HOME="+home(rootfs, uid))
	}
	// The path is resolved inside the chroot by the kernel; exec.Command
	// would look it up on the host, so set Path and Args directly.
	cmd := &exec.Cmd{Path: argv[0], Args: argv, Env: env, Dir: "/"}
	if c.WorkingDir != "" {
		cmd.Dir = c.WorkingDir
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot:     rootfs,
		Credential: &syscall.Credential{Uid: uid, Gid: gid, NoSetGroups: true},
	}
	return cmd, nil
}

// home is uid's home directory in rootfs's /etc/passwd, or "/".
func home(rootfs string, uid uint32) string {
	dt, _ := os.ReadFile(filepath.Join(rootfs, "etc/passwd"))
	for _, line := range strings.Split(string(dt), "\n") {
		f := strings.Split(line, ":")
		if len(f) >= 6 && f[2] == strconv.FormatUint(uint64(uid), 10) && f[5] != "" {
			return f[5]
		}
	}
	return "/"
}

func numericUser(u string) (uint32, uint32, error) {
	if u == "" {
		return 0, 0, nil
	}
	us, gs, _ := strings.Cut(u, ":")
	uid, err := strconv.ParseUint(us, 10, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("image user %q is not numeric", u)
	}
	gid := uid
	if gs != "" {
		if gid, err = strconv.ParseUint(gs, 10, 32); err != nil {
			return 0, 0, fmt.Errorf("image group %q is not numeric", u)
		}
	}
	return uint32(uid), uint32(gid), nil
}
