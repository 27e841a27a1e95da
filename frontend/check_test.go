package frontend

import (
	"context"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"

	"github.com/slimfile/slimfile/spec"
)

// source is a Slimfile as dockerui reads it, with its source map.
func source(t *testing.T, data string) *dockerui.Source {
	t.Helper()
	st := llb.Local("dockerfile")
	def, err := st.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sm := llb.NewSourceMap(&st, "Slimfile", "YAML", []byte(data))
	sm.Definition = def
	return &dockerui.Source{SourceMap: sm}
}

// TestCheckWarnings: each rule warns at the line of the value it is about,
// and a Slimfile with none of them gets no warning.
func TestCheckWarnings(t *testing.T) {
	data := strings.Join([]string{
		"slimfile: 1",                         // 1
		"toolchain: golang:1.26-alpine",       // 2
		"build:",                              // 3
		"  ldflags: [\"-s -w\", -X=main.v=1]", // 4
		"image:",                              // 5
		"  user: root",                        // 6
		"  base: alpine:3.20",                 // 7
		"security:",                           // 8
		"  seccomp: none",                     // 9
	}, "\n") + "\n"
	f, err := spec.Parse([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	res := check(f, nil, source(t, data))
	if res.Error != nil {
		t.Fatalf("error %v", res.Error)
	}
	want := map[string]int32{ruleUnpinnedImage + " toolchain": 2, ruleRepeatedLdflags: 4, ruleRootUser: 6, ruleUnpinnedImage + " image.base": 7, ruleNoSeccomp: 9}
	got := map[string]int32{}
	for _, w := range res.Warnings {
		key := w.RuleName
		if w.RuleName == ruleUnpinnedImage {
			key += " " + strings.SplitN(w.Detail, ":", 2)[0]
		}
		if w.Location == nil || len(w.Location.Ranges) != 1 {
			t.Errorf("%s: no line", key)
			continue
		}
		got[key] = w.Location.Ranges[0].Start.Line
	}
	for k, line := range want {
		if got[k] != line {
			t.Errorf("%s: at line %d, want %d (warnings %v)", k, got[k], line, got)
		}
	}
	if len(res.Warnings) != len(want) {
		t.Errorf("%d warnings, want %d: %+v", len(res.Warnings), len(want), res.Warnings)
	}

	clean := "slimfile: 1\nbuild: {ldflags: [-X=main.v=1]}\nimage: {base: \"alpine@sha256:" + strings.Repeat("a", 64) + "\"}\n"
	f, err = spec.Parse([]byte(clean))
	if err != nil {
		t.Fatal(err)
	}
	if res := check(f, nil, source(t, clean)); len(res.Warnings) > 0 || res.Error != nil {
		t.Errorf("a clean Slimfile: %+v", res)
	}
}

// TestCheckError: a Slimfile that does not parse gives the build's error,
// at its line, in the result.
func TestCheckError(t *testing.T) {
	data := "slimfile: 1\nmian: .\n"
	_, err := spec.Parse([]byte(data))
	if err == nil {
		t.Fatal("no parse error")
	}
	res := check(nil, err, source(t, data))
	if res.Error == nil || !strings.Contains(res.Error.Message, `did you mean "main"`) {
		t.Fatalf("error %+v", res.Error)
	}
	if r := res.Error.Location.Ranges; len(r) != 1 || r[0].Start.Line != 2 {
		t.Errorf("error at %v, want line 2", r)
	}
	out, err := res.ToResult(nil)
	if err != nil {
		t.Fatal(err)
	}
	if code := string(out.Metadata["result.statuscode"]); code != "1" {
		t.Errorf("status %q, want 1", code)
	}
}
