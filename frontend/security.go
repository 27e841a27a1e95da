package frontend

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/containerd/platforms"
	"golang.org/x/sync/errgroup"

	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/security"
	"github.com/slimfile/slimfile/spec"
)

// confinement makes the seccomp and AppArmor profiles of et (t expanded
// for one platform), reading the values that are paths from the build
// context; derived is the profile derived from the binary, for
// security.seccomp: default (nil: the go profile). Errors point at the
// security line that caused them.
func (b *builder) confinement(ctx context.Context, t, et *spec.Target, binary string, derived []byte) (*security.Set, error) {
	files := map[string][]byte{}
	for _, v := range []struct{ key, value string }{
		{"security.seccomp", et.Security.Seccomp},
		{"security.apparmor", et.Security.Apparmor},
	} {
		switch v.value {
		case "default", "go", "docker", "none":
			continue
		}
		if _, ok := files[v.value]; ok {
			continue
		}
		dt, err := b.readContextFile(ctx, v.value)
		if err != nil {
			return nil, b.errAt(fmt.Errorf("%s: %s", v.key, err), t, v.key)
		}
		files[v.value] = dt
	}
	uid, gid := sllb.UserIDs(et.Image.User)
	set, err := security.NewSet(security.Options{
		Seccomp: et.Security.Seccomp, AppArmor: et.Security.Apparmor, Files: files, Derived: derived,
		Binary: binary, Exe: path.Join(sllb.BinDir, binary), UID: uid, GID: gid,
	})
	var se *security.Error
	if errors.As(err, &se) {
		return nil, b.errAt(err, t, se.Key)
	}
	return set, err
}

// readContextFile reads one file of the build context (after
// .dockerignore), once per build: the profile files are checked before
// any step runs, then used for each platform.
func (b *builder) readContextFile(ctx context.Context, name string) ([]byte, error) {
	name = path.Clean(name)
	b.filesMu.Lock()
	defer b.filesMu.Unlock()
	if dt, ok := b.files[name]; ok {
		return dt, nil
	}
	dt, err := b.readContextFileOnce(ctx, name)
	if err == nil {
		if b.files == nil {
			b.files = map[string][]byte{}
		}
		b.files[name] = dt
	}
	return dt, err
}

func (b *builder) readContextFileOnce(ctx context.Context, name string) ([]byte, error) {
	ref, err := b.loadContext(ctx, "load "+name, name)
	if err != nil {
		return nil, err
	}
	dt, err := dockerui.ReadFile(ctx, ref, name)
	if err != nil {
		return nil, fmt.Errorf("no file %s in the build context (or it is excluded by .dockerignore)", name)
	}
	return dt, nil
}

// profiles builds t's profiles output: the seccomp and AppArmor profiles
// and a Kubernetes securityContext, for --output type=local. The default
// seccomp profile is derived from each platform's binary, so with several
// platforms each gets a directory of its own (linux_amd64/, ...), as the
// binaries output does; with one, the files are at the top.
func (b *builder) profiles(ctx context.Context, t *spec.Target) (*client.Result, error) {
	in, ps, err := b.startWithFrontend(ctx, t)
	if err != nil {
		return nil, err
	}
	sets := make([]*security.Set, len(ps))
	eg, ectx := errgroup.WithContext(ctx)
	for i, p := range ps {
		eg.Go(func() (err error) {
			defer recovered(&err)
			ctx := ectx
			if err := b.checkConfinement(ctx, in, t, p); err != nil {
				return err
			}
			et, _, goOut, err := b.compile(in, t, p)
			if err != nil {
				return err
			}
			derived, err := b.derivedSeccomp(ctx, in, t, et, p, goOut)
			if err != nil {
				return err
			}
			sets[i], err = b.confinement(ctx, t, et, et.BinaryName(in.Module.Path), derived)
			return err
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	dirs := make([]string, len(ps))
	if len(ps) > 1 {
		for i, p := range ps {
			dirs[i] = strings.ReplaceAll(platforms.FormatAll(p), "/", "_")
		}
	}
	ref, err := b.solve(ctx, sllb.Profiles(sets, dirs, in.Epoch), b.bc.BuildPlatforms[0])
	if err != nil {
		return nil, err
	}
	res := client.NewResult()
	res.SetRef(ref)
	return res, nil
}

// checkConfinement checks t's security values for platform p (reading the
// profile files) before any build step runs for it.
func (b *builder) checkConfinement(ctx context.Context, in *sllb.Inputs, t *spec.Target, p ocispecs.Platform) error {
	et, err := b.expanded(t, p)
	if err != nil {
		return err
	}
	_, err = b.confinement(ctx, t, et, et.BinaryName(in.Module.Path), nil)
	return err
}
