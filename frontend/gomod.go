package frontend

import (
	"context"
	"fmt"
	"path"

	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"

	"github.com/slimfile/slimfile/spec"
)

// moduleFiles is what the frontend reads of a module: go.mod, and whether
// go.sum is there.
type moduleFiles struct {
	mod    []byte
	modErr error
	hasSum bool
}

// readModuleFiles reads go.mod and looks for go.sum in directory dir of
// ref, side by side: each is a round trip to BuildKit.
func readModuleFiles(ctx context.Context, ref client.Reference, dir string) moduleFiles {
	paths := modPaths(dir)
	var m moduleFiles
	wait := spawn(func() error {
		_, err := ref.StatFile(ctx, client.StatRequest{Path: paths[1]})
		m.hasSum = err == nil
		return nil
	})
	m.mod, m.modErr = dockerui.ReadFile(ctx, ref, paths[0])
	wait()
	return m
}

// readGoMod reads <module>/go.mod and checks go.sum against it. When it
// used the early read, confirm is not nil: the caller runs it (beside
// other work, as it may read .dockerignore) and, when it says false, sets
// b.early to nil and starts again.
func (b *builder) readGoMod(ctx context.Context) (mod *spec.GoMod, confirm func() bool, err error) {
	if b.early != nil && b.f.Module == "." {
		// Any problem with the early read is left to the read below to
		// report, with the main context as the build will see it.
		if e := b.early(); e != nil {
			if mod, err := b.parseGoMod(e.files); err == nil {
				b.sawGoMod = true
				return mod, func() bool { return confirmEarly(ctx, b.bc, e) }, nil
			}
		}
	}
	paths := modPaths(b.f.Module)
	ref, err := b.loadContext(ctx, "load "+paths[0], paths...)
	if err != nil {
		return nil, nil, err
	}
	mod, err = b.parseGoMod(readModuleFiles(ctx, ref, b.f.Module))
	return mod, nil, err
}

// parseGoMod parses the module's go.mod and checks that go.sum is there
// when go.mod requires other modules.
func (b *builder) parseGoMod(files moduleFiles) (*spec.GoMod, error) {
	paths := modPaths(b.f.Module)
	modPath, sumPath := paths[0], paths[1]
	if files.modErr != nil {
		err := fmt.Errorf("no go.mod at %s in the build context: the Slimfile's module must be a Go module directory", modPath)
		if b.sawGoMod {
			// The read without .dockerignore found it.
			err = fmt.Errorf("%s is in the build context, but its ignore file excludes it: that is %s.dockerignore beside the Slimfile when there is one, else .dockerignore at the context's root (an ignore file written for another Dockerfile often excludes everything but a few files). Re-include go.mod, go.sum and the sources with ! lines, or give the Slimfile an ignore file of its own, %s.dockerignore",
				modPath, b.src.Filename, b.src.Filename)
		}
		return nil, at(err, b.f.Where(&b.f.Module))
	}
	mod, err := spec.ParseGoMod(modPath, files.mod)
	if err != nil {
		return nil, err
	}
	if mod.Requires && !files.hasSum {
		return nil, at(fmt.Errorf("%s requires other modules but %s is missing (or excluded by .dockerignore): run `go mod tidy` and add go.sum, so that every download is verified", modPath, sumPath), b.f.Where(&b.f.Module))
	}
	return mod, nil
}

// modPaths are go.mod and go.sum of the module in directory dir.
func modPaths(dir string) []string {
	return []string{path.Join(dir, "go.mod"), path.Join(dir, "go.sum")}
}
