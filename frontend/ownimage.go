package frontend

import (
	"context"

	"github.com/moby/buildkit/client/llb"
)

// ownImage is the frontend's own image on the build platform, pinned by
// digest, for build steps that run its binary (the zoneinfo.zip repack).
// BuildKit hands a frontend it runs from an image (# syntax=, or
// --frontend gateway.v0 --opt source=...) the definition of that image,
// pinned, in a file: reading it costs no round trip. A BuildKit too old to
// do so still names the image in the "source" option, which is then
// resolved. Without either, nil: the image then gets the toolchain's
// zoneinfo.zip unchanged. When the image is named but cannot be resolved,
// the build fails rather than quietly giving another image (and digest)
// than the same inputs gave before.
func (b *builder) ownImage(ctx context.Context) (*llb.State, error) {
	if cf, ok := b.c.(currentFrontend); ok {
		st, err := cf.CurrentFrontend()
		if err != nil {
			return nil, wrapf(err, "reading the frontend image's definition")
		}
		if st != nil {
			return st, nil
		}
	}
	src := b.bc.BuildOpts().Opts["source"]
	if src == "" {
		return nil, nil
	}
	ref, err := normalizeRef(src)
	if err != nil {
		return nil, wrapf(err, "the frontend image")
	}
	// The image is on the builder: it runs this frontend.
	r, err := b.pin(ctx, "frontend", ref, b.bc.BuildPlatforms[0], llb.ResolveModePreferLocal.String())
	if err != nil {
		return nil, wrapf(err, "resolving the frontend image %s, whose binary repacks zoneinfo.zip", ref)
	}
	return &r.state, nil
}

// currentFrontend is implemented by the gateway client BuildKit's
// grpcclient gives a frontend running in a container.
type currentFrontend interface {
	CurrentFrontend() (*llb.State, error)
}

// ownImageAsync starts resolving the frontend's own image and returns a
// function that waits for it.
func (b *builder) ownImageAsync(ctx context.Context) func() (*llb.State, error) {
	var st *llb.State
	wait := spawn(func() (err error) {
		st, err = b.ownImage(ctx)
		return err
	})
	return func() (*llb.State, error) {
		err := wait()
		return st, err
	}
}
