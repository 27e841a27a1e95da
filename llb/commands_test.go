package llb_test

import (
	"errors"
	"strings"
	"testing"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/spec"
)

// An entrypoint or health check command whose program the scratch image
// does not hold is an error at its line, not "no such file or directory"
// at docker run; with a base image nothing is checked.
func TestCommandsInTheImage(t *testing.T) {
	for _, c := range []struct {
		name  string
		lines []string
		want  string // "" builds
		line  int
	}{
		{"the binary", []string{"image: {entrypoint: [/usr/local/bin/svc, serve]}"}, "", 0},
		{"the binary by name", []string{"image: {entrypoint: [svc]}"}, "", 0},
		{"a typo", []string{"image:", "  entrypoint: [/usr/local/bin/scv, serve]"}, "image.entrypoint: /usr/local/bin/scv is not in the image, which holds /usr/local/bin/svc", 3},
		{"a shell", []string{"image:", "  healthcheck: {exec: [/bin/sh, -c, \"wget -q localhost\"]}"}, "image.healthcheck.exec: /bin/sh is not in the image", 3},
		{"a name not in PATH", []string{"image:", "  entrypoint: [curl]"}, "image.entrypoint: curl is not in the image", 3},
		{"empty", []string{"image:", "  entrypoint: [\"\"]"}, "image.entrypoint: the program is empty", 3},
		{"a copied file", []string{"image:", "  files: [{src: run.sh, dst: /app/run}]", "  entrypoint: [/app/run]"}, "", 0},
		{"in a copied directory", []string{"image:", "  files: [{src: tools, dst: /opt/tools}]", "  healthcheck: {exec: [/opt/tools/check]}"}, "", 0},
		{"relative to the working directory", []string{"image:", "  entrypoint: [./svc]"}, "", 0},
		{"on a base image", []string{"image:", "  base: alpine:3.20", "  entrypoint: [/bin/sh]"}, "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, tg := parse(t, append([]string{"slimfile: 1"}, c.lines...)...)
			in := inputs(true)
			in.ModuleDir = f.Module
			_, err := sllb.Build(in, tg, buildPlatform)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ve *spec.ValueError
			if err == nil || !strings.HasPrefix(err.Error(), c.want) || !errors.As(err, &ve) || ve.Range.Line != c.line {
				t.Fatalf("error %v (at %+v), want %q at line %d", err, ve, c.want, c.line)
			}
		})
	}
}
