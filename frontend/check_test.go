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
		"  vulns: off",                        // 10
	}, "\n") + "\n"
	f, err := spec.Parse([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	res := check(f, nil, source(t, data), nil)
	if res.Error != nil {
		t.Fatalf("error %v", res.Error)
	}
	want := map[string]int32{ruleUnpinnedImage + " toolchain": 2, ruleRepeatedLdflags: 4, ruleRootUser: 6, ruleUnpinnedImage + " image.base": 7, ruleNoSeccomp: 9, ruleNoVulnCheck: 10}
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
	if res := check(f, nil, source(t, clean), nil); len(res.Warnings) > 0 || res.Error != nil {
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
	res := check(nil, err, source(t, data), nil)
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

// TestCheckIgnoreFile: an ignore file written for another Dockerfile (all
// but one binary excluded) hides go.mod, go.sum, the main package and the
// other files the Slimfile names; each is warned about at its line. One
// that re-includes them gets no warning, nor do values holding ${ARG}.
func TestCheckIgnoreFile(t *testing.T) {
	data := strings.Join([]string{
		"slimfile: 1",           // 1
		"args: {CFG: app.yaml}", // 2
		"main: ./cmd/api",       // 3
		"image:",                // 4
		"  files:",              // 5
		"    - {src: config/app.yaml, dst: /etc/app}", // 6
		"    - {src: \"config/${CFG}\", dst: /etc/b}", // 7
		"security:",                         // 8
		"  apparmor: profiles/api.apparmor", // 9
	}, "\n") + "\n"
	f, err := spec.Parse([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	res := check(f, nil, source(t, data), []string{"*", "!coredns"})
	got := map[string]int32{}
	for _, w := range res.Warnings {
		if w.RuleName != ruleIgnoredInput {
			t.Errorf("unexpected warning %s: %s", w.RuleName, w.Detail)
			continue
		}
		key := strings.SplitN(w.Detail, ":", 2)[0]
		if !strings.Contains(w.Detail, "Slimfile.dockerignore") {
			t.Errorf("%s: the warning does not name the Slimfile's own ignore file: %s", key, w.Detail)
		}
		got[key+" "+strings.Fields(strings.SplitN(w.Detail, "excludes ", 2)[1])[0]] = w.Location.Ranges[0].Start.Line
	}
	want := map[string]int32{"module go.mod,": 1, "module go.sum,": 1, "main cmd/api,": 3, "image.files[0].src config/app.yaml,": 6, "security.apparmor profiles/api.apparmor,": 9}
	if len(got) != len(want) {
		t.Errorf("warnings %v, want %v", got, want)
	}
	for k, line := range want {
		if got[k] != line {
			t.Errorf("%s: at line %d, want %d (got %v)", k, got[k], line, got)
		}
	}
	if res := check(f, nil, source(t, data), []string{"*", "!go.mod", "!go.sum", "!cmd", "!config", "!profiles"}); len(res.Warnings) != 0 {
		t.Errorf("an ignore file that re-includes the inputs: %+v", res.Warnings)
	}
	if res := check(f, nil, source(t, data), []string{"**/*_test.go", ".git"}); len(res.Warnings) != 0 {
		t.Errorf("a usual ignore file: %+v", res.Warnings)
	}
}
