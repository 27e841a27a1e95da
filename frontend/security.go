package frontend

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/security"
	"github.com/slimfile/slimfile/spec"
)

// confinement makes the seccomp and AppArmor profiles of et (t expanded
// for one platform), reading the values that are paths from the build
// context. Errors point at the security line that caused them.
func (b *builder) confinement(ctx context.Context, t, et *spec.Target, binary string) (*security.Set, error) {
	files := map[string][]byte{}
	for _, v := range []struct{ key, value string }{
		{"security.seccomp", et.Security.Seccomp},
		{"security.apparmor", et.Security.Apparmor},
	} {
		switch v.value {
		case "default", "docker", "none":
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
		Seccomp: et.Security.Seccomp, AppArmor: et.Security.Apparmor, Files: files,
		Binary: binary, Exe: path.Join(sllb.BinDir, binary), UID: uid, GID: gid,
	})
	var se *security.Error
	if errors.As(err, &se) {
		return nil, b.errAt(err, t, se.Key)
	}
	return set, err
}

// readContextFile reads one file of the build context (after .dockerignore).
func (b *builder) readContextFile(ctx context.Context, name string) ([]byte, error) {
	name = path.Clean(name)
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
// and a Kubernetes securityContext, for --output type=local.
func (b *builder) profiles(ctx context.Context, t *spec.Target) (*client.Result, error) {
	mod, confirm, err := b.readGoMod(ctx)
	if err != nil {
		return nil, err
	}
	if confirm != nil && !confirm() {
		b.early = nil
		return b.profiles(ctx, t)
	}
	ps, err := b.platforms(t)
	if err != nil {
		return nil, err
	}
	// The profiles do not depend on the platform; values with ${TARGET*}
	// are expanded for the first one.
	p := ps[0]
	et, err := b.expanded(t, p)
	if err != nil {
		return nil, err
	}
	set, err := b.confinement(ctx, t, et, et.BinaryName(mod.Path))
	if err != nil {
		return nil, err
	}
	ref, err := b.solve(ctx, sllb.Profiles(set, b.epoch()), ocispecs.Platform{OS: "linux", Architecture: b.bc.BuildPlatforms[0].Architecture})
	if err != nil {
		return nil, err
	}
	res := client.NewResult()
	res.SetRef(ref)
	return res, nil
}
