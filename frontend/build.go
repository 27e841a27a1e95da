// Package frontend is the BuildKit gateway glue of Slimfile: it reads the
// Slimfile and the module's go.mod through dockerui, resolves images and
// named contexts, asks package llb for the build graph of each platform,
// solves it and returns images, binaries or subrequest answers.
package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pkg/errors"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/spec"
)

// defaultGOROOT is where official golang images keep Go.
const defaultGOROOT = "/usr/local/go"

// Build is the frontend's entry point.
func Build(ctx context.Context, c client.Client) (_ *client.Result, err error) {
	defer recovered(&err)
	bc, err := dockerui.NewClient(c)
	if err != nil {
		return nil, err
	}
	// go.mod is read beside the Slimfile (see earlyRead); subrequests
	// need neither.
	var early func() *earlyRead
	if _, sub := bc.BuildOpts().Opts["requestid"]; !sub {
		early = startEarlyRead(ctx, c)
		// A Slimfile with errors ends the build before go.mod is looked
		// at: let the read finish rather than show it cut short.
		defer early()
	}
	src, err := bc.ReadEntrypoint(ctx, "YAML")
	if err != nil {
		return nil, err
	}
	f, err := spec.Parse(src.Data)
	if err != nil {
		if bc.BuildOpts().Opts["requestid"] == lint.RequestLint {
			// --call=check reports errors in its own result.
			res, err := check(nil, err, src).ToResult(nil)
			return res, err
		}
		return nil, sourceError(err, src)
	}
	sel, selErr := selectOutput(f, bc.Target)
	if res, ok, err := bc.HandleSubrequest(ctx, dockerui.RequestHandler{
		Outline: func(ctx context.Context) (*outline.Outline, error) {
			if selErr != nil {
				return nil, selErr
			}
			return describeOutline(ctx, f, sel, src.Data, bc.BuildArgs), nil
		},
		ListTargets: func(context.Context) (*targets.List, error) {
			return listTargets(f, src.Data), nil
		},
		Lint: func(context.Context) (*lint.LintResults, error) {
			b := &builder{bc: bc, f: f}
			if _, err := f.Resolved(b.argValues(nil)); err != nil {
				return check(nil, err, src), nil
			}
			return check(f, selErr, src), nil
		},
	}); err != nil || ok {
		return res, err
	}
	if selErr != nil {
		return nil, selErr
	}
	b := &builder{c: c, bc: bc, f: f, src: src, early: early}
	if b.f, err = f.Resolved(b.argValues(nil)); err != nil {
		return nil, sourceError(err, src)
	}
	switch sel.kind {
	case kindImage:
		return b.image(ctx, sel.target)
	case kindBinaries:
		return b.binaries(ctx, sel.target)
	default:
		return b.profiles(ctx, sel.target)
	}
}

// builder holds what one build request shares across platforms.
type builder struct {
	c   client.Client
	bc  *dockerui.Client
	f   *spec.File
	src *dockerui.Source
	// early waits for go.mod and go.sum read at the context root while
	// the Slimfile was read (nil for subrequests).
	early func() *earlyRead
	// sawGoMod is set when the early read, which .dockerignore does not
	// filter, found go.mod.
	sawGoMod bool
	// files holds the build context files read once (profile files).
	filesMu sync.Mutex
	files   map[string][]byte
}

// locate ties a build step to the Slimfile value at key (for target t),
// or to the slimfile line when the key was not written.
func (b *builder) locate(t *spec.Target, key string) llb.ConstraintsOpt {
	r, ok := b.f.Pos(t, key)
	if !ok {
		r, _ = b.f.Pos(nil, "slimfile")
	}
	return b.src.SourceMap.Location([]*pb.Range{pbRange(r)})
}

// errAt attaches the position of key (as written for target t) to err.
func (b *builder) errAt(err error, t *spec.Target, key string) error {
	if r, ok := b.f.Pos(t, key); ok {
		return withRange(err, b.src, r)
	}
	return err
}

// inputs resolves everything the build graph starts from that does not
// depend on the target platform.
func (b *builder) inputs(ctx context.Context, t *spec.Target) (*sllb.Inputs, error) {
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
		ctxErr    error
		confirmed = true
		done      = make(chan struct{})
	)
	go func() {
		defer close(done)
		defer recovered(&ctxErr)
		if ctxSt, ctxErr = b.bc.MainContext(ctx); ctxErr == nil && confirm != nil {
			confirmed = confirm()
		}
	}()
	goVersion, goErr := b.f.GoVersion(mod)
	var tc *resolved
	if goErr == nil {
		tc, err = b.resolve(ctx, "toolchain", "golang", b.f.ToolchainRef(goVersion), bp)
	}
	<-done
	switch {
	case !confirmed:
		// The early read of go.mod was not what the build sees.
		b.early = nil
		return b.inputs(ctx, t)
	case ctxErr != nil:
		return nil, ctxErr
	case goErr != nil:
		return nil, b.errAt(goErr, t, "go")
	case err != nil:
		return nil, b.toolchainError(err, t, goVersion, mod)
	case tc == nil:
		return nil, b.errAt(errors.New("the toolchain has no Go: name an image that has one"), t, "toolchain")
	}
	in := &sllb.Inputs{Context: *ctxSt, Module: mod, CacheNS: b.bc.CacheIDNamespace, Epoch: b.epoch(), Locate: b.locate,
		// --no-cache, or --no-cache-filter naming the target.
		NoCache: b.bc.IsNoCache(t.Name)}
	if in.CacheNS != "" {
		in.CacheNS += "/"
	}
	if t.Build.Compress == "upx" {
		if in.UPX, err = b.upx(ctx, t, bp); err != nil {
			return nil, err
		}
	}
	in.Toolchain, in.GOROOT = tc.state, defaultGOROOT
	if tc.config != nil {
		in.GOROOT = gorootFromEnv(tc.config.Config.Env)
	}
	return in, nil
}

// toolchainError says which line chose the toolchain image that could not
// be resolved: toolchain:, go:, or go.mod's toolchain or go line. (%v, not
// %w: BuildKit would show the gRPC status in err alone.)
func (b *builder) toolchainError(err error, t *spec.Target, goVersion string, mod *spec.GoMod) error {
	switch {
	case b.f.Toolchain != "":
		return b.errAt(err, t, "toolchain")
	case b.f.Go != "":
		return b.errAt(fmt.Errorf("go: %s: no toolchain image for that version: %v", goVersion, err), t, "go")
	}
	line := "go line"
	if mod != nil && mod.Toolchain != "" && strings.HasPrefix(mod.Toolchain, goVersion) {
		line = "toolchain line"
	}
	return b.errAt(fmt.Errorf("go %s, from go.mod's %s: no toolchain image for that version (set go: in the Slimfile to build with another, or toolchain: to name the image): %v", goVersion, line, err), t, "slimfile")
}

// loadContext solves the given paths of the build context (after
// .dockerignore), for the frontend to read.
func (b *builder) loadContext(ctx context.Context, name string, paths ...string) (client.Reference, error) {
	st, err := b.bc.MainContext(ctx, llb.FollowPaths(paths), llb.SharedKeyHint(fileKeyHint(paths[0])), llb.WithCustomName(name))
	if err != nil {
		return nil, err
	}
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	res, err := b.c.Solve(ctx, client.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, err
	}
	return res.SingleRef()
}

// fileKeyHint is the shared key hint of a read of a few files of the build
// context. BuildKit keeps one copy of a local per shared key hint and
// brings it up to date at each read: reads of a few files under the main
// context's own hint would share its copy with the whole context's sync,
// and the two would undo each other's work (dockerui reads .dockerignore
// under a hint of its own for the same reason).
func fileKeyHint(path string) string {
	return contextLocal + "-" + path
}

// resolved is an image from a named context or a registry.
type resolved struct {
	state  llb.State // with the image config applied
	config *sllb.Image
	ref    string // the named context, or the reference pinned by digest
}

// resolve returns the named context contextName when the build was given
// one (--build-context golang=...), else image ref for platform p, pinned
// to the digest it resolves to now (nil for scratch); what names the
// image in progress.
func (b *builder) resolve(ctx context.Context, what, contextName, ref string, p ocispecs.Platform) (*resolved, error) {
	mode := b.bc.ImageResolveMode.String()
	nc, err := b.bc.NamedContext(contextName, dockerui.ContextOpt{Platform: &p, ResolveMode: mode})
	if err != nil {
		return nil, err
	}
	if nc != nil {
		st, img, err := nc.Load(ctx)
		if err != nil {
			return nil, err
		}
		return &resolved{state: *st, config: img, ref: contextName}, nil
	}
	if ref == "scratch" {
		return nil, nil
	}
	if ref, err = normalizeRef(ref); err != nil {
		return nil, err
	}
	return b.pin(ctx, what, ref, p, mode)
}

// pin resolves image ref (normalized) for platform p with resolve mode
// mode and returns it pinned to the digest it resolves to now, with its
// config applied.
func (b *builder) pin(ctx context.Context, what, ref string, p ocispecs.Platform, mode string) (*resolved, error) {
	named, dgst, cfg, err := b.c.ResolveImageConfig(ctx, ref, sourceresolver.Opt{
		LogName:  "resolve " + what + " " + ref,
		ImageOpt: &sourceresolver.ResolveImageOpt{Platform: &p, ResolveMode: mode},
	})
	if err != nil {
		return nil, errors.Wrapf(err, "%s image %s", what, ref)
	}
	var img sllb.Image
	if err := json.Unmarshal(cfg, &img); err != nil {
		return nil, err
	}
	// Pin by digest; a reference that was pinned already keeps its digest.
	n, err := reference.ParseNormalizedNamed(named)
	if err != nil {
		return nil, errors.Wrapf(err, "%s image %s", what, named)
	}
	pinned := reference.TrimNamed(n).String() + "@" + dgst.String()
	if dgst == "" {
		// Docker Engine's own BuildKit (the docker driver) answers from
		// the engine's image store with no digest: the image is then
		// used by the name it was resolved by.
		pinned = n.String()
	}
	st, err := llb.Image(pinned, llb.Platform(p), llb.WithCustomName(what+" "+pinned)).WithImageConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &resolved{state: st, config: &img, ref: pinned}, nil
}

// normalizeRef expands a short image reference (golang:1.26-alpine) to
// its full form (docker.io/library/golang:1.26-alpine).
func normalizeRef(ref string) (string, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", errors.Wrapf(err, "image reference %q", ref)
	}
	return reference.TagNameOnly(named).String(), nil
}

func gorootFromEnv(env []string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOROOT="); ok && v != "" {
			return v
		}
	}
	return defaultGOROOT
}

// epoch is SOURCE_DATE_EPOCH when given, else the Unix epoch, so that the
// same inputs give the same image either way.
func (b *builder) epoch() time.Time {
	if v, ok := b.bc.BuildArgs["SOURCE_DATE_EPOCH"]; ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	return time.Unix(0, 0).UTC()
}

// platforms is --platform, else the target's platforms, else the build platform.
func (b *builder) platforms(t *spec.Target) ([]ocispecs.Platform, error) {
	if len(b.bc.TargetPlatforms) > 0 {
		return b.bc.TargetPlatforms, nil
	}
	if len(t.Platforms) == 0 {
		return []ocispecs.Platform{platforms.Normalize(b.bc.BuildPlatforms[0])}, nil
	}
	var out []ocispecs.Platform
	vars := b.argValues(nil)
	for i, s := range t.Platforms {
		p, err := platforms.Parse(spec.Expand(s, vars))
		if err != nil {
			return nil, b.errAt(err, t, fmt.Sprintf("platforms[%d]", i))
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

// expanded is t with its ${...} values expanded for platform p.
func (b *builder) expanded(t *spec.Target, p ocispecs.Platform) (*spec.Target, error) {
	et, err := b.f.Expanded(t, b.argValues(&p))
	if err != nil {
		return nil, sourceError(err, b.src)
	}
	return et, nil
}

// compile returns the expanded target and the state holding its binary
// for platform p, and the go build step's output, which holds the derived
// seccomp profile too (before build.compress packs the binary).
func (b *builder) compile(in *sllb.Inputs, t *spec.Target, p ocispecs.Platform) (*spec.Target, llb.State, llb.State, error) {
	et, err := b.expanded(t, p)
	if err != nil {
		return nil, llb.State{}, llb.State{}, err
	}
	root := sllb.Download(in, b.f, et)
	built, err := sllb.Compile(in, b.f, et, p, root)
	if err != nil {
		return nil, llb.State{}, llb.State{}, b.errAt(err, t, "platforms")
	}
	return et, sllb.Compress(in, et, p, built), built, nil
}

func (b *builder) solve(ctx context.Context, st llb.State, p ocispecs.Platform) (client.Reference, error) {
	return b.solveEvaluating(ctx, st, p, false)
}

// solveEvaluating is solve; with evaluate, BuildKit builds st now rather
// than when the result is exported.
func (b *builder) solveEvaluating(ctx context.Context, st llb.State, p ocispecs.Platform, evaluate bool) (client.Reference, error) {
	def, err := st.Marshal(ctx, llb.Platform(p))
	if err != nil {
		return nil, err
	}
	res, err := b.c.Solve(ctx, client.SolveRequest{Definition: def.ToPB(), CacheImports: b.bc.CacheImports, Evaluate: evaluate})
	if err != nil {
		return nil, err
	}
	return res.SingleRef()
}

// solveAsync starts solveEvaluating and returns a function that waits for
// its reference.
func (b *builder) solveAsync(ctx context.Context, st llb.State, p ocispecs.Platform, evaluate bool) func() (client.Reference, error) {
	var ref client.Reference
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer recovered(&err)
		ref, err = b.solveEvaluating(ctx, st, p, evaluate)
	}()
	return func() (client.Reference, error) {
		<-done
		return ref, err
	}
}

// start resolves what building t needs: its inputs and its platforms.
func (b *builder) start(ctx context.Context, t *spec.Target) (*sllb.Inputs, []ocispecs.Platform, error) {
	in, err := b.inputs(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	ps, err := b.platforms(t)
	if err != nil {
		return nil, nil, err
	}
	return in, ps, nil
}

// startWithFrontend is start, with the frontend's own image, whose binary
// repacks zoneinfo.zip and derives seccomp profiles. The image does not
// depend on go.mod or the toolchain: it is resolved while they are read
// and resolved, as each is a round trip to BuildKit on every build, no-op
// ones included.
func (b *builder) startWithFrontend(ctx context.Context, t *spec.Target) (*sllb.Inputs, []ocispecs.Platform, error) {
	own := b.ownImageAsync(ctx)
	in, ps, err := b.start(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	if in.Frontend, err = own(); err != nil {
		return nil, nil, err
	}
	return in, ps, nil
}

// image builds t's image for every platform.
func (b *builder) image(ctx context.Context, t *spec.Target) (*client.Result, error) {
	in, ps, err := b.startWithFrontend(ctx, t)
	if err != nil {
		return nil, err
	}
	b.bc.TargetPlatforms = ps
	b.bc.MultiPlatformRequested = b.bc.MultiPlatformRequested || len(ps) > 1
	annotations := make([]map[string]string, len(ps))
	imgs := &builtImages{}
	rb, err := b.bc.Build(ctx, func(ctx context.Context, pp *ocispecs.Platform, idx int) (_ *dockerui.BuildResult, err error) {
		defer recovered(&err)
		p := *pp
		if err := b.checkConfinement(ctx, in, t, p); err != nil {
			return nil, err
		}
		et, bin, goOut, err := b.compile(in, t, p)
		if err != nil {
			return nil, err
		}
		annotations[idx] = et.Image.Annotations
		pin := *in
		base, err := b.resolve(ctx, "base", "base", et.Image.Base, p)
		if err != nil {
			return nil, b.errAt(err, t, "image.base")
		}
		if base != nil {
			pin.Base = &sllb.Base{State: base.state, Config: base.config, Ref: base.ref}
		}
		// The image's layers do not depend on its labels: while the
		// frontend waits for the derived profile (which waits for go
		// build), BuildKit also builds them.
		st, _ := sllb.Runtime(&pin, et, p, bin)
		solved := b.solveAsync(ctx, st, p, sllb.Derives(in, et))
		derived, err := b.derivedSeccomp(ctx, in, t, et, p, goOut)
		if err != nil {
			return nil, err
		}
		set, err := b.confinement(ctx, t, et, et.BinaryName(in.Module.Path), derived)
		if err != nil {
			return nil, err
		}
		pin.Labels = b.ociLabels(pin.Base, in.Epoch)
		maps.Copy(pin.Labels, set.Labels())
		img := sllb.ImageConfig(&pin, et, p)
		if img.Config.Labels == nil && len(b.bc.Labels) > 0 {
			img.Config.Labels = map[string]string{}
		}
		maps.Copy(img.Config.Labels, b.bc.Labels) // --label wins
		ref, err := solved()
		if err != nil {
			return nil, err
		}
		imgs.add(p, built{ref: ref, binary: et.BinaryName(in.Module.Path)})
		r := &dockerui.BuildResult{Reference: ref, Image: img, Epoch: &in.Epoch}
		if pin.Base != nil {
			r.BaseImage = pin.Base.Config
		}
		return r, nil
	})
	if err != nil {
		return nil, err
	}
	// --sbom (attest:sbom): an SPDX document per platform from the
	// binary's build information, instead of BuildKit's scanner image.
	if b.bc.SBOM != nil {
		if err := b.attachSBOMs(ctx, rb, imgs, in.Epoch); err != nil {
			return nil, err
		}
	}
	// The image exporter reads manifest annotations from the result.
	for i, p := range ps {
		for k, v := range annotations[i] {
			var pp *ocispecs.Platform
			if b.bc.MultiPlatformRequested {
				pp = &p
			}
			rb.AddMeta(exptypes.AnnotationManifestKey(pp, k), []byte(v))
		}
	}
	return rb.Finalize()
}

// binaries builds t's binaries for every platform into one directory per
// platform (linux_amd64/<binary>, linux_arm_v7/<binary>, ...).
func (b *builder) binaries(ctx context.Context, t *spec.Target) (*client.Result, error) {
	in, ps, err := b.start(ctx, t)
	if err != nil {
		return nil, err
	}
	out := llb.Scratch()
	for _, p := range ps {
		et, bin, _, err := b.compile(in, t, p)
		if err != nil {
			return nil, err
		}
		name := et.BinaryName(in.Module.Path)
		dir := platforms.FormatAll(p)
		out = out.File(llb.Copy(bin, "/"+name, path.Join("/", strings.ReplaceAll(dir, "/", "_"), name), &llb.CopyInfo{
			CreateDestPath: true, Mode: &llb.ChmodOpt{Mode: 0o755}, CreatedTime: &in.Epoch}),
			llb.WithCustomName(fmt.Sprintf("[%s] binary %s", sllb.PlatformString(p), name)))
	}
	ref, err := b.solve(ctx, out, b.bc.BuildPlatforms[0])
	if err != nil {
		return nil, err
	}
	res := client.NewResult()
	res.SetRef(ref)
	return res, nil
}
