package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/profiles/seccomp"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/security"
	"github.com/slimfile/slimfile/spec"
)

// debug builds t's debug variant for every platform (llb/debug.go): the
// image as llb.DebugTarget builds it, with the tools' layer, a seccomp
// profile that lets them run, and, with debug.delve, delve as its
// entrypoint. It checks no vulnerabilities and attaches no SBOM: it is
// not for release, and the build says so.
func (b *builder) debug(ctx context.Context, t *spec.Target) (*client.Result, error) {
	pl, err := b.startAs(ctx, t, sllb.DebugTarget)
	if err != nil {
		return nil, err
	}
	b.imagesFor(pl)
	msg := "the debug variant is for debugging only: it has a shell and utilities in " + sllb.DebugBinDir + " and a seccomp profile that lets them run, and no AppArmor profile"
	if t.Debug.Delve {
		msg += "; delve runs the binary, unoptimized and unstripped, and waits on port " + sllb.DlvPort + " for a client, which it lets run any code in the container"
	}
	b.warn(ctx, t.Where(&t.Debug), msg+": release the image of the target itself")
	rb, err := b.bc.Build(ctx, func(ctx context.Context, _ *ocispecs.Platform, idx int) (_ *dockerui.BuildResult, err error) {
		defer recovered(&err)
		r := pl.results[idx]
		image, tools, err := r.Debug()
		if err != nil {
			return nil, err
		}
		solved := b.solveAsync(ctx, image, r.Platform, r.Derived)
		calls, err := b.debugToolCalls(ctx, r, tools)
		if err != nil {
			return nil, err
		}
		derived, _, err := b.derivedSeccomp(ctx, r)
		if err != nil {
			return nil, err
		}
		set, err := r.DebugConfinement(derived, calls)
		if err != nil {
			return nil, err
		}
		ref, err := solved()
		if err != nil {
			return nil, b.filesError(ctx, err, t)
		}
		br := &dockerui.BuildResult{Reference: ref, Image: r.DebugConfig(r.Config(set)), Epoch: &pl.opts.Epoch}
		if r.Base != nil {
			br.BaseImage = r.Base.Config
		}
		return br, nil
	})
	if err != nil {
		return nil, err
	}
	for k, v := range manifestAnnotations(pl.results, b.bc.MultiPlatformRequested) {
		rb.AddMeta(k, v)
	}
	return rb.Finalize()
}

// debugToolCalls are the system calls r's debug tools can make, as their
// step derived them for r's architecture.
func (b *builder) debugToolCalls(ctx context.Context, r *sllb.Result, tools llb.State) ([]string, error) {
	ref, err := b.solve(ctx, tools, b.bc.BuildPlatforms[0])
	if err != nil {
		return nil, err
	}
	names := []string{"slimfile-debug"}
	if r.Target.Debug.Delve {
		names = append(names, "dlv")
	}
	var calls []string
	for _, n := range names {
		file := path.Join(sllb.DebugDerivedDir, n+".json")
		dt, err := ref.ReadFile(ctx, client.ReadRequest{Filename: file})
		if err != nil {
			return nil, err
		}
		var d security.Derived
		var p seccomp.Seccomp
		if err := json.Unmarshal(dt, &d); err != nil || d.Derivation == nil || json.Unmarshal(d.Profile, &p) != nil {
			return nil, fmt.Errorf("the debug tools' profile %s cannot be read: %v", file, err)
		}
		// What the tool's profile allows, and the calls it refuses that
		// the tool's own code makes (delve's ptrace), not those that
		// syscall's child setup reaches for options it leaves unset.
		calls = append(calls, security.AllowedNames(&p, r.Platform.Architecture)...)
		for _, c := range d.Derivation.Refused {
			if c.Unexpected() {
				calls = append(calls, c.Call)
			}
		}
		if n == "dlv" && d.Derivation.Fallback != "" {
			b.warn(ctx, r.Target.Where(&r.Target.Debug.Delve), fmt.Sprintf("[%s] debug.delve: %s, so the debug image's seccomp profile may refuse what delve calls (ptrace): if it fails to start the binary, run the image with --security-opt seccomp=unconfined",
				sllb.PlatformString(r.Platform), d.Derivation.Fallback))
		}
	}
	slices.Sort(calls)
	return slices.Compact(calls), nil
}
