package frontend

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/security"
	"github.com/slimfile/slimfile/spec"
)

// plan is what building one target needs, gathered once before any step
// runs: the options every platform shares and each platform's result.
type plan struct {
	opts    *sllb.Options
	results []*sllb.Result // one per platform
}

// start gathers the plan of building t: the toolchain, go.mod and the
// build context; the platforms; for each platform the expanded target,
// its base image, the profile files it names and the packages of its
// dependency layer. It also resolves the frontend's own image, whose
// binaries repack zoneinfo.zip, run the dependency layers and derive
// seccomp profiles; it depends on neither go.mod nor the toolchain, so it
// is resolved while they are read and resolved (each is a round trip to
// BuildKit on every build, no-op ones included). The confinement of every
// platform is checked here, before any step runs.
func (b *builder) start(ctx context.Context, t *spec.Target) (*plan, error) {
	return b.startAs(ctx, t, nil)
}

// startAs is start with each expanded target made into what variant
// returns for it (llb.DebugTarget); nil builds them as they are.
func (b *builder) startAs(ctx context.Context, t *spec.Target, variant func(*spec.Target) *spec.Target) (*plan, error) {
	own := b.ownImageAsync(ctx)
	opts, err := b.inputs(ctx, t)
	if err != nil {
		return nil, err
	}
	ps, err := b.platforms(t)
	if err != nil {
		return nil, err
	}
	ets := make([]*spec.Target, len(ps))
	for i, p := range ps {
		if ets[i], err = b.f.Expanded(t, b.argValues(&p)); err != nil {
			return nil, err
		}
		if variant != nil {
			ets[i] = variant(ets[i])
		}
	}
	layers, err := b.cacheLayers()
	if err != nil {
		return nil, err
	}
	if err := b.checkEpoch(); err != nil {
		return nil, err
	}
	// The layers' steps run the frontend image's slimfile-go; a module
	// with directory replacements has no download step to keep.
	opts.Layers = layers && !opts.Module.LocalReplaces
	if err := b.gather(ctx, opts, ets, ps); err != nil {
		return nil, err
	}
	if opts.Frontend, err = own(); err != nil {
		return nil, err
	}
	opts.Layers = opts.Layers && opts.Frontend != nil
	if opts.CC, err = b.cCompilers(ctx, opts, ets, ps); err != nil {
		return nil, err
	}
	pl := &plan{opts: opts}
	for i, p := range ps {
		r, err := sllb.Build(opts, ets[i], p)
		if err != nil {
			return nil, err
		}
		if _, err := r.Confinement(nil); err != nil {
			return nil, err
		}
		pl.results = append(pl.results, r)
	}
	return pl, nil
}

// gather resolves, for every platform at once, the base image and the
// profile files of its expanded target and, with opts.Layers, the
// packages of its dependency layer.
func (b *builder) gather(ctx context.Context, opts *sllb.Options, ets []*spec.Target, ps []ocispecs.Platform) error {
	bases := make([]*resolved, len(ps))
	eg, ectx := errgroup.WithContext(ctx)
	for i, p := range ps {
		eg.Go(func() (err error) {
			defer recovered(&err)
			et := ets[i]
			bases[i], err = b.resolve(ectx, "base", "base", et.Image.Base, p)
			return at(err, et.Where(&et.Image.Base))
		})
	}
	eg.Go(func() (err error) {
		defer recovered(&err)
		opts.ProfileFiles, err = b.profileFiles(ectx, ets)
		return err
	})
	eg.Go(func() (err error) {
		defer recovered(&err)
		opts.CAFiles, err = b.caFiles(ectx, ets)
		return err
	})
	if opts.Layers {
		eg.Go(func() (err error) {
			defer recovered(&err)
			var code *ownCode
			opts.Dependencies, code, opts.Layers, err = b.dependencyLists(ectx, opts, ets, ps)
			if code != nil && !opts.Module.LocalReplaces {
				b.code, opts.VulnSources = code, code.digest()
			}
			return err
		})
	}
	if err := eg.Wait(); err != nil {
		return err
	}
	opts.Bases = map[string]*sllb.Base{}
	for i, p := range ps {
		if r := bases[i]; r != nil {
			opts.Bases[sllb.PlatformString(p)] = &sllb.Base{State: r.state, Config: r.config, Ref: r.ref}
		}
	}
	return nil
}

// profileFiles reads the profile files the targets' security values name
// (values other than the named profiles), each once per build: they are
// checked before any step runs, then used for each platform.
func (b *builder) profileFiles(ctx context.Context, ets []*spec.Target) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, et := range ets {
		for _, v := range et.ProfileFiles() {
			if _, ok := files[*v]; ok {
				continue
			}
			dt, err := b.readContextFile(ctx, *v)
			if err != nil {
				return nil, at(fmt.Errorf("%s: %v", et.Key(v), err), et.Where(v))
			}
			files[*v] = dt
		}
	}
	return files, nil
}

// caFiles reads and parses the certificate files of the targets'
// image.ca, each once per build: a file that is not PEM certificates is
// an error at its line, before any step runs.
func (b *builder) caFiles(ctx context.Context, ets []*spec.Target) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, et := range ets {
		for i, name := range et.Image.CA {
			if _, ok := files[name]; ok {
				continue
			}
			where := et.Where(&et.Image.CA[i])
			dt, err := b.readContextFile(ctx, name)
			if err != nil {
				return nil, at(fmt.Errorf("image.ca: %v", err), where)
			}
			if err := security.CheckCertificates(dt); err != nil {
				return nil, at(fmt.Errorf("image.ca: %s: %v", name, err), where)
			}
			files[name] = dt
		}
	}
	return files, nil
}

// inputs resolves everything the build graph starts from that does not
// depend on the target platform.
func (b *builder) inputs(ctx context.Context, t *spec.Target) (*sllb.Options, error) {
	bp := b.bc.BuildPlatforms[0]
	mod, confirm, err := b.readGoMod(ctx)
	if err != nil {
		return nil, err
	}
	// The main context needs .dockerignore, a round trip to BuildKit on
	// every build: read it while the toolchain is resolved, and check the
	// early read of go.mod against it.
	var (
		ctxSt     *llb.State
		confirmed = true
	)
	waitContext := spawn(func() (err error) {
		if ctxSt, err = b.bc.MainContext(ctx); err == nil && confirm != nil {
			confirmed = confirm()
		}
		return err
	})
	goVersion, goErr := b.f.GoVersion(mod)
	var tc *resolved
	if goErr == nil {
		tc, err = b.resolve(ctx, "toolchain", "golang", b.f.ToolchainRef(goVersion), bp)
	}
	ctxErr := waitContext()
	switch {
	case !confirmed:
		// The early read of go.mod was not what the build sees.
		b.early = nil
		return b.inputs(ctx, t)
	case ctxErr != nil:
		return nil, ctxErr
	case goErr != nil:
		return nil, at(goErr, b.f.Where(&b.f.Go))
	case err != nil:
		return nil, b.toolchainError(err, goVersion, mod)
	case tc == nil:
		return nil, at(errors.New("the toolchain has no Go: name an image that has one"), b.f.Where(&b.f.Toolchain))
	}
	o := &sllb.Options{Context: *ctxSt, Module: mod, ModuleDir: b.f.Module, ModuleAt: b.f.Where(&b.f.Module),
		CacheNS: b.bc.CacheIDNamespace, Epoch: b.epoch(), Locate: b.locate,
		Labels: b.requestLabels(), BuildLabels: b.bc.Labels,
		// --no-cache, or --no-cache-filter naming the target.
		NoCache: b.bc.IsNoCache(t.Name)}
	if o.CacheNS != "" {
		o.CacheNS += "/"
	}
	if t.Build.Compress == "upx" {
		if o.UPX, err = b.upx(ctx, t, bp); err != nil {
			return nil, err
		}
	}
	o.Toolchain, o.GOROOT, o.ToolchainPath = tc.state, defaultGOROOT, pathOf(nil)
	if tc.config != nil {
		o.GOROOT = gorootFromEnv(tc.config.Config.Env)
		o.ToolchainPath = pathOf(tc.config.Config.Env)
	}
	return o, nil
}

// cacheLayersArg is the build arg that keeps modules and compiled
// dependencies in cache mounts only, out of every layer and so of every
// exported cache (docs/ci.md): SLIMFILE_CACHE_LAYERS=false.
const cacheLayersArg = "SLIMFILE_CACHE_LAYERS"

// cacheLayers reports whether the build keeps modules and compiled
// dependencies in layers too (llb/layers.go): unless the build arg says
// false.
func (b *builder) cacheLayers() (bool, error) {
	v := b.bc.BuildArgs[cacheLayersArg]
	if v == "" {
		return true, nil
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("--build-arg %s=%s: want true or false", cacheLayersArg, v)
	}
	return on, nil
}

// toolchainError says which line chose the toolchain image that could not
// be resolved: toolchain:, go:, or go.mod's toolchain or go line. (%v, not
// %w: BuildKit would show the gRPC status in err alone.)
func (b *builder) toolchainError(err error, goVersion string, mod *spec.GoMod) error {
	f := b.f
	switch {
	case f.Toolchain != "":
		return at(err, f.Where(&f.Toolchain))
	case f.Go != "":
		return at(fmt.Errorf("go: %s: no toolchain image for that version: %v", goVersion, err), f.Where(&f.Go))
	}
	line := "go line"
	if mod != nil && mod.Toolchain != "" && strings.HasPrefix(mod.Toolchain, goVersion) {
		line = "toolchain line"
	}
	return at(fmt.Errorf("go %s, from go.mod's %s: no toolchain image for that version (set go: in the Slimfile to build with another, or toolchain: to name the image): %v", goVersion, line, err), f.Where(&f.Version))
}

// epoch is SOURCE_DATE_EPOCH when given, else the Unix epoch, so that the
// same inputs give the same image either way. A value that is not a
// number of seconds is refused (checkEpoch) before any step runs.
func (b *builder) epoch() time.Time {
	if v, ok := b.bc.BuildArgs["SOURCE_DATE_EPOCH"]; ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	return time.Unix(0, 0).UTC()
}

// checkEpoch refuses a SOURCE_DATE_EPOCH that is not a number of seconds:
// the build would date its files 1970 without a word.
func (b *builder) checkEpoch() error {
	v, ok := b.bc.BuildArgs["SOURCE_DATE_EPOCH"]
	if !ok {
		return nil
	}
	if _, err := strconv.ParseInt(v, 10, 64); err != nil {
		return fmt.Errorf("--build-arg SOURCE_DATE_EPOCH=%s: want a number of seconds since 1970-01-01 UTC, such as $(git log -1 --format=%%ct)", v)
	}
	return nil
}

// platforms is --platform, else the target's platforms, else the build
// platform.
func (b *builder) platforms(t *spec.Target) ([]ocispecs.Platform, error) {
	return choosePlatforms(b.bc.TargetPlatforms, t, b.argValues(nil), b.bc.BuildPlatforms[0])
}

// choosePlatforms is given (--platform) when not empty, else t's
// platforms (expanded with vars), else the build platform, normalized.
func choosePlatforms(given []ocispecs.Platform, t *spec.Target, vars map[string]string, build ocispecs.Platform) ([]ocispecs.Platform, error) {
	if len(given) > 0 {
		return given, nil
	}
	if len(t.Platforms) == 0 {
		return []ocispecs.Platform{platforms.Normalize(build)}, nil
	}
	var out []ocispecs.Platform
	for i := range t.Platforms {
		p, err := platforms.Parse(spec.Expand(t.Platforms[i], vars))
		if err != nil {
			return nil, at(err, t.Where(&t.Platforms[i]))
		}
		out = append(out, platforms.Normalize(p))
	}
	return out, nil
}

// argValues is every declared arg's value (default or --build-arg), plus
// the TARGET* args for platform p.
func (b *builder) argValues(p *ocispecs.Platform) map[string]string {
	vars := map[string]string{}
	for _, a := range b.f.Args {
		vars[a.Name] = a.Default
		if v, ok := b.bc.BuildArgs[a.Name]; ok {
			vars[a.Name] = v
		}
	}
	if p != nil {
		vars["TARGETPLATFORM"] = platforms.Format(*p)
		vars["TARGETOS"], vars["TARGETARCH"], vars["TARGETVARIANT"] = p.OS, p.Architecture, p.Variant
	}
	return vars
}
