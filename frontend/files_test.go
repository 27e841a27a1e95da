package frontend

import (
	"errors"
	"strings"
	"testing"

	"github.com/slimfile/slimfile/spec"
)

func TestFilesError(t *testing.T) {
	f, err := spec.Parse([]byte("slimfile: 1\nimage:\n  files:\n    - {src: config/app.yaml, dst: /etc/app.yaml}\n    - {src: leak, dst: /etc/leak}\n"))
	if err != nil {
		t.Fatal(err)
	}
	tg := f.Targets[0]
	bk := func(p string) error {
		return errors.New(`failed to compute cache key: failed to calculate checksum of ref 5yx2r0q1::k3v: "` + p + `": not found`)
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{bk("/config/app.yaml"), "image.files: config/app.yaml is not in the build context (missing there, or excluded by the ignore file)"},
		{bk("/etc/shadow"), "image.files: a source is a symbolic link to /etc/shadow, which is not in the build context"},
		{errors.New("exit code: 1"), "exit code: 1"},
	} {
		got := filesError(c.err, tg)
		if !strings.HasPrefix(got.Error(), c.want) || !errors.Is(got, c.err) {
			t.Errorf("filesError(%q) = %q, want it to start with %q and wrap the error", c.err, got, c.want)
		}
	}
	if filesError(nil, tg) != nil {
		t.Error("filesError(nil) is not nil")
	}
}
