package main

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// epoch is the file time of every entry the test bed writes.
var epoch = time.Unix(0, 0).UTC()

// goRootSkip are GOROOT entries a build never reads.
var goRootSkip = map[string]bool{"test": true, "doc": true, "api": true}

// pushToolchain builds an image shaped like the official golang:<v>-alpine
// (Go in /usr/local/go, GOPATH /go, GOTOOLCHAIN=local, a shell, the CA
// bundle) from this machine's Go installation and pushes it to
// <registry>/library/golang:<version>-alpine. Given the layers of
// cgo-rootfs.sh (cgoLayers: Debian's, zig's), it also pushes the cgo
// toolchains <registry>/slimfile-testbed/golang-cgo:<version>-debian (that
// Debian with this Go) and -zig (the Alpine-shaped image with zig).
func pushToolchain(reg, cache string, cgoLayers []string) error {
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %w", err)
	}
	root := strings.TrimSpace(string(goroot))
	version := goVersion()
	if cache == "" {
		cache = os.TempDir()
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	goLayerPath := filepath.Join(cache, "goroot-"+version+".tar.gz")
	if _, err := os.Stat(goLayerPath); err != nil {
		if err := writeLayer(goLayerPath, func(tw *tar.Writer) error { return addGoRoot(tw, root) }); err != nil {
			return err
		}
	}
	sysLayerPath := filepath.Join(cache, "toolchain-sys.tar.gz")
	if err := writeLayer(sysLayerPath, addSystem); err != nil {
		return err
	}
	if err := pushImage(reg+"/library/golang:"+toolchainTag(), version, sysLayerPath, goLayerPath); err != nil {
		return err
	}
	if len(cgoLayers) == 0 {
		return nil
	}
	if len(cgoLayers) != 2 {
		return fmt.Errorf("want the Debian and zig layers of cgo-rootfs.sh, got %q", cgoLayers)
	}
	// This machine's CA bundle over Debian's, as in the other image: the
	// module proxy may be reached through a proxy of this machine's.
	caLayerPath := filepath.Join(cache, "toolchain-ca.tar.gz")
	if err := writeLayer(caLayerPath, addCABundle); err != nil {
		return err
	}
	if err := pushImage(reg+"/slimfile-testbed/golang-cgo:"+version+"-debian", version, cgoLayers[0], goLayerPath, caLayerPath); err != nil {
		return err
	}
	return pushImage(reg+"/slimfile-testbed/golang-cgo:"+version+"-zig", version, sysLayerPath, goLayerPath, cgoLayers[1])
}

// pushImage pushes an image of the layer tarballs at paths, configured as
// the official golang images are, to ref.
func pushImage(ref, version string, paths ...string) error {
	var layers []v1.Layer
	for _, p := range paths {
		l, err := tarball.LayerFromFile(p, tarball.WithMediaType(types.OCILayer))
		if err != nil {
			return err
		}
		layers = append(layers, l)
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err := mutate.AppendLayers(img, layers...)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Created = v1.Time{Time: epoch}
	cf.Config.Env = []string{
		"PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"GOLANG_VERSION=" + version,
		"GOTOOLCHAIN=local",
		"GOPATH=/go",
	}
	cf.Config.WorkingDir = "/go"
	cf.Config.Cmd = []string{"sh"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return err
	}
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		return err
	}
	if err := remote.Write(tag, img); err != nil {
		return fmt.Errorf("push %s: %w", tag, err)
	}
	d, _ := img.Digest()
	fmt.Printf("pushed %s@%s\n", tag, d)
	return nil
}

func writeLayer(path string, fill func(*tar.Writer) error) error {
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	if err := fill(tw); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

func addGoRoot(tw *tar.Writer, root string) error {
	if err := addDir(tw, "usr/", 0o755); err != nil {
		return err
	}
	if err := addDir(tw, "usr/local/", 0o755); err != nil {
		return err
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() && goRootSkip[rel] {
			return filepath.SkipDir
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(filepath.Join("usr/local/go", rel))
		if d.IsDir() {
			h.Name += "/"
		}
		h.ModTime, h.Uid, h.Gid, h.Uname, h.Gname = epoch, 0, 0, "", ""
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(tw, f)
			return err
		}
		return nil
	})
}

// addSystem writes the small non-Go part of the image: busybox as the shell
// and its applets, the CA bundle, users and the usual directories.
func addSystem(tw *tar.Writer) error {
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return fmt.Errorf("static busybox (Debian package busybox-static): %w", err)
	}
	ca, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		return fmt.Errorf("CA bundle: %w", err)
	}
	list, err := exec.Command("/bin/busybox", "--list").Output()
	if err != nil {
		return fmt.Errorf("busybox --list: %w", err)
	}
	for _, d := range []struct {
		name string
		mode int64
	}{{"bin/", 0o755}, {"etc/", 0o755}, {"etc/ssl/", 0o755}, {"etc/ssl/certs/", 0o755},
		{"go/", 0o777}, {"go/bin/", 0o777}, {"go/src/", 0o777}, {"root/", 0o700}, {"tmp/", 0o1777},
		{"usr/", 0o755}, {"usr/bin/", 0o755}, {"usr/local/", 0o755}, {"usr/local/bin/", 0o755}} {
		if err := addDir(tw, d.name, d.mode); err != nil {
			return err
		}
	}
	files := []struct {
		name string
		mode int64
		data []byte
	}{
		{"bin/busybox", 0o755, bb},
		{"etc/ssl/certs/ca-certificates.crt", 0o644, ca},
		{"etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n")},
		{"etc/group", 0o644, []byte("root:x:0:root\nnobody:x:65534:\n")},
	}
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: epoch, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	for _, a := range strings.Fields(string(list)) {
		if a == "busybox" {
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Name: "bin/" + a, Linkname: "/bin/busybox", Mode: 0o777, ModTime: epoch, Typeflag: tar.TypeSymlink}); err != nil {
			return err
		}
	}
	return nil
}

// addCABundle writes this machine's CA bundle at the path Debian and
// Alpine keep theirs.
func addCABundle(tw *tar.Writer) error {
	ca, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		return fmt.Errorf("CA bundle: %w", err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: "etc/ssl/certs/ca-certificates.crt", Mode: 0o644, Size: int64(len(ca)), ModTime: epoch, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err = tw.Write(ca)
	return err
}

func addDir(tw *tar.Writer, name string, mode int64) error {
	return tw.WriteHeader(&tar.Header{Name: name, Mode: mode, ModTime: epoch, Typeflag: tar.TypeDir})
}
