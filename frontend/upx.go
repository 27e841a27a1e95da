package frontend

import (
	"context"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/slimfile/slimfile/spec"
)

// upx returns the named build context upx (a directory or image holding
// an upx binary for the build platform), or nil when none was given and
// the toolchain's own upx is to be used. Either way it warns, at the
// build.compress line, what packing costs.
func (b *builder) upx(ctx context.Context, t *spec.Target, bp ocispecs.Platform) (*llb.State, error) {
	b.warn(ctx, t.Where(&t.Build.Compress), "build.compress: upx: packed binaries unpack themselves at every start (slower, more memory) and some security scanners flag them")
	nc, err := b.bc.NamedContext("upx", dockerui.ContextOpt{Platform: &bp, ResolveMode: b.bc.ImageResolveMode.String()})
	if err != nil || nc == nil {
		return nil, err
	}
	st, _, err := nc.Load(ctx)
	if err != nil {
		return nil, at(err, t.Where(&t.Build.Compress))
	}
	return st, nil
}
