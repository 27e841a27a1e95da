package frontend

import (
	"context"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

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
	def, err := st.Marshal(ctx, llb.Platform(p))
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
