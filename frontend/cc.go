package frontend

import (
	"context"
	"path"
	"strings"
	"sync"

	"github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/spec"
)

// defaultPath is the PATH of a toolchain whose config sets none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// cCompilers finds, before any step runs, the C compiler of every
// platform whose expanded target has build.cgo (sllb.FindCC), by looking
// at the toolchain's files: its PATH directories and musl's specs files.
// A platform without one fails at its cgo line. Without the frontend's
// own image none is looked for: sllb.Build refuses build.cgo then.
func (b *builder) cCompilers(ctx context.Context, opts *sllb.Options, ets []*spec.Target, ps []ocispecs.Platform) (map[string]*sllb.CCompiler, error) {
	if opts.Frontend == nil {
		return nil, nil
	}
	var files *toolchainFiles
	ccs := map[string]*sllb.CCompiler{}
	for i, p := range ps {
		et := ets[i]
		if !et.Build.CGO {
			continue
		}
		if files == nil {
			// Solved once, each directory listed once, for every platform.
			ref, err := b.solve(ctx, opts.Toolchain, b.bc.BuildPlatforms[0])
			if err != nil {
				return nil, err
			}
			files = &toolchainFiles{ctx: ctx, ref: ref, dirs: map[string]map[string]bool{}}
		}
		cc, err := sllb.FindCC(et, p, b.bc.BuildPlatforms[0], opts.ToolchainPath, files.exists)
		if err != nil {
			return nil, at(err, et.Where(&et.Build.CGO))
		}
		ccs[sllb.PlatformString(p)] = cc
	}
	return ccs, nil
}

// toolchainFiles tells which files the toolchain image has, listing each
// directory once (a round trip to BuildKit each).
type toolchainFiles struct {
	ctx  context.Context
	ref  client.Reference
	mu   sync.Mutex
	dirs map[string]map[string]bool
}

func (f *toolchainFiles) exists(name string) bool {
	dir, base := path.Split(path.Clean(name))
	f.mu.Lock()
	defer f.mu.Unlock()
	names, ok := f.dirs[dir]
	if !ok {
		names = map[string]bool{}
		// A directory that is not there has no files.
		if stats, err := f.ref.ReadDir(f.ctx, client.ReadDirRequest{Path: dir}); err == nil {
			for _, st := range stats {
				names[st.GetPath()] = true
			}
		}
		f.dirs[dir] = names
	}
	return names[base]
}

// pathOf is the PATH directories of an image config's environment.
func pathOf(env []string) []string {
	return strings.Split(envValue(env, "PATH", defaultPath), ":")
}
