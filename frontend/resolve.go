package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pkg/errors"

	sllb "github.com/slimfile/slimfile/llb"
)

// defaultGOROOT is where official golang images keep Go.
const defaultGOROOT = "/usr/local/go"

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
	return envValue(env, "GOROOT", defaultGOROOT)
}

// envValue is the first non-empty value of k in an image config's
// environment, else def.
func envValue(env []string, k, def string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, k+"="); ok && v != "" {
			return v
		}
	}
	return def
}

// loadContext solves the given paths of the build context (after
// .dockerignore), for the frontend to read.
func (b *builder) loadContext(ctx context.Context, name string, paths ...string) (client.Reference, error) {
	return b.solveContext(ctx, name, fileKeyHint(paths[0]), llb.FollowPaths(paths))
}

// solveContext solves the part of the build context (after .dockerignore)
// that sel selects, under the shared key hint key, for the frontend to
// read.
func (b *builder) solveContext(ctx context.Context, name, key string, sel llb.LocalOption) (client.Reference, error) {
	st, err := b.bc.MainContext(ctx, sel, llb.SharedKeyHint(key), llb.WithCustomName(name))
	if err != nil {
		return nil, err
	}
	def, err := marshal(ctx, *st)
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

// readContextFile reads one file of the build context (after
// .dockerignore).
func (b *builder) readContextFile(ctx context.Context, name string) ([]byte, error) {
	name = path.Clean(name)
	ref, err := b.loadContext(ctx, "load "+name, name)
	if err != nil {
		return nil, err
	}
	dt, err := dockerui.ReadFile(ctx, ref, name)
	if err != nil {
		return nil, fmt.Errorf("no file %s in the build context (or it is excluded by .dockerignore)", name)
	}
	return dt, nil
}
