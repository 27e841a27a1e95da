package frontend

import (
	"errors"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"

	"github.com/slimfile/slimfile/spec"
)

func TestMissingSource(t *testing.T) {
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
		{bk("/config/app.yaml"), "config/app.yaml"},
		{bk("/leak"), "leak"},
		{bk("/etc/shadow"), ""},
		{errors.New("exit code: 1"), ""},
		{nil, ""},
	} {
		got, ok := missingSource(c.err, tg)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("missingSource(%v) = %q, %v; want %q", c.err, got, ok, c.want)
		}
	}
}

func TestExplainMissingKeepsSources(t *testing.T) {
	src := &errdefs.Source{Info: &pb.SourceInfo{Filename: "Slimfile"}, Ranges: []*pb.Range{{Start: &pb.Position{Line: 5}}}}
	bk := errdefs.WithSource(errors.New(`"/leak": not found`), src)
	for _, c := range []struct {
		link   string
		isLink bool
		want   string
	}{
		{"", false, "image.files: leak is not in the build context (missing there, or excluded by the ignore file): "},
		{"../outside.txt", true, "image.files: leak is a symbolic link to ../outside.txt, which is not in the build context"},
	} {
		got := explainMissing(bk, "leak", c.link, c.isLink)
		if !strings.HasPrefix(got.Error(), c.want) || !strings.Contains(got.Error(), `"/leak": not found`) {
			t.Errorf("explainMissing = %q, want it to start with %q and keep BuildKit's message", got, c.want)
		}
		if ss := errdefs.Sources(got); len(ss) != 1 || ss[0].Ranges[0].Start.Line != 5 {
			t.Errorf("explainMissing lost the source location: %v", ss)
		}
	}
}
