package frontend

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/spec"
)

func parse(t *testing.T, lines ...string) *spec.File {
	t.Helper()
	f, err := spec.Parse([]byte(strings.Join(lines, "\n") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestSelectOutput: --target names a target's image by the target's name
// and its other outputs as T.kind, or the bare kind for a Slimfile without
// targets; empty selects the first target's image; a wrong name lists
// every name.
func TestSelectOutput(t *testing.T) {
	single := parse(t, "slimfile: 1")
	multi := parse(t, "slimfile: 1", "targets:", "  api: {main: ./cmd/api}", "  worker: {main: ./cmd/worker}")
	for _, c := range []struct {
		f            *spec.File
		name         string
		target, kind string
	}{
		{single, "", "default", "image"},
		{single, "default", "default", "image"},
		{single, "binaries", "default", "binaries"},
		{single, "profiles", "default", "profiles"},
		{multi, "", "api", "image"},
		{multi, "worker", "worker", "image"},
		{multi, "worker.binaries", "worker", "binaries"},
		{multi, "api.profiles", "api", "profiles"},
		{single, "vulns", "default", "vulns"},
		{multi, "worker.vulns", "worker", "vulns"},
		{single, "report", "default", "report"},
		{multi, "api.report", "api", "report"},
		{single, "debug", "default", "debug"},
		{multi, "worker.debug", "worker", "debug"},
	} {
		o, err := selectOutput(c.f, c.name)
		if err != nil || o.target.Name != c.target || o.kind.name != c.kind {
			t.Errorf("selectOutput(%q) = %+v, %v; want %s %s", c.name, o, err, c.target, c.kind)
		}
	}
	_, err := selectOutput(multi, "binaries")
	if err == nil || !strings.Contains(err.Error(), "api, api.binaries, api.profiles, api.vulns, api.report, api.debug, worker, worker.binaries, worker.profiles, worker.vulns, worker.report, worker.debug") {
		t.Errorf("selectOutput(binaries) of a Slimfile with targets: %v", err)
	}
}

// TestListTargets: --call=targets lists what --target accepts, from the
// same table, with the first image as the default.
func TestListTargets(t *testing.T) {
	f := parse(t, "slimfile: 1", "targets:", "  api: {main: ./cmd/api}", "  worker: {main: ./cmd/worker}")
	l := listTargets(f, nil)
	var names []string
	for i, tg := range l.Targets {
		names = append(names, tg.Name)
		if tg.Default != (i == 0) {
			t.Errorf("%s: default %v", tg.Name, tg.Default)
		}
		if _, err := selectOutput(f, tg.Name); err != nil {
			t.Errorf("listed %s, which --target refuses: %v", tg.Name, err)
		}
		if tg.Location == nil || tg.Location.Ranges[0].Start.Line != 3+int32(i/len(outputKinds)) {
			t.Errorf("%s: location %v", tg.Name, tg.Location)
		}
	}
	if want := []string{"api", "api.binaries", "api.profiles", "api.vulns", "api.report", "api.debug", "worker", "worker.binaries", "worker.profiles", "worker.vulns", "worker.report", "worker.debug"}; !reflect.DeepEqual(names, want) {
		t.Errorf("targets %v, want %v", names, want)
	}
	if d := l.Targets[len(outputKinds)].Description; d != "image of ./cmd/worker" {
		t.Errorf("description %q", d)
	}
}

// TestChoosePlatforms: --platform wins, then the target's platforms
// (expanded, normalized), then the build platform; a platform that does
// not parse after expansion is an error at its line.
func TestChoosePlatforms(t *testing.T) {
	build := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm := ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v6"}
	f := parse(t, "slimfile: 1", "args: {ARM: arm/v7, BAD: \"\"}", "platforms: [linux/amd64, \"linux/${ARM}\", linux/arm64]")
	tg := f.Targets[0]
	vars := map[string]string{"ARM": "arm/v7"}
	got, err := choosePlatforms([]ocispecs.Platform{arm}, tg, vars, build)
	if err != nil || !reflect.DeepEqual(got, []ocispecs.Platform{arm}) {
		t.Errorf("with --platform: %v, %v", got, err)
	}
	got, err = choosePlatforms(nil, tg, vars, build)
	want := []ocispecs.Platform{build, {OS: "linux", Architecture: "arm", Variant: "v7"}, {OS: "linux", Architecture: "arm64"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("from platforms: %v, %v; want %v", got, err, want)
	}
	got, err = choosePlatforms(nil, parse(t, "slimfile: 1").Targets[0], nil, ocispecs.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"})
	if err != nil || !reflect.DeepEqual(got, []ocispecs.Platform{{OS: "linux", Architecture: "arm64"}}) {
		t.Errorf("default: %v, %v; want the build platform, normalized", got, err)
	}
	_, err = choosePlatforms(nil, tg, map[string]string{"ARM": "arm/v7/x/y"}, build)
	var ve *spec.ValueError
	if !errors.As(err, &ve) || ve.Range.Line != 3 || ve.Range.Column != 26 {
		t.Errorf("a bad platform after expansion: %v; want an error at line 3 column 26", err)
	}
}

// TestManifestAnnotations: each platform's image.annotations (expanded
// for it) go to its own manifest when several platforms are built, and to
// the one manifest otherwise.
func TestManifestAnnotations(t *testing.T) {
	f := parse(t, "slimfile: 1", "image: {annotations: {org.example.arch: \"${TARGETARCH}\"}}")
	var results []*sllb.Result
	for _, p := range []ocispecs.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}} {
		et, err := f.Expanded(f.Targets[0], map[string]string{"TARGETARCH": p.Architecture})
		if err != nil {
			t.Fatal(err)
		}
		opts := &sllb.Options{Module: &spec.GoMod{Path: "example.com/x"}, ModuleDir: "."}
		r, err := sllb.Build(opts, et, p)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	got := map[string]string{}
	for k, v := range manifestAnnotations(results, true) {
		got[k] = string(v)
	}
	want := map[string]string{"annotation-manifest[linux/amd64].org.example.arch": "amd64", "annotation-manifest[linux/arm64].org.example.arch": "arm64"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("several platforms: %v, want %v", got, want)
	}
	got = map[string]string{}
	for k, v := range manifestAnnotations(results[1:], false) {
		got[k] = string(v)
	}
	if want := map[string]string{"annotation-manifest.org.example.arch": "arm64"}; !reflect.DeepEqual(got, want) {
		t.Errorf("one platform: %v, want %v", got, want)
	}
}

// TestOutputKindsAreTheContracts: the outputs the frontend builds beside
// the image are the ones spec.Outputs lists (and docs/reference.md with
// it), in the same order.
func TestOutputKindsAreTheContracts(t *testing.T) {
	var kinds, outputs []string
	for _, k := range outputKinds[1:] {
		kinds = append(kinds, k.name)
	}
	for _, o := range spec.Outputs {
		outputs = append(outputs, o.Name)
	}
	if !reflect.DeepEqual(kinds, outputs) {
		t.Errorf("output kinds %q, spec.Outputs %q", kinds, outputs)
	}
	if outputKinds[0] != imageKind {
		t.Error("the first output kind is not the image")
	}
}
