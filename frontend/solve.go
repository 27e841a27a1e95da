package frontend

import (
	"context"
	"sync"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// marshalMu makes one marshal at a time. BuildKit's llb is not safe to
// marshal from several goroutines when their graphs share a step: an
// exec step sorts its mounts in place the first time it is marshaled
// (ExecOp.Inputs, buildkit v0.34), and the frontend marshals the go build
// step from the image, the derived profile, the sizes line, the left-out
// report and the check at once. The race detector found it, under the
// fake gateway's speed; a marshal takes milliseconds.
var marshalMu sync.Mutex

// marshal is st.Marshal, one at a time (marshalMu): every marshal of the
// frontend goes through it (TestGoroutinesRecover checks).
func marshal(ctx context.Context, st llb.State, co ...llb.ConstraintsOpt) (*llb.Definition, error) {
	marshalMu.Lock()
	defer marshalMu.Unlock()
	return st.Marshal(ctx, co...)
}

func (b *builder) solve(ctx context.Context, st llb.State, p ocispecs.Platform) (client.Reference, error) {
	return b.solveEvaluating(ctx, st, p, false)
}

// solveResult solves st on the build platform into a result of one ref.
func (b *builder) solveResult(ctx context.Context, st llb.State) (*client.Result, error) {
	ref, err := b.solve(ctx, st, b.bc.BuildPlatforms[0])
	if err != nil {
		return nil, err
	}
	res := client.NewResult()
	res.SetRef(ref)
	return res, nil
}

// solveEvaluating is solve; with evaluate, BuildKit builds st now rather
// than when the result is exported.
func (b *builder) solveEvaluating(ctx context.Context, st llb.State, p ocispecs.Platform, evaluate bool) (client.Reference, error) {
	def, err := marshal(ctx, st, llb.Platform(p))
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
	wait := spawn(func() (err error) {
		ref, err = b.solveEvaluating(ctx, st, p, evaluate)
		return err
	})
	return func() (client.Reference, error) {
		err := wait()
		return ref, err
	}
}
