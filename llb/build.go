package llb

import (
	"errors"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/slimfile/slimfile/security"
	"github.com/slimfile/slimfile/spec"
)

// Result is everything the result of one target for one platform needs.
type Result struct {
	// Target is the target, expanded for Platform.
	Target   *spec.Target
	Platform ocispecs.Platform
	// BinaryName is the file name of the first binary, the entrypoint.
	BinaryName string
	// Binaries are the target's binaries, in the order of main, each
	// built by a go build step of its own.
	Binaries []*Built
	// Derived says that each go build step's output holds the seccomp
	// profile derived from its binary (DerivedDir/DerivedFile).
	Derived bool
	// Facts says that each go build step's output holds FactsFile.
	Facts bool
	// Image is the runtime filesystem: base, runtime files, binaries.
	Image llb.State
	// Base is the runtime base image; nil for scratch.
	Base *Base
	// LeftOut says that each go build step's output holds LeftOutPath:
	// the packages whose C code build.cgo: false left out, a line each.
	LeftOut bool

	opts *Options
	// mods is the go mod download step, which the vulnerability check
	// runs on.
	mods downloaded
	// stages are the layers Image adds to its base.
	stages []stage
}

// Built is one binary of a result.
type Built struct {
	spec.Bin
	// GoBuild is its go build step's output: /<Name> and, as Result
	// says, the derived profile, the facts and the C code left out.
	GoBuild llb.State
	// Binary holds /<Name>, packed when build.compress asks for it.
	Binary llb.State
}

// Build returns what the result of target t (expanded for p with
// spec.File.Expanded) on platform p needs: the go mod download, go build
// and runtime steps, and what makes the image config and the profiles.
func Build(o *Options, t *spec.Target, p ocispecs.Platform) (*Result, error) {
	if err := checkCA(o, t); err != nil {
		return nil, err
	}
	bins, err := t.Binaries(o.Module.Path)
	if err != nil {
		return nil, err
	}
	if err := checkCommands(t, bins, o.Bases[PlatformString(p)]); err != nil {
		return nil, err
	}
	mods := download(o, t)
	deps, err := dependencies(o, t, p, mods)
	if err != nil {
		return nil, err
	}
	r := &Result{Target: t, Platform: p, BinaryName: bins[0].Name,
		Derived: derives(o, t), Facts: o.Frontend != nil, LeftOut: goBuildReports(o, t),
		Base: o.Bases[PlatformString(p)], opts: o, mods: mods}
	for i, b := range bins {
		goOut, err := compile(o, t, p, mods, deps, b, i == 0)
		if err != nil {
			return nil, err
		}
		r.Binaries = append(r.Binaries, &Built{Bin: b, GoBuild: goOut, Binary: compress(o, t, p, goOut, b.Name)})
	}
	if r.stages, err = imageStages(o, t, p, r.Binaries); err != nil {
		return nil, err
	}
	r.Image = runtime(o, r.Base, r.stages)
	return r, nil
}

// Layer is a layer the frontend adds to the base: what it holds, and the
// state of its files alone, which it is copied from.
type Layer struct {
	What  string
	Files llb.State
}

// Epoch is the time of every file of r's image.
func (r *Result) Epoch() time.Time { return r.opts.Epoch }

// Layers are the layers r.Image adds to its base, in order.
func (r *Result) Layers() []Layer {
	var out []Layer
	for _, s := range r.stages {
		out = append(out, Layer{What: s.name, Files: s.state})
	}
	return out
}

// Confinement makes the target's seccomp and AppArmor profiles; derived is
// the profile derived from the binary (read from GoBuild when Derived),
// nil for the go profile. Profile files come from Options.ProfileFiles. An
// error points at the security value that caused it.
func (r *Result) Confinement(derived []byte) (*security.Set, error) {
	t := r.Target
	uid, gid := userIDs(t.Image.User)
	set, err := security.NewSet(security.Options{
		Seccomp: t.Security.Seccomp, AppArmor: t.Security.Apparmor, Files: r.opts.ProfileFiles, Derived: derived,
		Binary: r.BinaryName, Exe: path.Join(BinDir, r.BinaryName), UID: uid, GID: gid,
		Extra: ProbeSyscalls(t, r.Platform.Architecture), Programs: r.programs(),
	})
	var se *security.Error
	if errors.As(err, &se) {
		at := t.Where(&t.Security.Seccomp)
		if se.Key == "security.apparmor" {
			at = t.Where(&t.Security.Apparmor)
		}
		return nil, &spec.ValueError{Range: at, Err: err}
	}
	return set, err
}

// programs are the programs of the image other than the entrypoint's
// binary, which its AppArmor profile lets run: the other binaries and the
// health check's.
func (r *Result) programs() []string {
	var out []string
	for _, b := range r.Binaries[1:] {
		out = append(out, path.Join(BinDir, b.Name))
	}
	for _, p := range healthPrograms(r.Target, path.Join(BinDir, r.BinaryName)) {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// Config is the image config. Its labels are merged in this order, each
// overriding the ones before:
//
//  1. the base image's;
//  2. Options.Labels (org.opencontainers.image.* from the build request);
//  3. the base image's name and digest (org.opencontainers.image.base.*);
//  4. the confinement's (set: the seccomp and AppArmor profiles);
//  5. the Slimfile's image.labels;
//  6. Options.BuildLabels (--label).
func (r *Result) Config(set *security.Set) *Image {
	img := imageConfig(r.opts, r.Base, r.Target, r.Platform, r.Binaries)
	labels := img.Config.Labels // the base's, cloned
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, r.opts.Labels)
	if r.Base != nil {
		if name, dgst, ok := strings.Cut(r.Base.Ref, "@"); ok {
			labels[ocispecs.AnnotationBaseImageName] = name
			labels[ocispecs.AnnotationBaseImageDigest] = dgst
		}
	}
	if set != nil {
		maps.Copy(labels, set.Labels())
	}
	maps.Copy(labels, r.Target.Image.Labels)
	maps.Copy(labels, r.opts.BuildLabels)
	if len(labels) > 0 {
		img.Config.Labels = labels
	}
	return img
}

// Annotations are the manifest annotations of the image: the Slimfile's
// image.annotations (--annotation is BuildKit's, applied over them).
func (r *Result) Annotations() map[string]string {
	return r.Target.Image.Annotations
}
