package llb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"

	"github.com/slimfile/slimfile/internal/gostep"
	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/security"
)

func testVulnDB() *sllb.VulnDB {
	return &sllb.VulnDB{State: llb.Scratch().File(llb.Mkfile("/index/db.json", 0o644, []byte("{}"))),
		Info: &security.VulnDBInfo{Source: "https://vuln.go.dev/vulndb.zip", Modified: time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)}}
}

// TestVulnCheck: with the code's digest, go build keeps the sources under
// it in the persistent cache mount; the check runs on the download step
// with the build's platform and tags, mounts the database and names the
// sources' directory, with nothing of go build's output or of the build
// context in its graph; from the context, it mounts the context
// and keeps the sources for the next check. With vulns: off, go build
// keeps nothing.
func TestVulnCheck(t *testing.T) {
	f, tg := parse(t, "slimfile: 1", "main: ./cmd/api", "build: {tags: [netgo]}")
	in := layered(true)
	in.VulnSources = strings.Repeat("d", 64)
	r := result(t, in, f, tg, linuxArm64)
	st, err := r.VulnCheck(testVulnDB(), false)
	if err != nil {
		t.Fatal(err)
	}
	g := marshal(t, st, linuxArm64)
	_, gb, bc := step[*gostep.Build](t, marshal(t, r.Binaries[0].GoBuild, linuxArm64))
	sources := "/slimfile-vulnsrc/" + in.VulnSources
	if bc.Sources != sources {
		t.Errorf("go build keeps %q", bc.Sources)
	}
	if m := mount(t, gb, "/slimfile-vulnsrc"); m.MountType != pb.MountType_CACHE || m.CacheOpt.ID != "slimfile-vulnsrc" {
		t.Errorf("go build's sources mount %v", m)
	}
	vD, v, vc := step[*gostep.Vulns](t, g)
	if vc.Dir != sources || vc.Tags != "netgo" || len(vc.Packages) != 1 || vc.Packages[0] != "./cmd/api" || vc.Modules != "/slimfile-modules" || vc.Sources != "" {
		t.Errorf("check %+v", vc)
	}
	// Nothing of go build's or the context's: the same definition for
	// every build of the same digest.
	if len(steps[*gostep.Build](t, g)) > 0 {
		t.Error("the check's graph holds go build")
	}
	for _, m := range v.GetExec().Mounts {
		if m.Dest == "/src" {
			t.Error("the check mounts the build context")
		}
	}
	if db := mount(t, v, "/slimfile-vulndb"); !db.Readonly {
		t.Error("the database is writable in the check")
	}
	dlD, _ := g.exec(t, "go", "mod", "download")
	if d, _ := g.input(v, mount(t, v, "/")); d != dlD {
		t.Error("the check does not run on the download step")
	}
	for _, kv := range []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOTOOLCHAIN=local"} {
		if !hasEnv(v.GetExec().Meta.Env, kv) {
			t.Errorf("the check's env %q lacks %s", v.GetExec().Meta.Env, kv)
		}
	}
	if n := g.name(vD); n != "[linux/arm64] govulncheck ./cmd/api (database https://vuln.go.dev/vulndb.zip of 2026-11-05T00:00:00Z)" {
		t.Errorf("check named %q", n)
	}

	st, _ = r.VulnCheck(testVulnDB(), true)
	g = marshal(t, st, linuxArm64)
	_, v, vc = step[*gostep.Vulns](t, g)
	if vc.Dir != "/src/cmd/api" && vc.Dir != "/src" || vc.Sources != sources {
		t.Errorf("check from the context %+v", vc)
	}
	if m := mount(t, v, "/src"); !m.Readonly {
		t.Error("the context is writable in the check")
	}

	// Without the digest, or with the gate off, go build keeps nothing.
	for name, lines := range map[string][]string{"no digest": {"slimfile: 1"}, "off": {"slimfile: 1", "security: {vulns: off}"}} {
		f, tg := parse(t, lines...)
		in := layered(true)
		if name == "off" {
			in.VulnSources = strings.Repeat("d", 64)
		}
		g, _ := build(t, in, f, tg, linuxArm64)
		if _, _, bc := step[*gostep.Build](t, g); bc.Sources != "" {
			t.Errorf("%s: go build keeps the sources", name)
		}
	}
}
