package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/gateway/client"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/security"
)

// derivedSeccomp reads the default seccomp profile that r's go build steps
// derived from the binaries, which waits for them: one file per binary,
// read in parallel. When the go profile had to be added, it says why at the
// security.seccomp line (or the slimfile line, when the key was not
// written). It returns nil for other seccomp values, and when no profile
// can be derived (the go profile is then used, with a warning); with the
// profile, what the derivation found.
func (b *builder) derivedSeccomp(ctx context.Context, r *sllb.Result) ([]byte, *security.Derivation, error) {
	t := r.Target
	if t.Security.Seccomp != "default" {
		return nil, nil, nil
	}
	plat := sllb.PlatformString(r.Platform)
	where := t.Where(&t.Security.Seccomp)
	if !r.Derived {
		b.warn(ctx, where, fmt.Sprintf("[%s] security.seccomp: default: this BuildKit does not say which image runs the frontend, so no profile can be derived from the binary; the go profile is used", plat))
		return nil, nil, nil
	}
	profile, d, err := b.readDerived(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	if d.Fallback != "" {
		b.warn(ctx, where, fmt.Sprintf("[%s] security.seccomp: default: %s; the go profile's calls were added (%d calls allowed instead of the binary's %d)",
			plat, d.Fallback, d.Allowed, len(d.Binary)))
	}
	var refused []string
	for _, r := range d.Refused {
		if r.Unexpected() {
			refused = append(refused, r.String())
		}
	}
	if len(refused) > 0 {
		b.warn(ctx, where, fmt.Sprintf("[%s] security.seccomp: default: the binary's code can call %s, which the project's profiles refuse (EPERM) whatever the binary: if the program needs them, give security.seccomp a profile file of your own",
			plat, strings.Join(refused, ", ")))
	}
	return profile, d, nil
}

// readDerived reads the profile derived from each of r's binaries; with
// several, it makes their union (security.UnionSeccomp) and shows in the
// progress how many calls each binary needs and how many it adds.
func (b *builder) readDerived(ctx context.Context, r *sllb.Result) ([]byte, *security.Derivation, error) {
	plat := sllb.PlatformString(r.Platform)
	ds := make([]*security.Derived, len(r.Binaries))
	var waits []func() error
	for i, bin := range r.Binaries {
		waits = append(waits, spawn(func() error {
			ref, err := b.goBuild(ctx, bin)
			if err != nil {
				return err
			}
			dt, err := ref.ReadFile(ctx, client.ReadRequest{Filename: path.Join(sllb.DerivedDir, sllb.DerivedFile)})
			if err != nil {
				return wrapf(err, "[%s] reading the seccomp profile derived from %s", plat, bin.Name)
			}
			var derived security.Derived
			if err := json.Unmarshal(dt, &derived); err != nil || derived.Derivation == nil {
				return fmt.Errorf("[%s] the seccomp profile derived from %s: %v", plat, bin.Name, err)
			}
			ds[i] = &derived
			return nil
		}))
	}
	for _, wait := range waits {
		if err := wait(); err != nil {
			return nil, nil, err
		}
	}
	if len(ds) == 1 {
		return ds[0].Profile, ds[0].Derivation, nil
	}
	names := make([]string, len(ds))
	derivations := make([]*security.Derivation, len(ds))
	for i, d := range ds {
		names[i], derivations[i] = path.Join(sllb.BinDir, r.Binaries[i].Name), d.Derivation
	}
	prof, u, err := security.UnionSeccomp(names, derivations)
	if err != nil {
		return nil, nil, wrapf(err, "[%s] the binaries' seccomp profiles", plat)
	}
	profile, err := json.Marshal(prof)
	if err != nil {
		return nil, nil, err
	}
	b.showLine(ctx, unionLine(plat, names, derivations, u)) // a line that cannot be shown goes unshown
	return profile, u, nil
}

// unionLine says, for the union u of the profiles derived from the
// binaries at names, how many calls each binary can make and how many
// of them no other binary makes.
func unionLine(plat string, names []string, ds []*security.Derivation, u *security.Derivation) string {
	var parts []string
	for i, d := range ds {
		others := slices.Concat(ds[:i:i], ds[i+1:])
		adds := d.Adds(others...)
		part := fmt.Sprintf("%s %d calls, %d of them its own", names[i], len(d.Binary), len(adds))
		if n := len(adds); n > 0 {
			part += " (" + strings.Join(adds[:min(n, 5)], ", ")
			if n > 5 {
				part += fmt.Sprintf(" and %d more", n-5)
			}
			part += ")"
		}
		parts = append(parts, part)
	}
	return fmt.Sprintf("[%s] seccomp: the binaries can make %d system calls together: %s; the profile allows %d", plat, len(u.Binary), strings.Join(parts, "; "), u.Allowed)
}
