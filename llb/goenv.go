// Package llb turns a parsed Slimfile target and a platform into BuildKit
// LLB states (module download, cross-compile, runtime filesystem) and an
// OCI image config. It knows nothing of the gateway client: the frontend
// resolves images and contexts and hands them in as states.
package llb

import (
	"fmt"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// GoEnv is the Go environment that cross-compiles for platform p: GOOS,
// GOARCH and the architecture level from the platform variant.
func GoEnv(p ocispecs.Platform) ([]string, error) {
	if p.OS != "linux" {
		return nil, fmt.Errorf("platform %s: only linux images are built", PlatformString(p))
	}
	env := []string{"GOOS=" + p.OS, "GOARCH=" + p.Architecture}
	v := p.Variant
	switch p.Architecture {
	case "arm":
		switch v {
		case "", "v7":
			env = append(env, "GOARM=7")
		case "v5", "v6":
			env = append(env, "GOARM="+v[1:])
		default:
			return nil, fmt.Errorf("platform %s: unknown arm variant %q (v5, v6, v7)", PlatformString(p), v)
		}
	case "amd64":
		switch v {
		case "", "v1":
			env = append(env, "GOAMD64=v1")
		case "v2", "v3", "v4":
			env = append(env, "GOAMD64="+v)
		default:
			return nil, fmt.Errorf("platform %s: unknown amd64 variant %q (v1 to v4)", PlatformString(p), v)
		}
	case "arm64":
		switch {
		case v == "" || v == "v8":
		case strings.HasPrefix(v, "v8.") || strings.HasPrefix(v, "v9."):
			env = append(env, "GOARM64="+v)
		default:
			return nil, fmt.Errorf("platform %s: unknown arm64 variant %q", PlatformString(p), v)
		}
	case "386", "ppc64le", "s390x", "riscv64", "mips64le", "mips64", "loong64":
		if v != "" {
			return nil, fmt.Errorf("platform %s: variants of %s are not supported", PlatformString(p), p.Architecture)
		}
	default:
		return nil, fmt.Errorf("platform %s: Go cannot build linux/%s", PlatformString(p), p.Architecture)
	}
	return env, nil
}

// PlatformString formats p as os/arch[/variant].
func PlatformString(p ocispecs.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}
