package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"github.com/slimfile/slimfile/binfacts"
	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/security"
	"github.com/slimfile/slimfile/spec"
)

// image builds t's image for every platform.
func (b *builder) image(ctx context.Context, t *spec.Target) (*client.Result, error) {
	pl, err := b.start(ctx, t)
	if err != nil {
		return nil, err
	}
	b.imagesFor(pl)
	warned := b.warnLeftOut(ctx, pl.results)
	vulns := b.startVulnChecks(ctx, pl, false)
	imgs := &builtImages{}
	rb, err := b.bc.Build(ctx, func(ctx context.Context, pp *ocispecs.Platform, idx int) (_ *dockerui.BuildResult, err error) {
		defer recovered(&err)
		r := pl.results[idx]
		// The image's layers do not depend on its labels: while the
		// frontend waits for the derived profile (which waits for go
		// build), BuildKit also builds them.
		solved := b.solveAsync(ctx, r.Image, r.Platform, r.Derived)
		sized := b.showSizes(ctx, r)
		set, err := b.confinement(ctx, r)
		if err != nil {
			return nil, err
		}
		sized()
		img := r.Config(set)
		ref, err := solved()
		if err != nil {
			return nil, b.filesError(ctx, err, t)
		}
		var names []string
		for _, bin := range r.Binaries {
			names = append(names, bin.Name)
		}
		imgs.add(r.Platform, built{ref: ref, binaries: names})
		br := &dockerui.BuildResult{Reference: ref, Image: img, Epoch: &pl.opts.Epoch}
		if r.Base != nil {
			br.BaseImage = r.Base.Config
		}
		return br, nil
	})
	if err != nil {
		return nil, err
	}
	warned()
	if err := b.gateVulns(ctx, vulns, gateBuild); err != nil {
		return nil, err
	}
	// --sbom (attest:sbom): an SPDX document per platform from the
	// binary's build information, instead of BuildKit's scanner image.
	if b.bc.SBOM != nil {
		if err := b.attachSBOMs(ctx, rb, imgs, pl.opts.Epoch); err != nil {
			return nil, err
		}
	}
	if b.vexRequested() {
		if err := b.attachVEX(ctx, rb, vulns); err != nil {
			return nil, err
		}
	}
	for k, v := range manifestAnnotations(pl.results, b.bc.MultiPlatformRequested) {
		rb.AddMeta(k, v)
	}
	return rb.Finalize()
}

// imagesFor makes dockerui build one image per result of pl, in that
// order (its TargetPlatforms).
func (b *builder) imagesFor(pl *plan) {
	b.bc.TargetPlatforms = nil
	for _, r := range pl.results {
		b.bc.TargetPlatforms = append(b.bc.TargetPlatforms, r.Platform)
	}
	b.bc.MultiPlatformRequested = b.bc.MultiPlatformRequested || len(pl.results) > 1
}

// manifestAnnotations are the result metadata from which the image
// exporter takes each platform's image.annotations: keyed by platform
// when several are built (or asked for), else for the one manifest.
// --annotation is the exporter's own and applies over them.
func manifestAnnotations(results []*sllb.Result, multi bool) map[string][]byte {
	out := map[string][]byte{}
	for _, r := range results {
		var pp *ocispecs.Platform
		if multi {
			pp = &r.Platform
		}
		for k, v := range r.Annotations() {
			out[exptypes.AnnotationManifestKey(pp, k)] = []byte(v)
		}
	}
	return out
}

// binaries builds t's binaries for every platform into one directory per
// platform (linux_amd64/<binary>, linux_arm_v7/<binary>, ...), all of
// them when main lists several.
// Its go build steps are the image's (the frontend's image derives the
// profile and runs the dependency layers), so the two share their cache.
func (b *builder) binaries(ctx context.Context, t *spec.Target) (*client.Result, error) {
	pl, err := b.start(ctx, t)
	if err != nil {
		return nil, err
	}
	defer b.warnLeftOut(ctx, pl.results)()
	vulns := b.startVulnChecks(ctx, pl, false)
	out := llb.Scratch()
	for _, r := range pl.results {
		for _, bin := range r.Binaries {
			out = out.File(llb.Copy(bin.Binary, "/"+bin.Name, path.Join("/", platformDir(r.Platform), bin.Name), &llb.CopyInfo{
				CreateDestPath: true, Mode: &llb.ChmodOpt{Mode: 0o755}, CreatedTime: &pl.opts.Epoch}),
				llb.WithCustomName(fmt.Sprintf("[%s] binary %s", sllb.PlatformString(r.Platform), bin.Name)))
		}
	}
	res, err := b.solveResult(ctx, out)
	if err != nil {
		return nil, err
	}
	return res, b.gateVulns(ctx, vulns, gateBuild)
}

// vulns builds t's vulns output: for each platform, in a directory of its
// own as in the binaries output, the OpenVEX document of the binary's
// vulnerability check (vex.json) and a summary (vulns.txt). The check
// runs whatever security.vulns says, and its findings only warn.
func (b *builder) vulns(ctx context.Context, t *spec.Target) (*client.Result, error) {
	pl, err := b.start(ctx, t)
	if err != nil {
		return nil, err
	}
	vc := b.startVulnChecks(ctx, pl, true)
	if err := b.gateVulns(ctx, vc, gateExport); err != nil {
		return nil, err
	}
	var fa *llb.FileAction
	for i, r := range pl.results {
		files, err := b.vulnFiles(vc, i)
		if err != nil {
			return nil, err
		}
		dir := "/" + platformDir(r.Platform)
		fa = mkdir(fa, dir, pl.opts.Epoch)
		for _, name := range slices.Sorted(maps.Keys(files)) {
			fa = fa.Mkfile(path.Join(dir, name), 0o644, files[name], llb.WithCreatedTime(pl.opts.Epoch))
		}
	}
	return b.solveResult(ctx, llb.Scratch().File(fa, llb.WithCustomName("vulnerability check: vex.json and vulns.txt per platform")))
}

// mkdir adds dir to fa (nil: a new action).
func mkdir(fa *llb.FileAction, dir string, epoch time.Time) *llb.FileAction {
	if fa == nil {
		return llb.Mkdir(dir, 0o755, llb.WithCreatedTime(epoch))
	}
	return fa.Mkdir(dir, 0o755, llb.WithCreatedTime(epoch))
}

// profiles builds t's profiles output: the seccomp and AppArmor profiles
// and a Kubernetes securityContext, for --output type=local. The default
// seccomp profile is derived from each platform's binary, so with several
// platforms each gets a directory of its own (linux_amd64/, ...), as the
// binaries output does; with one, the files are at the top.
func (b *builder) profiles(ctx context.Context, t *spec.Target) (*client.Result, error) {
	pl, err := b.start(ctx, t)
	if err != nil {
		return nil, err
	}
	sets := make([]*security.Set, len(pl.results))
	dirs := make([]string, len(pl.results))
	eg, ectx := errgroup.WithContext(ctx)
	for i, r := range pl.results {
		if len(pl.results) > 1 {
			dirs[i] = platformDir(r.Platform)
		}
		eg.Go(func() (err error) {
			defer recovered(&err)
			sets[i], err = b.confinement(ectx, r)
			return err
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	return b.solveResult(ctx, sllb.Profiles(sets, dirs, pl.opts.Epoch))
}

// confinement is r's profiles, with the seccomp profile derived from its
// binary when it is (which waits for go build).
func (b *builder) confinement(ctx context.Context, r *sllb.Result) (*security.Set, error) {
	set, _, err := b.confinementWith(ctx, r)
	return set, err
}

// confinementWith is confinement, and what the derivation found (nil when
// the profile is not derived).
func (b *builder) confinementWith(ctx context.Context, r *sllb.Result) (*security.Set, *security.Derivation, error) {
	derived, d, err := b.derivedSeccomp(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	set, err := r.Confinement(derived)
	return set, d, err
}

// platformDir is the directory of platform p in a local output:
// linux_arm_v7.
func platformDir(p ocispecs.Platform) string {
	return strings.ReplaceAll(platforms.FormatAll(p), "/", "_")
}

// showSizes starts showing, as a step of the progress named by it, the
// line that says how big r's image and binary are and what the binary's
// largest modules are (binfacts.Facts.Line), and returns a function that
// waits for it. The facts come from go build's output, so that a build
// that does not ask for the report pays one file read for them; a build
// without them shows nothing.
func (b *builder) showSizes(ctx context.Context, r *sllb.Result) func() {
	if !r.Facts {
		return func() {}
	}
	wait := spawn(func() error {
		var paths []string
		var facts []*binfacts.Facts
		for _, bin := range r.Binaries {
			ref, err := b.goBuild(ctx, bin)
			if err != nil {
				return err
			}
			dt, err := ref.ReadFile(ctx, client.ReadRequest{Filename: sllb.FactsFile})
			f := &binfacts.Facts{}
			if err != nil || json.Unmarshal(dt, f) != nil {
				return err
			}
			paths, facts = append(paths, path.Join(sllb.BinDir, bin.Name)), append(facts, f)
		}
		t := r.Target
		return b.showLine(ctx, "["+sllb.PlatformString(r.Platform)+"] "+binfacts.Line(paths, facts, t.Image.Certs, t.Image.Tzdata))
	})
	return func() { wait() } // a line that cannot be shown goes unshown
}

// showLine shows line in the build's progress, as the name of a step
// that does nothing and is cached once run.
func (b *builder) showLine(ctx context.Context, line string) error {
	st := llb.Scratch().File(llb.Mkfile("/line", 0o644, []byte(line)), llb.WithCustomName(line))
	_, err := b.solveEvaluating(ctx, st, b.bc.BuildPlatforms[0], true)
	return err
}
