package llb

import (
	"fmt"
	"path"
	"strings"

	"github.com/slimfile/slimfile/spec"
)

// checkCommands refuses an image.entrypoint or image.healthcheck.exec
// whose program is not in the image: on scratch (no image.base) the image
// holds the binaries in BinDir and the image.files destinations, and
// nothing else a command could run, so any other program would fail only
// at docker run ("exec: no such file or directory"). A bare name is looked
// up as PATH would (BinDir first); a relative path with a slash is left to
// the working directory. With a base image (image.base, or the named
// context base), whose files are not known here, nothing is checked.
func checkCommands(t *spec.Target, bins []spec.Bin, base *Base) error {
	if base != nil || t.Image.Base != "scratch" {
		return nil
	}
	for _, c := range []struct {
		key  string
		argv []string
	}{{"image.entrypoint", t.Image.Entrypoint}, {"image.healthcheck.exec", t.Image.Healthcheck.Exec}} {
		if len(c.argv) == 0 {
			continue
		}
		if err := programInImage(c.argv[0], t, bins); err != nil {
			return &spec.ValueError{Range: t.Where(&c.argv[0]), Err: fmt.Errorf("%s: %v", c.key, err)}
		}
	}
	return nil
}

// programInImage says why prog is not a program of t's image, if it is
// not.
func programInImage(prog string, t *spec.Target, bins []spec.Bin) error {
	if prog == "" {
		return fmt.Errorf("the program is empty")
	}
	var have []string
	for _, b := range bins {
		p := path.Join(BinDir, b.Name)
		if prog == p || prog == b.Name {
			return nil
		}
		have = append(have, p)
	}
	for _, fc := range t.Image.Files {
		dst := path.Clean(fc.Dst)
		if prog == dst || strings.HasPrefix(prog, dst+"/") || prog == path.Base(dst) {
			return nil
		}
	}
	if !strings.HasPrefix(prog, "/") && strings.Contains(prog, "/") {
		return nil // relative to the working directory
	}
	files := ""
	if len(t.Image.Files) > 0 {
		files = " and what image.files copies"
	}
	return fmt.Errorf("%s is not in the image, which holds %s%s (on scratch there is nothing else to run)", prog, strings.Join(have, ", "), files)
}
