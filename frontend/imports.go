package frontend

import (
	"bytes"
	"context"
	"fmt"
	"go/build"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/security"
	"github.com/slimfile/slimfile/spec"
)

// The dependency list of a platform's dependency layer (llb/layers.go) is
// computed here, from the build context as go build will see it, rather
// than in a step: a step that a source edit reruns would start a
// container on every rebuild, and go build would wait for it. The list
// goes literally into the dependency step, so that step stays cached
// while an edit leaves the imports as they were.

// sourceTree reads directories and files of the build context, each once:
// the walks of several platforms share what it read.
type sourceTree struct {
	readDir  func(dir string) ([]fs.FileInfo, error)
	readFile func(name string) ([]byte, error)

	mu    sync.Mutex
	dirs  map[string]*treeDir
	limit chan struct{} // reads in flight
}

// treeDir is a directory's Go files (tests left out), read together.
type treeDir struct {
	once    sync.Once
	entries []fs.FileInfo
	files   map[string][]byte
	err     error
}

func newSourceTree(readDir func(string) ([]fs.FileInfo, error), readFile func(string) ([]byte, error)) *sourceTree {
	return &sourceTree{readDir: readDir, readFile: readFile, dirs: map[string]*treeDir{}, limit: make(chan struct{}, 16)}
}

// dir lists dir and reads its non-test Go files side by side: each read is
// a round trip to BuildKit.
func (s *sourceTree) dir(dir string) *treeDir {
	s.mu.Lock()
	d, ok := s.dirs[dir]
	if !ok {
		d = &treeDir{}
		s.dirs[dir] = d
	}
	s.mu.Unlock()
	d.once.Do(func() {
		entries, err := s.readDir(dir)
		if err != nil {
			d.err = err
			return
		}
		d.files = map[string][]byte{}
		var mu sync.Mutex
		var eg errgroup.Group
		for _, e := range entries {
			name := e.Name()
			if !e.Mode().IsRegular() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			d.entries = append(d.entries, e)
			eg.Go(func() (err error) {
				defer recovered(&err)
				s.limit <- struct{}{}
				defer func() { <-s.limit }()
				dt, err := s.readFile(path.Join(dir, name))
				mu.Lock()
				defer mu.Unlock()
				d.files[name] = dt
				return err
			})
		}
		for _, e := range entries {
			if e.IsDir() {
				d.entries = append(d.entries, e)
			}
		}
		d.err = eg.Wait()
	})
	return d
}

// context is a go/build context for platform p, build tags and cgo on or
// off, as in go build, that reads the tree.
func (s *sourceTree) context(p ocispecs.Platform, tags []string, cgo bool) build.Context {
	c := build.Default
	c.GOOS, c.GOARCH = p.OS, p.Architecture
	c.GOROOT, c.GOPATH = "", ""
	c.CgoEnabled = cgo
	c.BuildTags = tags
	c.ToolTags = nil // the frontend's own architecture's, not p's
	c.ReadDir = func(dir string) ([]fs.FileInfo, error) {
		d := s.dir(dir)
		return d.entries, d.err
	}
	c.OpenFile = func(name string) (io.ReadCloser, error) {
		d := s.dir(path.Dir(name))
		if dt, ok := d.files[path.Base(name)]; ok {
			return io.NopCloser(bytes.NewReader(dt)), nil
		}
		return nil, fs.ErrNotExist
	}
	c.IsDir = func(name string) bool { return s.dir(name).err == nil }
	c.HasSubdir = func(root, dir string) (string, bool) { return "", false }
	c.JoinPath = path.Join
	c.IsAbsPath = path.IsAbs
	c.SplitPathList = func(string) []string { return nil }
	return c
}

// importedPackages walks the packages of module modPath (in directory
// modDir of the tree) that the main packages mains import, directly or
// through other packages of the module, and returns the packages from
// outside the module they import, standard library included, sorted, and
// the directories of the module it walked. A directory that go/build
// cannot read or parse ends the walk there: the list only decides what
// the dependency layer holds, and go build compiles what it lacks.
// notMain is the index of the first of mains that go/build read as a
// package other than main, -1 for none.
func importedPackages(s *sourceTree, c build.Context, modPath, modDir string, mains []string) (imports, dirs []string, notMain int, name string) {
	seen := map[string]bool{}
	deps := map[string]bool{}
	var queue []string
	notMain = -1
	for i, m := range mains {
		queue = append(queue, path.Join(modDir, m))
		if pkg, err := c.ImportDir(path.Join(modDir, m), build.ImportComment); err == nil && pkg.Name != "main" && notMain < 0 {
			notMain, name = i, pkg.Name
		}
	}
	for len(queue) > 0 {
		dir := queue[0]
		queue = queue[1:]
		if seen[dir] {
			continue
		}
		seen[dir] = true
		pkg, err := c.ImportDir(dir, build.ImportComment)
		if err != nil {
			continue
		}
		for _, imp := range pkg.Imports {
			switch {
			case imp == "C" || imp == "unsafe":
			case imp == modPath || strings.HasPrefix(imp, modPath+"/"):
				queue = append(queue, path.Join(modDir, strings.TrimPrefix(imp, modPath)))
			default:
				deps[imp] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(deps)), slices.Sorted(maps.Keys(seen)), notMain, name
}

// hasVendor reports whether the module has a vendor directory: go build
// then compiles vendored packages, which a dependency layer built from the
// module cache would not hold.
func (s *sourceTree) hasVendor(modDir string) bool {
	return s.dir(path.Join(modDir, "vendor")).err == nil
}

// gatewayTree reads ref (the main context, as the build mounts it).
func gatewayTree(ctx context.Context, ref client.Reference) *sourceTree {
	return newSourceTree(
		func(dir string) ([]fs.FileInfo, error) {
			stats, err := ref.ReadDir(ctx, client.ReadDirRequest{Path: dir})
			if err != nil {
				return nil, err
			}
			infos := make([]fs.FileInfo, len(stats))
			for i, st := range stats {
				infos[i] = statInfo{name: path.Base(st.Path), mode: fs.FileMode(st.Mode), size: st.Size}
			}
			return infos, nil
		},
		func(name string) ([]byte, error) {
			return ref.ReadFile(ctx, client.ReadRequest{Filename: name})
		})
}

// statInfo is a directory entry BuildKit listed.
type statInfo struct {
	name string
	mode fs.FileMode
	size int64
}

func (i statInfo) Name() string       { return i.name }
func (i statInfo) Size() int64        { return i.size }
func (i statInfo) Mode() fs.FileMode  { return i.mode }
func (i statInfo) ModTime() time.Time { return time.Time{} }
func (i statInfo) IsDir() bool        { return i.mode.IsDir() }
func (i statInfo) Sys() any           { return nil }

// ownCode is the module's own code as the frontend read it: the Go files
// (tests left out) of the packages the targets' main packages import, by
// path relative to the module, and its go.mod; the vulnerability check's
// results are keyed by its security.SourceDigest.
type ownCode struct {
	files map[string][]byte
}

// digest is the SourceDigest of the code, with go.mod, whose go line
// decides the language version.
func (c *ownCode) digest() string {
	return security.SourceDigest(c.files)
}

// dependencyLists returns, by platform, the packages each platform's
// dependency layer compiles, reading the main context (solved here, so
// the build's mount of it finds it synced), and the module's own code it
// read. It reports false when the module should have no layers (a vendor
// directory).
func (b *builder) dependencyLists(ctx context.Context, o *sllb.Options, ets []*spec.Target, ps []ocispecs.Platform) (map[string][]string, *ownCode, bool, error) {
	// A local source has no platform: this is the vertex the build mounts.
	ref, err := b.solve(ctx, o.Context, b.bc.BuildPlatforms[0])
	if err != nil {
		return nil, nil, false, err
	}
	tree := gatewayTree(ctx, ref)
	if tree.hasVendor(o.ModuleDir) {
		return nil, nil, false, nil
	}
	lists := make([][]string, len(ps))
	walked := make([][]string, len(ps))
	notMain := make([]error, len(ps))
	var waits []func() error
	for i, p := range ps {
		// A walk that panics leaves the platform without a dependency
		// layer, never the build without a result.
		waits = append(waits, spawn(func() error {
			et := ets[i]
			var bad int
			var name string
			lists[i], walked[i], bad, name = importedPackages(tree, tree.context(p, et.Build.Tags, et.Build.CGO), o.Module.Path, o.ModuleDir, et.Packages())
			if bad >= 0 {
				m := &et.Mains[bad].Package
				notMain[i] = at(fmt.Errorf("%s: %s is package %s, not a main package: go build would make no program of it", et.Key(m), *m, name), et.Where(m))
			}
			if at, found := slices.BinarySearch(lists[i], "runtime/cgo"); et.Build.CGO && !found && len(lists[i]) > 0 {
				// What every cgo program links, imported by no file.
				lists[i] = slices.Insert(lists[i], at, "runtime/cgo")
			}
			return nil
		}))
	}
	for i, wait := range waits {
		if wait() != nil {
			lists[i] = nil
		}
	}
	for _, err := range notMain {
		if err != nil {
			return nil, nil, false, err
		}
	}
	out := map[string][]string{}
	for i, p := range ps {
		if len(lists[i]) > 0 {
			out[sllb.PlatformString(p)] = lists[i]
		}
	}
	return out, tree.ownCode(o.ModuleDir, slices.Concat(walked...)), true, nil
}

// ownCode is the Go files of the module's directories dirs, as read, and
// go.mod, by path relative to the module directory modDir; nil when one
// of them could not be read.
func (s *sourceTree) ownCode(modDir string, dirs []string) *ownCode {
	code := &ownCode{files: map[string][]byte{}}
	for _, dir := range dirs {
		d := s.dir(dir)
		if d.err != nil {
			return nil
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(dir, modDir), "/")
		for name, dt := range d.files {
			code.files[path.Join(rel, name)] = dt
		}
	}
	mod, err := s.readFile(path.Join(modDir, "go.mod"))
	if err != nil {
		return nil
	}
	code.files["go.mod"] = mod
	return code
}
