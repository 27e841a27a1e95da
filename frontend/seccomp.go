package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/gateway/client"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/security"
)

// derivedSeccomp reads the default seccomp profile that r's go build step
// derived from the binary, which waits for the binary: one file, one round
// trip. When the go profile had to be added, it says why at the
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
	ref, err := b.solve(ctx, r.GoBuild, b.bc.BuildPlatforms[0])
	if err != nil {
		return nil, nil, err
	}
	dt, err := ref.ReadFile(ctx, client.ReadRequest{Filename: path.Join(sllb.DerivedDir, sllb.DerivedFile)})
	if err != nil {
		return nil, nil, fmt.Errorf("[%s] reading the derived seccomp profile: %w", plat, err)
	}
	var derived security.Derived
	if err := json.Unmarshal(dt, &derived); err != nil || derived.Derivation == nil {
		return nil, nil, fmt.Errorf("[%s] the derived seccomp profile: %v", plat, err)
	}
	d := derived.Derivation
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
	return derived.Profile, d, nil
}
