package llb_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/slimfile/slimfile/internal/gostep"
	sllb "github.com/slimfile/slimfile/llb"
)

// layered is the options of a build with the dependency layers.
func layered(requires bool) *sllb.Options {
	in := inputs(requires)
	fe := llb.Image("registry.example/slimfile@sha256:"+strings.Repeat("f", 64), llb.Platform(buildPlatform))
	in.Frontend = &fe
	in.Layers = true
	in.Dependencies = map[string][]string{"linux/arm64": {"fmt", "google.golang.org/grpc"}}
	return in
}

// TestDependencyLayers: after the go mod download step, one step writes
// the module layer and, beside it, the platform's dependency step compiles the listed packages in
// a directory of go.mod and go.sum alone (so a source edit leaves it
// cached) through the cache program, for the platform, into the
// dependency layer; go build fills the persistent module cache from the
// module layer and seeds the build cache from the dependency layer.
func TestDependencyLayers(t *testing.T) {
	f, tg := parse(t, "slimfile: 1", "main: ./cmd/api", "build: {tags: [netgo], gcflags: [-m]}")
	g, _ := build(t, layered(true), f, tg, linuxArm64)
	modD, mods, mc := step[*gostep.Modules](t, g)
	if mc.Out != "/slimfile-modules" {
		t.Errorf("module layer step %+v", mc)
	}
	if m := mount(t, mods, "/slimfile-modules"); m.Input >= 0 || m.Output < 0 {
		t.Errorf("the module layer is not a new output of the download step: %v", m)
	}
	// With cgo off, the step also reports the C code left out.
	depD, deps, dc := step[*gostep.Deps](t, g)
	want := &gostep.Deps{LeftOut: "/slimfile-report/slimfile-cgo/left-out", Command: []string{"go", "build", "-trimpath", "-tags=netgo", "fmt", "google.golang.org/grpc"}}
	if !reflect.DeepEqual(dc, want) {
		t.Errorf("dependency step %+v, want %+v (no -gcflags without a pattern, no link flags)", dc, want)
	}
	env := deps.GetExec().Meta.Env
	prog := strings.Join(append([]string{stepProgram}, gostep.Argv(&gostep.CacheProg{Persist: "/root/.cache/go-build", Out: "/slimfile-deps"})...), " ")
	for _, kv := range []string{"GOARCH=arm64", "GOOS=linux", "CGO_ENABLED=0", "GOCACHE=/root/.cache/go-build", "GOCACHEPROG=" + prog} {
		if !hasEnv(env, kv) {
			t.Errorf("dependency step env %q lacks %s", env, kv)
		}
	}
	if !strings.Contains(g.name(depD), "[linux/arm64] go build dependencies of ./cmd/api (2 packages)") {
		t.Errorf("dependency step named %q", g.name(depD))
	}
	_, src := g.input(deps, mount(t, deps, "/src"))
	if src.GetFile() == nil {
		t.Errorf("the dependency step's /src is not go.mod and go.sum alone: %v", src)
	}
	// Both layers run on the download step's output, side by side.
	dlD, _ := g.exec(t, "go", "mod", "download")
	if d, _ := g.input(deps, mount(t, deps, "/")); d != dlD {
		t.Error("the dependency step does not run after go mod download")
	}
	if d, _ := g.input(mods, mount(t, mods, "/")); d != dlD {
		t.Error("the module layer step does not run after go mod download")
	}
	_, gb, bc := step[*gostep.Build](t, g)
	if bc.Modules != "/slimfile-modules" || bc.Seed != "/slimfile-deps" || bc.LeftOut != "/out/slimfile-cgo/left-out" || bc.LeftOutFrom != "/slimfile-report/slimfile-cgo/left-out" {
		t.Errorf("go build step %+v", bc)
	}
	if d, _ := g.input(gb, mount(t, gb, "/slimfile-deps")); d != depD || !mount(t, gb, "/slimfile-deps").Readonly {
		t.Error("go build does not mount the dependency layer read-only")
	}
	// go build copies the dependency step's report into its own output,
	// which a builder that imported the cache has: no report of a step's
	// own that only the frontend reads, in no exported cache.
	if d, _ := g.input(gb, mount(t, gb, "/slimfile-report")); d != depD || !mount(t, gb, "/slimfile-report").Readonly {
		t.Error("go build does not mount the dependency step's report read-only")
	}
	if r := result(t, layered(true), f, tg, linuxArm64); !r.LeftOut {
		t.Error("the report of C code left out is not read from go build's output")
	}
	if d, _ := g.input(gb, mount(t, gb, "/slimfile-modules")); d != modD || !mount(t, gb, "/slimfile-modules").Readonly {
		t.Error("go build does not mount the module layer read-only")
	}
	for _, cache := range []string{"/go/pkg/mod", "/root/.cache/go-build"} {
		if mount(t, gb, cache).MountType != pb.MountType_CACHE {
			t.Errorf("go build does not use the persistent cache %s", cache)
		}
	}
}

// TestNoDependencyLayers: without Layers, or for a platform without a
// list, the steps are as they were: no layer steps, go build on the
// persistent module cache, filled from the module layer when there is one; a module without requirements gets a
// dependency layer (of standard library packages) but no module layer.
func TestNoDependencyLayers(t *testing.T) {
	f, tg := parse(t, "slimfile: 1", "security: {seccomp: go}")
	off := layered(true)
	off.Layers = false
	for name, c := range map[string]struct {
		in   *sllb.Options
		p    string
		deps int
		mods int
	}{
		"off":         {off, "arm64", 0, 0},
		"other arch":  {layered(true), "amd64", 0, 1},
		"no requires": {layered(false), "arm64", 1, 0},
		"listed arch": {layered(true), "arm64", 1, 1},
	} {
		t.Run(name, func(t *testing.T) {
			p := linuxArm64
			if c.p == "amd64" {
				p = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
			}
			g, _ := build(t, c.in, f, tg, p)
			if n := len(steps[*gostep.Deps](t, g)); n != c.deps {
				t.Errorf("%d dependency steps, want %d", n, c.deps)
			}
			if n := len(steps[*gostep.Modules](t, g)); n != c.mods {
				t.Errorf("%d module layer steps, want %d", n, c.mods)
			}
			// go build reports the C code left out: without a dependency
			// step it looks for it, with one it copies that step's report.
			gbs := steps[*gostep.Build](t, g)
			for d, bc := range gbs {
				if bc.LeftOut == "" || (bc.LeftOutFrom != "") != (c.deps == 1) {
					t.Errorf("go build %+v, with %d dependency steps", bc, c.deps)
				}
				if m := mount(t, g.ops[d], "/go/pkg/mod"); m.MountType != pb.MountType_CACHE {
					t.Errorf("go build's module cache %v is not the persistent one", m)
				}
				if (bc.Modules != "") != (c.mods == 1) {
					t.Errorf("go build %+v, with %d module layers", bc, c.mods)
				}
			}
			if len(gbs) != 1 {
				t.Errorf("%d go build steps", len(gbs))
			}
		})
	}
}

// TestDependencyGcflags: -gcflags that name their packages (all=...)
// reach the dependency build, whose packages they apply to in go build.
func TestDependencyGcflags(t *testing.T) {
	f, tg := parse(t, "slimfile: 1", "build: {gcflags: [all=-N, -l]}")
	g, _ := build(t, layered(true), f, tg, linuxArm64)
	_, _, dc := step[*gostep.Deps](t, g)
	if !slices.Contains(dc.Command, "-gcflags=all=-N -l") {
		t.Errorf("dependency build %q lacks -gcflags=all=-N -l", dc.Command)
	}
}
