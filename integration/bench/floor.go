package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/slimfile/slimfile/integration/oci"
)

// floor is the least a registry could store for the image: gzip -9 of the
// stripped binary and the CA bundle (taken from the Slimfile's image) and
// of Go's zoneinfo.zip as Go ships it (this machine's, which the test
// bed's toolchain image holds), with no tar headers, users or directories.
func floor(tar, platform string) int64 {
	l, err := oci.Open(tar)
	check(err)
	imgs, err := l.Images()
	check(err)
	img := imgs[platform]
	cf, err := img.ConfigFile()
	check(err)
	root, err := os.MkdirTemp("", "slimfile-bench-floor-")
	check(err)
	defer os.RemoveAll(root)
	check(oci.Unpack(img, root))
	var n int64
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	check(err)
	for _, f := range []string{
		filepath.Join(root, cf.Config.Entrypoint[0]),
		filepath.Join(root, "/etc/ssl/certs/ca-certificates.crt"),
		filepath.Join(strings.TrimSpace(string(goroot)), "lib/time/zoneinfo.zip"),
	} {
		out, err := exec.Command("gzip", "-9nc", f).Output()
		check(err)
		n += int64(len(out))
	}
	return n
}
