package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/slimfile/slimfile/integration/oci"
)

// floor is the least any image holding the Slimfile image's three payload
// files could weigh: gzip -9 of its stripped binary, its CA bundle and its
// zoneinfo.zip (repacked by the frontend), each alone, with no tar
// headers, users, directories, manifest or config.
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
	zoneinfo := ""
	for _, kv := range cf.Config.Env {
		if v, ok := strings.CutPrefix(kv, "ZONEINFO="); ok {
			zoneinfo = v
		}
	}
	if zoneinfo == "" {
		fail(fmt.Errorf("the Slimfile's image sets no ZONEINFO"))
	}
	var n int64
	for _, f := range []string{
		filepath.Join(root, cf.Config.Entrypoint[0]),
		filepath.Join(root, "/etc/ssl/certs/ca-certificates.crt"),
		filepath.Join(root, zoneinfo),
	} {
		out, err := exec.Command("gzip", "-9nc", f).Output()
		check(err)
		n += int64(len(out))
	}
	return n
}
