package llb

import (
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/slimfile/slimfile/internal/gostep"
	"github.com/slimfile/slimfile/spec"
)

// The dependency layers. BuildKit never exports cache mounts, so a fresh
// builder that imports a cache (--cache-from) would download every module
// and compile every dependency again. With Options.Layers, two steps keep
// them in ordinary layers, keyed only by what decides them, which
// --cache-to ... mode=max exports:
//
//   - the module layer: after go mod download, a step copies the modules
//     go.mod needs out of the persistent module cache (keyed by go.mod,
//     go.sum and the module environment), while the dependency layers
//     compile, as a module proxy directory: zips and go.mod files, a fifth
//     of the extracted trees. Before go build, the persistent module
//     cache is filled from it, once per layer;
//   - a dependency layer per platform: go build of Options.Dependencies in
//     a directory holding only go.mod and go.sum, through a GOCACHEPROG
//     that reads through the persistent build cache and records what the
//     build used (keyed by go.mod, go.sum, the package list, the
//     toolchain, the platform and the flags, tags and env that change
//     compiled code). Before go build, the persistent build cache is
//     seeded from it, once per layer.
//
// On a builder whose cache mounts are warm, the dependency build only
// reads them (it runs when the list, go.mod or go.sum changed) and both
// seeds find everything there; on a fresh builder that imported the
// layers, go build compiles only the module's own packages. Go's own
// cache keys decide every hit, so a layer can make a build faster, never
// different; a dependency build that fails leaves go build to compile
// what it lacks.

// Where the layers are mounted.
const (
	moduleLayerDir = "/slimfile-modules"
	depLayerDir    = "/slimfile-deps"
	reportDir      = "/slimfile-report"
)

// moduleLayer copies the modules go.mod needs out of the persistent module
// cache, which the go mod download step (root) filled, into a layer.
func moduleLayer(in *Options, root llb.State) *llb.State {
	args, mount := in.goStep(&gostep.Modules{Out: moduleLayerDir})
	opts := []llb.RunOption{mount,
		llb.Args(args),
		llb.Dir(srcDir),
		llb.AddMount(srcDir, in.moduleFiles(), llb.Readonly),
		llb.WithCustomName("module layer (" + in.Module.Path + ")"),
	}
	opts = append(opts, in.cacheMounts()...)
	opts = append(opts, in.at(in.ModuleAt)...)
	layer := root.Run(opts...).AddMount(moduleLayerDir, llb.Scratch())
	return &layer
}

// depLayer is a platform's dependency layer, and with cgo off the report
// of the C code left out (LeftOutPath), made by the same step; go build
// copies the report into its output (goBuildReports).
type depLayer struct {
	layer, leftOut *llb.State
}

// dependencies returns p's dependency layer, or nil when there is none.
func dependencies(in *Options, t *spec.Target, p ocispecs.Platform, mods downloaded) (*depLayer, error) {
	pkgs := in.Dependencies[PlatformString(p)]
	if !in.Layers || len(pkgs) == 0 {
		return nil, nil
	}
	env, err := in.platformEnv(t, p)
	if err != nil {
		return nil, err
	}
	step := &gostep.Deps{LibcTags: libcTags(in, t, p), Command: depBuildArgs(t, pkgs)}
	if !t.Build.CGO {
		step.LeftOut = path.Join(reportDir, LeftOutPath)
	}
	prog, _ := in.goStep(&gostep.CacheProg{Persist: buildCache, Out: depLayerDir})
	args, mount := in.goStep(step)
	opts := []llb.RunOption{mount,
		llb.Args(args),
		llb.Dir(srcDir),
		llb.AddMount(srcDir, in.moduleFiles(), llb.Readonly),
		llb.WithCustomName(fmt.Sprintf("[%s] go build dependencies of %s (%d packages)%s", PlatformString(p), strings.Join(t.Packages(), ", "), len(pkgs), in.cgoLabel(t, p))),
	}
	opts = append(opts, env...)
	// The persistent caches: the dependency build reads its modules and
	// compiled packages from them, and the cache program adds what it
	// compiles.
	opts = append(opts, in.cacheMounts()...)
	opts = append(opts, llb.AddEnv("GOCACHEPROG", strings.Join(prog, " ")))
	opts = append(opts, buildEnv(t)...)
	opts = append(opts, in.at(t.Where(&t.Mains[0].Package))...)
	run := mods.root.Run(opts...)
	d := &depLayer{}
	layer := run.AddMount(depLayerDir, llb.Scratch())
	d.layer = &layer
	if !t.Build.CGO {
		report := run.AddMount(reportDir, llb.Scratch())
		d.leftOut = &report
	}
	return d, nil
}

// depBuildArgs is the go build command line of a dependency layer: the
// flags of GoBuildArgs that change compiled packages (link flags do not).
// -gcflags without a package pattern applies to the packages named on the
// command line, the main package in go build and the dependencies here,
// so it is left out unless it names its packages (all=...).
func depBuildArgs(t *spec.Target, pkgs []string) []string {
	args := append([]string{"go", "build"}, packageFlags(t)...)
	if gc := strings.Join(t.Build.Gcflags, " "); hasPattern(gc) {
		args = append(args, "-gcflags="+gc)
	}
	return append(args, pkgs...)
}

// hasPattern reports whether a -gcflags value starts with pattern=.
func hasPattern(flags string) bool {
	pattern, _, ok := strings.Cut(flags, "=")
	return ok && pattern != "" && !strings.HasPrefix(pattern, "-") && !strings.ContainsAny(pattern, " \t")
}
