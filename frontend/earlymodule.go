package frontend

import (
	"context"
	"encoding/json"
	"maps"
	"sync"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/patternmatcher"
)

// contextLocal is the local (client directory) BuildKit knows the build
// context by, as dockerui names it.
const contextLocal = dockerui.DefaultLocalNameContext

// earlyRead is go.mod and go.sum at the root of the build context, read
// while the Slimfile was: most Slimfiles keep their module there, and
// reading the Slimfile, then .dockerignore, then go.mod, one after the
// other, costs a round trip to BuildKit each on every build, no-op ones
// included. The read is a guess at what the main context will be; it is
// used only once confirmEarly has checked the guess against the main
// context dockerui builds.
type earlyRead struct {
	files moduleFiles
	attrs map[string]string // of the local source that was read
}

// startEarlyRead starts reading go.mod and go.sum at the root of the
// local build context, without .dockerignore (not read yet), and returns
// a function that waits for the read (and may be called again): nil when
// it failed, which is never an error of the build (the module may be
// elsewhere, the context not a local directory).
func startEarlyRead(ctx context.Context, c client.Client) func() *earlyRead {
	var r *earlyRead
	// A read that failed or panicked leaves nil: the build reads again.
	wait := spawn(func() error {
		r = readEarly(ctx, c)
		return nil
	})
	return sync.OnceValue(func() *earlyRead {
		if wait() != nil {
			return nil
		}
		return r
	})
}

func readEarly(ctx context.Context, c client.Client) *earlyRead {
	opts := c.BuildOpts()
	key := contextLocal
	if v, ok := opts.Opts["contextkey"]; ok {
		key = v
	}
	if opts.Opts[key] != "" {
		// A git or HTTP context: there is no local to read (and a
		// failed step in the progress would only confuse).
		return nil
	}
	sid := opts.SessionID
	if v, ok := opts.Opts["local-sessionid:"+contextLocal]; ok {
		sid = v
	}
	st := llb.Local(contextLocal, llb.SessionID(sid), llb.SharedKeyHint(fileKeyHint(modPaths(".")[0])),
		llb.FollowPaths(modPaths(".")), llb.WithCustomName("load go.mod"))
	def, err := marshal(ctx, st)
	if err != nil {
		return nil
	}
	src, ok := localSource(def)
	if !ok {
		return nil
	}
	res, err := c.Solve(ctx, client.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil
	}
	return &earlyRead{files: readModuleFiles(ctx, ref, "."), attrs: src.Attrs}
}

// confirmEarly tells whether e read what reading go.mod and go.sum from
// the main context would have. It reads .dockerignore (once per build)
// unless the Slimfile read found a Slimfile.dockerignore.
func confirmEarly(ctx context.Context, bc *dockerui.Client, e *earlyRead) bool {
	if e == nil {
		return false
	}
	st, err := bc.MainContext(ctx, llb.FollowPaths(modPaths(".")))
	if err != nil {
		return false
	}
	def, err := marshal(ctx, *st)
	if err != nil {
		return false
	}
	return sameRead(e.attrs, def)
}

// sameRead tells whether def, the main context narrowed to go.mod and
// go.sum, gives the files that the local source with attrs gave: it is
// the same local source but for its exclude patterns, and they exclude
// neither file. The shared key hints, which say where BuildKit keeps its
// copy of the files, do not count.
func sameRead(attrs map[string]string, def *llb.Definition) bool {
	src, ok := localSource(def)
	if !ok {
		return false // a git or HTTP context, or frontend inputs
	}
	attrs = maps.Clone(attrs)
	delete(attrs, pb.AttrSharedKeyHint)
	want := maps.Clone(src.Attrs)
	delete(want, pb.AttrSharedKeyHint)
	var excludes []string
	if v, ok := want[pb.AttrExcludePatterns]; ok {
		if err := json.Unmarshal([]byte(v), &excludes); err != nil {
			return false
		}
		delete(want, pb.AttrExcludePatterns)
	}
	if !maps.Equal(want, attrs) {
		return false
	}
	if len(excludes) == 0 {
		return true
	}
	// The matcher BuildKit's file sync applies to exclude patterns.
	pm, err := patternmatcher.New(excludes)
	if err != nil {
		return false
	}
	for _, p := range modPaths(".") {
		if excluded, err := pm.MatchesOrParentMatches(p); err != nil || excluded {
			return false
		}
	}
	return true
}

// localSource is the source op of a definition that is one local source
// and nothing else.
func localSource(def *llb.Definition) (*pb.SourceOp, bool) {
	var src *pb.SourceOp
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			return nil, false
		}
		switch {
		case op.GetSource() != nil:
			if src != nil {
				return nil, false
			}
			src = op.GetSource()
		case op.Op != nil:
			return nil, false
		}
	}
	if src == nil || src.Identifier != "local://"+contextLocal {
		return nil, false
	}
	return src, true
}
