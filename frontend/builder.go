package frontend

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"

	"github.com/slimfile/slimfile/spec"
)

// builder holds what one build request shares across platforms.
type builder struct {
	c   client.Client
	bc  *dockerui.Client
	f   *spec.File
	src *dockerui.Source
	// early waits for go.mod and go.sum read at the context root while
	// the Slimfile was read (nil for subrequests).
	early func() *earlyRead
	// sawGoMod is set when the early read, which .dockerignore does not
	// filter, found go.mod.
	sawGoMod bool
	// code is the module's own code, when the dependency lists read it.
	code *ownCode
	// vulnDBs is the vulnerability database, resolved once.
	vulnDBs vulnDBOnce
	// goBuilds are the go build steps, each solved once.
	goBuilds goBuilds
}

// locate ties a build step to the Slimfile ranges rs.
func (b *builder) locate(rs ...spec.Range) llb.ConstraintsOpt {
	var pbs []*pb.Range
	for _, r := range rs {
		pbs = append(pbs, pbRange(r))
	}
	return b.src.SourceMap.Location(pbs)
}

// warn shows a build warning pointing at the Slimfile range r.
func (b *builder) warn(ctx context.Context, r spec.Range, msg string) {
	b.warnDetail(ctx, r, msg)
}

// warnDetail is warn with lines of detail, which buildx shows below it.
// A BuildKit without warnings (Docker Engine 20.10's, which the docker
// driver of buildx uses) refuses them: there, each is the name of a step
// of its own, which the progress shows.
func (b *builder) warnDetail(ctx context.Context, r spec.Range, msg string, detail ...string) {
	var dt [][]byte
	for _, d := range detail {
		dt = append(dt, []byte(d))
	}
	opts := client.WarnOpts{Level: 1, Range: []*pb.Range{pbRange(r)}, Detail: dt}
	if sm := b.src.SourceMap; sm != nil {
		opts.SourceInfo = &pb.SourceInfo{Data: sm.Data, Filename: sm.Filename, Language: sm.Language}
		if sm.Definition != nil {
			opts.SourceInfo.Definition = sm.Definition.ToPB()
		}
	}
	if err := b.c.Warn(ctx, "", msg, opts); err == nil {
		return
	}
	name := fmt.Sprintf("WARNING %s:%d: %s", b.src.Filename, r.Line, msg)
	if len(detail) > 0 {
		name += " (" + strings.Join(detail, "; ") + ")"
	}
	st := llb.Scratch().File(llb.Mkfile("/warning", 0o644, []byte(name)), llb.WithCustomName(name))
	// Evaluated: that BuildKit shows no step it was not asked to run.
	if _, err := b.solveEvaluating(ctx, st, b.bc.BuildPlatforms[0], true); err != nil {
		fmt.Fprintf(os.Stderr, "slimfile: %s\n", name)
	}
}

// at ties err to the Slimfile value at r: the build's error shows that
// line (see sourceError).
func at(err error, r spec.Range) error {
	if err == nil {
		return nil
	}
	return &spec.ValueError{Range: r, Err: err}
}
