package frontend

import (
	"context"
	"path"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"

	sllb "github.com/slimfile/slimfile/llb"
)

// zoneinfo reads the toolchain's zoneinfo.zip and repacks it with
// sllb.RepackZoneinfo (the same zones, a sixth fewer compressed bytes).
// The build needs the toolchain image anyway; reading it here only moves
// its pull before the build starts. When the file cannot be read or
// repacked, it returns nil and the image gets the toolchain's file as it is.
func (b *builder) zoneinfo(ctx context.Context, in *sllb.Inputs) ([]byte, error) {
	def, err := in.Toolchain.Marshal(ctx, llb.Platform(b.bc.BuildPlatforms[0]))
	if err != nil {
		return nil, err
	}
	res, err := b.c.Solve(ctx, client.SolveRequest{Definition: def.ToPB(), CacheImports: b.bc.CacheImports})
	if err != nil {
		return nil, err
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, err
	}
	dt, err := ref.ReadFile(ctx, client.ReadRequest{Filename: path.Join(in.GOROOT, "lib/time/zoneinfo.zip")})
	if err != nil {
		return nil, nil
	}
	packed, err := sllb.RepackZoneinfo(dt)
	if err != nil {
		return nil, nil
	}
	return packed, nil
}
