package llb_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/profiles/seccomp"

	"github.com/slimfile/slimfile/internal/gostep"
	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/spec"
)

// The debug variant: the image's own states with one more layer, made by
// a step that compiles the tools with the toolchain for the platform,
// without a network; with delve, the binary unoptimized and unstripped.
func TestDebugVariant(t *testing.T) {
	f, tg := parse(t, "slimfile: 1", "build: {gcflags: [-m]}")
	in := inputs(true)
	fe := llb.Image("registry.example/slimfile:1")
	in.Frontend = &fe
	if sllb.DebugTarget(tg) != tg {
		t.Errorf("without delve, the debug variant builds the target as it is")
	}
	r := result(t, in, f, tg, linuxArm64)
	image, tools, err := r.Debug()
	if err != nil {
		t.Fatal(err)
	}
	g := marshal(t, tools, linuxArm64)
	_, op, c := step[*gostep.DebugTools](t, g)
	if c.Delve || !strings.HasSuffix(c.Dir, sllb.DebugToolsDir) {
		t.Errorf("debugtools step %+v", c)
	}
	ex := op.GetExec()
	if ex.Network != 2 /* pb.NetMode_NONE */ {
		t.Errorf("the tools step has network %v; its modules are vendored", ex.Network)
	}
	for _, kv := range []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS=-mod=vendor"} {
		if !hasEnv(ex.Meta.Env, kv) {
			t.Errorf("the tools step's environment lacks %s: %v", kv, ex.Meta.Env)
		}
	}
	// The release image's graph is a part of the debug image's.
	rel, dbg := marshal(t, r.Image, linuxArm64), marshal(t, image, linuxArm64)
	for d, op := range rel.ops {
		if _, ok := dbg.ops[d]; !ok && op.Op != nil { // not the definition's end
			t.Errorf("the release image's op %s is not in the debug image's graph", rel.name(d))
		}
	}
	img := r.DebugConfig(config(t, r))
	if !slices.Equal(img.Config.Entrypoint, []string{"/usr/local/bin/svc"}) || img.Config.Labels[sllb.DebugLabel] == "" {
		t.Errorf("debug config: entrypoint %q, labels %v", img.Config.Entrypoint, img.Config.Labels)
	}
}

// debug: {delve: true}: the binary built with -gcflags=all=-N -l,
// unstripped and unpacked, delve in the tools, started by the entrypoint
// on port 40000; delve does not debug arm programs, which is an error at
// the delve line.
func TestDebugDelve(t *testing.T) {
	f, tg := parse(t, "slimfile: 1", "build: {gcflags: [-m], compress: upx}", "image: {entrypoint: [/usr/local/bin/svc, serve]}", "debug:", "  delve: true")
	in := inputs(true)
	fe := llb.Image("registry.example/slimfile:1")
	in.Frontend = &fe
	dt := sllb.DebugTarget(tg)
	if dt == tg || dt.Build.Strip || dt.Build.Compress != "none" || !slices.Equal(dt.Build.Gcflags, []string{"-m", "all=-N -l"}) || !slices.Equal(tg.Build.Gcflags, []string{"-m"}) {
		t.Fatalf("debug target build %+v (the target's %+v)", dt.Build, tg.Build)
	}
	r := result(t, in, f, dt, linuxArm64)
	args := strings.Join(sllb.GoBuildArgs(dt, spec.Bin{Package: ".", Name: "svc", Main: &dt.Mains[0]}), " ")
	if !strings.Contains(args, "-gcflags=-m all=-N -l") || strings.Contains(args, "-s -w") {
		t.Errorf("go build %s", args)
	}
	_, tools, err := r.Debug()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, c := step[*gostep.DebugTools](t, marshal(t, tools, linuxArm64)); !c.Delve {
		t.Errorf("the tools step builds no delve: %+v", c)
	}
	img := r.DebugConfig(config(t, r))
	want := []string{"/bin/dlv", "exec", "--headless", "--listen=:40000", "--api-version=2", "--accept-multiclient", "/usr/local/bin/svc", "--", "serve"}
	if !slices.Equal(img.Config.Entrypoint, want) {
		t.Errorf("entrypoint %q, want %q", img.Config.Entrypoint, want)
	}
	if _, ok := img.Config.ExposedPorts["40000/tcp"]; !ok {
		t.Errorf("exposed ports %v", img.Config.ExposedPorts)
	}
	_, _, err = result(t, in, f, dt, linuxArmV7).Debug()
	var ve *spec.ValueError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "delve does not debug linux/arm/v7") || ve.Range.Line != 5 {
		t.Errorf("delve on arm/v7: %v", err)
	}
}

// The debug profile allows the go list and what the tools call, delve's
// ptrace among them, even where the derived profile refuses it; the
// release profile is left as it was.
func TestDebugConfinement(t *testing.T) {
	f, tg := parse(t, "slimfile: 1", "security: {seccomp: go}")
	r := result(t, inputs(true), f, tg, buildPlatform)
	set, err := r.DebugConfinement(nil, []string{"ptrace", "personality"})
	if err != nil {
		t.Fatal(err)
	}
	var p seccomp.Seccomp
	if err := json.Unmarshal(set.Seccomp, &p); err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, rule := range p.Syscalls {
		for _, n := range rule.Names {
			if rule.Action == "SCMP_ACT_ALLOW" && len(rule.Args) == 0 {
				allowed[n] = true
			} else if n == "ptrace" {
				t.Errorf("a rule that does not allow ptrace names it: %+v", rule)
			}
		}
	}
	if !allowed["ptrace"] || !allowed["execve"] || !allowed["wait4"] {
		t.Errorf("the debug profile does not allow ptrace, execve and wait4")
	}
	if set.AppArmor != nil {
		t.Errorf("the debug image names an AppArmor profile")
	}
	rel, err := r.Confinement(nil)
	if err != nil || strings.Contains(string(rel.Seccomp), "debug image") {
		t.Errorf("the release profile changed: %v", err)
	}
}
