package frontend

import (
	"context"
	"fmt"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
)

// ownImage is the frontend's own image on the build platform, pinned by
// digest, for build steps that run its binary (the zoneinfo.zip repack).
// BuildKit names it in the "source" option when it runs a frontend from
// an image (# syntax=, or --frontend gateway.v0 --opt source=...). Without
// it, nil: the image then gets the toolchain's zoneinfo.zip unchanged. When
// it is given but cannot be resolved, the build fails rather than quietly
// giving another image (and digest) than the same inputs gave before.
func (b *builder) ownImage(ctx context.Context) (*llb.State, error) {
	src := b.bc.BuildOpts().Opts["source"]
	if src == "" {
		return nil, nil
	}
	n, err := reference.ParseNormalizedNamed(src)
	if err != nil {
		return nil, fmt.Errorf("the frontend image %q: %w", src, err)
	}
	ref := reference.TagNameOnly(n).String()
	bp := b.bc.BuildPlatforms[0]
	named, dgst, _, err := b.c.ResolveImageConfig(ctx, ref, sourceresolver.Opt{
		LogName: "resolve frontend " + ref,
		// The image is on the builder: it runs this frontend.
		ImageOpt: &sourceresolver.ResolveImageOpt{Platform: &bp, ResolveMode: llb.ResolveModePreferLocal.String()},
	})
	if err != nil {
		return nil, fmt.Errorf("resolving the frontend image %s, whose binary repacks zoneinfo.zip: %w", ref, err)
	}
	if n, err = reference.ParseNormalizedNamed(named); err != nil {
		return nil, err
	}
	pinned := reference.TrimNamed(n).String() + "@" + dgst.String()
	st := llb.Image(pinned, llb.Platform(bp), llb.WithCustomName("frontend "+pinned))
	return &st, nil
}
