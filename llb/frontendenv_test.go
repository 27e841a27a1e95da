package llb_test

import (
	"strings"
	"testing"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/spec"
)

// TestFrontendEnvTable: every variable a step of the build sets, beyond
// build.env, is in spec's table of the frontend's environment (which
// build.env may not set) or in its table of those build.env may replace,
// so that a new variable of the frontend's cannot be overridden by a
// user's value unnoticed. The build covers the module and dependency
// layers (the cache program), cgo with zig, private modules and the
// vulnerability check.
func TestFrontendEnvTable(t *testing.T) {
	f, tg := parse(t, "slimfile: 1", "main: ./cmd/api",
		"build: {cgo: true, private: [example.com/private], env: {GOEXPERIMENT: jsonv2}}")
	in := layered(true)
	in.VulnSources = strings.Repeat("d", 64)
	in.CC = map[string]*sllb.CCompiler{"linux/arm64": {Shape: "zig", CC: "zig cc -target aarch64-linux-musl", Zig: true}}
	r := result(t, in, f, tg, linuxArm64)
	check, err := r.VulnCheck(testVulnDB(), false)
	if err != nil {
		t.Fatal(err)
	}
	// The environment of the frontend's own programs' steps, which run
	// no code of the user's: upx's PATH; the debug tools' module settings.
	own := map[string]bool{"PATH": true, "GOFLAGS": true, "GOWORK": true}
	seen := map[string]bool{}
	for _, g := range []*graph{marshal(t, r.Image, linuxArm64), marshal(t, check, linuxArm64)} {
		for _, op := range g.ops {
			e := op.GetExec()
			if e == nil {
				continue
			}
			for _, kv := range e.Meta.Env {
				k, _, _ := strings.Cut(kv, "=")
				seen[k] = true
				_, frontend := spec.FrontendEnv[k]
				_, user := spec.UserEnv[k]
				if !frontend && !user && !own[k] && tg.Build.Env[k] == "" {
					t.Errorf("a step sets %s, which is in neither spec.FrontendEnv nor spec.UserEnv", k)
				}
			}
		}
	}
	for _, k := range []string{"GOCACHEPROG", "NETRC", "SSH_AUTH_SOCK", "ZIG_GLOBAL_CACHE_DIR", "GOPRIVATE", "CC", "GOEXPERIMENT"} {
		if !seen[k] {
			t.Errorf("no step sets %s: the test no longer covers it", k)
		}
	}
}
