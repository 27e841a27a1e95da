package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/gateway/client"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/patternmatcher"
	"github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	fstypes "github.com/tonistiigi/fsutil/types"
)

// fakeGateway is a gateway client.Client that a test scripts: the
// frontend options (what buildx sends), the files of each local (the
// Slimfile's directory, the build context), the image configs a resolve
// returns, and what a solve of a named step gives (files, or an error).
// It runs nothing: a solve is read, not built. What it cannot say (how
// BuildKit runs a step) stays in the integration suite; what it can (the
// frontend's requests, its answers, its errors and their lines) is tested
// in seconds.
type fakeGateway struct {
	opts   map[string]string
	locals map[string]map[string]string // local name → path → contents
	images map[string]ocispecs.Image    // reference as the frontend asks → config
	// steps: a solve whose last step's name contains the key gives these
	// files, or fails with err.
	steps map[string]fakeStep
	// onSolve, when set, is called with the name of each solve's last
	// step and the names of all its steps before it is answered: an error
	// fails the solve (a test may also panic there).
	onSolve func(last string, names []string) error
	// noFrontendImage: as a BuildKit that does not say which image runs
	// the frontend (CurrentFrontend gives nil).
	noFrontendImage bool

	mu       sync.Mutex
	solved   [][]string        // the names of every solve's steps, in order
	written  map[string]string // what the solves' file steps write (mkfile), by path
	warnings []string          // "line N: msg"
	resolved []string          // image references resolved
}

type fakeStep struct {
	files map[string]string
	err   error
}

func newFakeGateway(slimfile string, context map[string]string, opts map[string]string) *fakeGateway {
	o := map[string]string{"filename": "Slimfile"}
	for k, v := range opts {
		o[k] = v
	}
	return &fakeGateway{
		opts:   o,
		locals: map[string]map[string]string{"dockerfile": {"Slimfile": slimfile}, "context": context},
		images: map[string]ocispecs.Image{},
		steps:  map[string]fakeStep{},
	}
}

func (g *fakeGateway) BuildOpts() client.BuildOpts {
	return client.BuildOpts{
		Opts:      g.opts,
		SessionID: "fake-session",
		Workers:   []client.WorkerInfo{{ID: "fake", Platforms: []ocispecs.Platform{{OS: "linux", Architecture: "amd64"}}}},
		Product:   "fake",
		LLBCaps:   pb.Caps.CapSet(pb.Caps.All()),
		Caps:      gwpb.Caps.CapSet(gwpb.Caps.All()),
	}
}

func (g *fakeGateway) Solve(ctx context.Context, req client.SolveRequest) (*client.Result, error) {
	if req.Definition == nil {
		return client.NewResult(), nil
	}
	last, names, written, err := readDefinition(req.Definition)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.solved = append(g.solved, names)
	if g.written == nil {
		g.written = map[string]string{}
	}
	for p, c := range written {
		g.written[p] = c
	}
	on := g.onSolve
	g.mu.Unlock()
	if on != nil {
		if err := on(last.name, names); err != nil {
			return nil, err
		}
	}
	ref := &fakeRef{files: map[string]string{}}
	switch {
	case last.src != nil && strings.HasPrefix(last.src.Identifier, "local://"):
		name := strings.TrimPrefix(last.src.Identifier, "local://")
		files, ok := g.locals[name]
		if !ok {
			return nil, fmt.Errorf("no local %q in this session", name)
		}
		ref.files, err = selectLocal(files, last.src.Attrs)
		if err != nil {
			return nil, err
		}
	default:
		// The longest key the step's name holds ("go build the debug
		// tools" before "go build").
		best := ""
		for key := range g.steps {
			if strings.Contains(last.name, key) && len(key) > len(best) {
				best = key
			}
		}
		if step, ok := g.steps[best]; ok && best != "" {
			if step.err != nil {
				return nil, step.err
			}
			for p, c := range step.files {
				ref.files[cleanPath(p)] = c
			}
		}
	}
	res := client.NewResult()
	res.SetRef(ref)
	return res, nil
}

// wrote is what the solves so far wrote at path (mkfile).
func (g *fakeGateway) wrote(path string) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.written[path]
	return c, ok
}

// solvedNames are the names of the steps of every solve so far.
func (g *fakeGateway) solvedNames() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, ns := range g.solved {
		out = append(out, ns...)
	}
	return out
}

// selectLocal is what a local source with attrs transfers of files: its
// include patterns (prefixes, as the frontend writes them) and followed
// paths, everything without either; less its exclude patterns.
func selectLocal(files map[string]string, attrs map[string]string) (map[string]string, error) {
	if v := attrs[pb.AttrExcludePatterns]; v != "" {
		var ex []string
		if err := json.Unmarshal([]byte(v), &ex); err != nil {
			return nil, err
		}
		pm, err := patternmatcher.New(ex)
		if err != nil {
			return nil, err
		}
		kept := map[string]string{}
		for p, c := range files {
			if m, err := pm.MatchesOrParentMatches(p); err != nil || !m {
				kept[p] = c
			}
		}
		files = kept
	}
	var want []string
	for _, k := range []string{pb.AttrIncludePatterns, pb.AttrFollowPaths} {
		if v := attrs[k]; v != "" {
			var ps []string
			if json.Unmarshal([]byte(v), &ps) == nil {
				want = append(want, ps...)
			}
		}
	}
	if len(want) == 0 {
		return files, nil
	}
	out := map[string]string{}
	for p, c := range files {
		for _, w := range want {
			if ok, _ := path.Match(w, p); ok || p == w || strings.HasPrefix(p, strings.TrimSuffix(w, "/")+"/") {
				out[p] = c
			}
		}
	}
	return out, nil
}

// fakeOp is the step a definition ends in: its name and, for a source,
// the source.
type fakeOp struct {
	name string
	src  *pb.SourceOp
}

// readDefinition finds the step def ends in, the names of all its steps
// and what its file steps write (mkfile), by path.
func readDefinition(def *pb.Definition) (fakeOp, []string, map[string]string, error) {
	if len(def.Def) == 0 {
		return fakeOp{}, nil, nil, errors.New("an empty definition")
	}
	written := map[string]string{}
	ops := map[digest.Digest]*pb.Op{}
	var order []digest.Digest
	for _, dt := range def.Def {
		op := &pb.Op{}
		if err := op.UnmarshalVT(dt); err != nil {
			return fakeOp{}, nil, nil, err
		}
		if f := op.GetFile(); f != nil {
			for _, a := range f.Actions {
				if mk := a.GetMkfile(); mk != nil {
					written[mk.Path] = string(mk.Data)
				}
			}
		}
		d := digest.FromBytes(dt)
		ops[d] = op
		order = append(order, d)
	}
	nameOf := func(d digest.Digest) string {
		if m, ok := def.Metadata[string(d)]; ok && m != nil {
			return m.Description["llb.customname"]
		}
		return ""
	}
	var names []string
	for _, d := range order {
		if n := nameOf(d); n != "" {
			names = append(names, n)
		}
	}
	term := ops[order[len(order)-1]]
	if len(term.Inputs) == 0 {
		return fakeOp{}, names, nil, errors.New("a definition without a final step")
	}
	lastD := digest.Digest(term.Inputs[0].Digest)
	last := fakeOp{name: nameOf(lastD)}
	if op := ops[lastD]; op != nil {
		last.src = op.GetSource()
	}
	return last, names, written, nil
}

func (g *fakeGateway) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	g.mu.Lock()
	g.resolved = append(g.resolved, ref)
	g.mu.Unlock()
	img, ok := g.images[ref]
	if !ok {
		return "", "", nil, fmt.Errorf("%s: not found", ref)
	}
	dt, err := json.Marshal(img)
	if err != nil {
		return "", "", nil, err
	}
	return ref, digest.FromBytes(dt), dt, nil
}

func (g *fakeGateway) ResolveSourceMetadata(ctx context.Context, op *pb.SourceOp, opt sourceresolver.Opt) (*sourceresolver.MetaResponse, error) {
	ref := strings.TrimPrefix(op.Identifier, "docker-image://")
	if ref == op.Identifier {
		return &sourceresolver.MetaResponse{Op: op}, nil
	}
	_, dgst, cfg, err := g.ResolveImageConfig(ctx, ref, opt)
	if err != nil {
		return nil, err
	}
	return &sourceresolver.MetaResponse{Op: op, Image: &sourceresolver.ResolveImageResponse{Digest: dgst, Config: cfg}}, nil
}

func (g *fakeGateway) Inputs(ctx context.Context) (map[string]llb.State, error) {
	return map[string]llb.State{}, nil
}

func (g *fakeGateway) NewContainer(ctx context.Context, req client.NewContainerRequest) (client.Container, error) {
	return nil, errors.New("the fake gateway runs no containers")
}

func (g *fakeGateway) Warn(ctx context.Context, dgst digest.Digest, msg string, opts client.WarnOpts) error {
	line := 0
	if len(opts.Range) > 0 && opts.Range[0].Start != nil {
		line = int(opts.Range[0].Start.Line)
	}
	g.mu.Lock()
	g.warnings = append(g.warnings, fmt.Sprintf("line %d: %s", line, msg))
	g.mu.Unlock()
	return nil
}

// fakeRef is a solve's result: files by path.
type fakeRef struct {
	files map[string]string
}

func (r *fakeRef) ToState() (llb.State, error)        { return llb.Scratch(), nil }
func (r *fakeRef) Evaluate(ctx context.Context) error { return nil }

func cleanPath(p string) string { return strings.TrimPrefix(path.Clean("/"+p), "/") }

func (r *fakeRef) ReadFile(ctx context.Context, req client.ReadRequest) ([]byte, error) {
	c, ok := r.files[cleanPath(req.Filename)]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: req.Filename, Err: fs.ErrNotExist}
	}
	return []byte(c), nil
}

func (r *fakeRef) StatFile(ctx context.Context, req client.StatRequest) (*fstypes.Stat, error) {
	p := cleanPath(req.Path)
	if c, ok := r.files[p]; ok {
		return &fstypes.Stat{Path: path.Base(p), Mode: 0o644, Size: int64(len(c))}, nil
	}
	for f := range r.files {
		if strings.HasPrefix(f, p+"/") {
			return &fstypes.Stat{Path: path.Base(p), Mode: uint32(fs.ModeDir | 0o755)}, nil
		}
	}
	return nil, &fs.PathError{Op: "lstat", Path: req.Path, Err: fs.ErrNotExist}
}

func (r *fakeRef) ReadDir(ctx context.Context, req client.ReadDirRequest) ([]*fstypes.Stat, error) {
	dir := cleanPath(req.Path)
	seen := map[string]bool{}
	var out []*fstypes.Stat
	for f := range r.files {
		rel := f
		if dir != "" {
			var ok bool
			if rel, ok = strings.CutPrefix(f, dir+"/"); !ok {
				continue
			}
		}
		name, _, _ := strings.Cut(rel, "/")
		if seen[name] {
			continue
		}
		if req.IncludePattern != "" {
			if ok, _ := path.Match(req.IncludePattern, name); !ok {
				continue
			}
		}
		seen[name] = true
		st, _ := r.StatFile(ctx, client.StatRequest{Path: path.Join(dir, name)})
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// fakeFrontendRef is the frontend image a fake gateway says runs the
// frontend (CurrentFrontend), unless noFrontendImage.
const fakeFrontendRef = "docker.io/slimfile/slimfile@sha256:0000000000000000000000000000000000000000000000000000000000000001"

func (g *fakeGateway) CurrentFrontend() (*llb.State, error) {
	if g.noFrontendImage {
		return nil, nil
	}
	st := llb.Image(fakeFrontendRef)
	return &st, nil
}
