package frontend

import (
	"context"
	"sync"

	"github.com/moby/buildkit/frontend/gateway/client"

	sllb "github.com/slimfile/slimfile/llb"
)

// goBuilds solves each go build step once per build, for every reader of
// its output (the derived profile, the sizes, the left-out report) and
// for the vulnerability check that waits for it. Solved again and again
// at once, the same vertex made BuildKit (v0.34) fail one of the solves
// with "releasing already released reference" under load: the
// vulnerability check of one platform in three CI-like runs.
type goBuilds struct {
	mu   sync.Mutex
	refs map[*sllb.Built]*goBuildRef
}

type goBuildRef struct {
	once sync.Once
	ref  client.Reference
	err  error
}

// goBuild is bin's go build step, solved (and run) once on the build
// platform.
func (b *builder) goBuild(ctx context.Context, bin *sllb.Built) (client.Reference, error) {
	b.goBuilds.mu.Lock()
	if b.goBuilds.refs == nil {
		b.goBuilds.refs = map[*sllb.Built]*goBuildRef{}
	}
	g := b.goBuilds.refs[bin]
	if g == nil {
		g = &goBuildRef{}
		b.goBuilds.refs[bin] = g
	}
	b.goBuilds.mu.Unlock()
	g.once.Do(func() {
		defer recovered(&g.err)
		// Evaluated: a gateway solve is lazy, and the check must find
		// the sources that the step keeps (on an empty builder it did
		// not, and ran on the build context).
		g.ref, g.err = b.solveEvaluating(ctx, bin.GoBuild, b.bc.BuildPlatforms[0], true)
	})
	return g.ref, g.err
}
