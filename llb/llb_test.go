package llb_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"path"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/slimfile/slimfile/internal/gostep"
	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/security"
	"github.com/slimfile/slimfile/spec"
)

var (
	buildPlatform = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	linuxArm64    = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
	linuxArmV7    = ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}
)

const toolchainRef = "docker.io/library/golang:1.26-alpine"

// inputs are what the frontend would resolve for a build: the context, the
// toolchain image on the build platform and the module's go.mod.
func inputs(requires bool) *sllb.Options {
	return &sllb.Options{
		ModuleDir: ".",
		Context:   llb.Local("context"),
		Toolchain: llb.Image(toolchainRef, llb.Platform(buildPlatform)),
		GOROOT:    "/usr/local/go",
		Module:    &spec.GoMod{Path: "example.com/svc", Go: "1.26", Requires: requires},
		Epoch:     time.Unix(0, 0),
	}
}

func parse(t *testing.T, lines ...string) (*spec.File, *spec.Target) {
	t.Helper()
	f, err := spec.Parse([]byte(strings.Join(lines, "\n") + "\n"))
	if err != nil {
		t.Fatalf("spec.Parse: %v", err)
	}
	return f, f.Targets[0]
}

// graph is a marshalled LLB definition, decoded.
type graph struct {
	def *llb.Definition
	ops map[digest.Digest]*pb.Op
}

func marshal(t *testing.T, st llb.State, p ocispecs.Platform) *graph {
	t.Helper()
	// Without a session, BuildKit gives a local source a random unique ID
	// per marshal; a fixed one keeps the determinism test about our LLB.
	def, err := st.Marshal(context.Background(), llb.Platform(p), llb.LocalUniqueID("slimfile-test"))
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	g := &graph{def: def, ops: map[digest.Digest]*pb.Op{}}
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.Unmarshal(dt); err != nil {
			t.Fatalf("unmarshal op: %v", err)
		}
		g.ops[digest.FromBytes(dt)] = &op
	}
	return g
}

func (g *graph) name(d digest.Digest) string {
	return g.def.Metadata[d].Description["llb.customname"]
}

// execs returns the exec ops whose command line starts with args.
func (g *graph) execs(args ...string) map[digest.Digest]*pb.Op {
	out := map[digest.Digest]*pb.Op{}
	for d, op := range g.ops {
		if e := op.GetExec(); e != nil && len(e.Meta.Args) >= len(args) && slices.Equal(e.Meta.Args[:len(args)], args) {
			out[d] = op
		}
	}
	return out
}

// exec returns the one exec op whose command line starts with args.
func (g *graph) exec(t *testing.T, args ...string) (digest.Digest, *pb.Op) {
	t.Helper()
	m := g.execs(args...)
	if len(m) != 1 {
		t.Fatalf("found %d exec ops running %q, want 1", len(m), args)
	}
	for d, op := range m {
		return d, op
	}
	panic("unreachable")
}

// stepProgram is the step program as the Go steps run it.
var stepProgram = "/slimfile-frontend" + gostep.Program

// steps returns the exec ops that run the step program's command of type
// C, each with its command line read back.
func steps[C gostep.Command](t *testing.T, g *graph) map[digest.Digest]C {
	t.Helper()
	var zero C
	out := map[digest.Digest]C{}
	for d, op := range g.execs(stepProgram, zero.Name()) {
		c, err := gostep.Parse(op.GetExec().Meta.Args[1:])
		if err != nil {
			t.Fatalf("step %q: %v", op.GetExec().Meta.Args, err)
		}
		out[d] = c.(C)
	}
	return out
}

// step returns the one exec op running the step program's command of type
// C, and that command.
func step[C gostep.Command](t *testing.T, g *graph) (digest.Digest, *pb.Op, C) {
	t.Helper()
	m := steps[C](t, g)
	if len(m) != 1 {
		var zero C
		t.Fatalf("found %d steps running %s, want 1", len(m), zero.Name())
	}
	for d, c := range m {
		return d, g.ops[d], c
	}
	panic("unreachable")
}

// mount returns the mount of an exec op at dest.
func mount(t *testing.T, op *pb.Op, dest string) *pb.Mount {
	t.Helper()
	for _, m := range op.GetExec().Mounts {
		if m.Dest == dest {
			return m
		}
	}
	t.Fatalf("no mount at %s", dest)
	return nil
}

// input returns the op that feeds a mount (nil for a scratch mount).
func (g *graph) input(op *pb.Op, m *pb.Mount) (digest.Digest, *pb.Op) {
	if m.Input < 0 {
		return "", nil
	}
	d := op.Inputs[m.Input].Digest
	return digest.Digest(d), g.ops[digest.Digest(d)]
}

func (g *graph) source(prefix string) (digest.Digest, bool) {
	for d, op := range g.ops {
		if s := op.GetSource(); s != nil && strings.HasPrefix(s.Identifier, prefix) {
			return d, true
		}
	}
	return "", false
}

// copies returns every copy action of the graph's file ops.
func (g *graph) copies() []*pb.FileActionCopy {
	var out []*pb.FileActionCopy
	for _, op := range g.ops {
		if f := op.GetFile(); f != nil {
			for _, a := range f.Actions {
				if c := a.GetCopy(); c != nil {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

func hasEnv(env []string, kv string) bool { return slices.Contains(env, kv) }

func envValue(env []string, k string) (string, bool) {
	for _, kv := range env {
		if key, v, _ := strings.Cut(kv, "="); key == k {
			return v, true
		}
	}
	return "", false
}

// build runs sllb.Build as the frontend does and marshals the image state
// for p; the config has the go profile's labels.
func build(t *testing.T, in *sllb.Options, f *spec.File, tg *spec.Target, p ocispecs.Platform) (*graph, *sllb.Image) {
	t.Helper()
	r := result(t, in, f, tg, p)
	return marshal(t, r.Image, p), config(t, r)
}

// result is sllb.Build of tg.
func result(t *testing.T, in *sllb.Options, f *spec.File, tg *spec.Target, p ocispecs.Platform) *sllb.Result {
	t.Helper()
	in.ModuleDir = f.Module
	r, err := sllb.Build(in, tg, p)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return r
}

// config is r's image config with the profiles of the go profile.
func config(t *testing.T, r *sllb.Result) *sllb.Image {
	t.Helper()
	set, err := r.Confinement(nil)
	if err != nil {
		t.Fatalf("Confinement: %v", err)
	}
	return r.Config(set)
}

func TestGoBuildExec(t *testing.T) {
	tests := []struct {
		platform ocispecs.Platform
		goarch   string
		goarm    string // "" when GOARM must not be set
	}{
		{linuxArm64, "arm64", ""},
		{linuxArmV7, "arm", "7"},
	}
	for _, tc := range tests {
		t.Run(sllb.PlatformString(tc.platform), func(t *testing.T) {
			f, tg := parse(t, "slimfile: 1", "main: ./cmd/api")
			g, _ := build(t, inputs(true), f, tg, tc.platform)
			d, op := g.exec(t, "go", "build")
			meta := op.GetExec().Meta

			for _, arg := range []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", "/out/api", "./cmd/api"} {
				if !slices.Contains(meta.Args, arg) {
					t.Errorf("go build args %q lack %q", meta.Args, arg)
				}
			}
			if i := slices.Index(meta.Args, "-o"); i < 0 || i+1 >= len(meta.Args) || meta.Args[i+1] != "/out/api" {
				t.Errorf("go build args %q: -o is not followed by /out/api", meta.Args)
			}
			if last := meta.Args[len(meta.Args)-1]; last != "./cmd/api" {
				t.Errorf("go build args %q: the package is not last", meta.Args)
			}
			if meta.Cwd != "/src" {
				t.Errorf("go build runs in %q, want /src", meta.Cwd)
			}

			for _, kv := range []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + tc.goarch, "GOTOOLCHAIN=local",
				"GOMODCACHE=/go/pkg/mod", "GOCACHE=/root/.cache/go-build"} {
				if !hasEnv(meta.Env, kv) {
					t.Errorf("go build env %q lacks %s", meta.Env, kv)
				}
			}
			goarm, ok := envValue(meta.Env, "GOARM")
			if tc.goarm == "" && ok {
				t.Errorf("go build env sets GOARM=%s for %s", goarm, sllb.PlatformString(tc.platform))
			}
			if tc.goarm != "" && goarm != tc.goarm {
				t.Errorf("GOARM = %q, want %q", goarm, tc.goarm)
			}

			// Cross-compiled on the build platform: no emulation.
			if op.Platform == nil || op.Platform.OS != "linux" || op.Platform.Architecture != "amd64" {
				t.Errorf("go build runs on %v, want the build platform linux/amd64", op.Platform)
			}

			// Mounts: the context read-only, an empty output, shared caches.
			src := mount(t, op, "/src")
			if !src.Readonly {
				t.Errorf("the context is mounted read-write")
			}
			if sd, _ := g.source("local://context"); sd == "" {
				t.Errorf("no local context source")
			} else if id, _ := g.input(op, src); id != sd {
				t.Errorf("/src is not the build context")
			}
			out := mount(t, op, "/out")
			if out.Input != -1 || out.Output < 0 {
				t.Errorf("/out mount = %+v, want a scratch output", out)
			}
			caches := 0
			for _, m := range op.GetExec().Mounts {
				if m.MountType != pb.MountType_CACHE {
					continue
				}
				caches++
				if m.CacheOpt == nil || m.CacheOpt.Sharing != pb.CacheSharingOpt_SHARED {
					t.Errorf("cache mount %s is not shared: %+v", m.Dest, m.CacheOpt)
				}
			}
			if caches != 2 {
				t.Errorf("go build has %d cache mounts, want 2 (modules and build cache)", caches)
			}
			for _, dest := range []string{"/go/pkg/mod", "/root/.cache/go-build"} {
				if m := mount(t, op, dest); m.MountType != pb.MountType_CACHE {
					t.Errorf("%s is not a cache mount", dest)
				}
			}

			want := "[" + sllb.PlatformString(tc.platform) + "] go build ./cmd/api"
			if got := g.name(d); got != want {
				t.Errorf("go build vertex name = %q, want %q", got, want)
			}
		})
	}
}

func TestGoBuildRunsOnTheToolchainPlatform(t *testing.T) {
	// The toolchain image is pinned to the build platform (linux/amd64) and
	// the image is marshalled for arm64 and arm/v7: every Go step must run
	// on the toolchain's platform, never on the target's (no emulation).
	for _, p := range []ocispecs.Platform{linuxArm64, linuxArmV7} {
		f, tg := parse(t, "slimfile: 1")
		g, _ := build(t, inputs(true), f, tg, p)
		for _, args := range [][]string{{"go", "build"}, {"go", "mod", "download"}} {
			_, op := g.exec(t, args...)
			if op.Platform.Architecture != "amd64" || op.Platform.Variant != "" {
				t.Errorf("%s: %q runs on %+v, want linux/amd64", sllb.PlatformString(p), args, op.Platform)
			}
		}
	}
}

func TestGoModDownload(t *testing.T) {
	f, tg := parse(t, "slimfile: 1", "module: ./svc", "main: ./cmd/api")
	g, _ := build(t, inputs(true), f, tg, linuxArm64)

	dd, dl := g.exec(t, "go", "mod", "download")
	if want := "go mod download (example.com/svc)"; g.name(dd) != want {
		t.Errorf("download vertex name = %q, want %q", g.name(dd), want)
	}
	caches := 0
	for _, m := range dl.GetExec().Mounts {
		if m.MountType == pb.MountType_CACHE {
			caches++
			if m.CacheOpt.Sharing != pb.CacheSharingOpt_SHARED {
				t.Errorf("download cache %s is not shared", m.Dest)
			}
		}
	}
	if caches == 0 {
		t.Errorf("go mod download has no cache mount")
	}

	// The download sees go.mod and go.sum only, not the whole context.
	ctxDigest, ok := g.source("local://context")
	if !ok {
		t.Fatal("no local context source")
	}
	for _, in := range dl.Inputs {
		if digest.Digest(in.Digest) == ctxDigest {
			t.Errorf("go mod download takes the whole build context as an input")
		}
	}
	md, mods := g.input(dl, mount(t, dl, "/src"))
	fo := mods.GetFile()
	if fo == nil {
		t.Fatalf("/src of go mod download is not a file op: %v", mods)
	}
	if len(fo.Actions) != 1 || fo.Actions[0].GetCopy() == nil {
		t.Fatalf("/src of go mod download: want one copy action, got %v", fo.Actions)
	}
	cp := fo.Actions[0].GetCopy()
	if want := []string{"go.mod", "go.sum"}; !reflect.DeepEqual(cp.IncludePatterns, want) {
		t.Errorf("copy include patterns = %q, want %q", cp.IncludePatterns, want)
	}
	if path.Clean(cp.Src) != "/svc" || !cp.DirCopyContents || cp.Dest != "/" {
		t.Errorf("copy of go.mod and go.sum from %q to %q (contents only %v), want the module directory /svc to /", cp.Src, cp.Dest, cp.DirCopyContents)
	}
	if cp.Timestamp != 0 {
		t.Errorf("copy timestamp = %d, want the epoch", cp.Timestamp)
	}
	srcIdx := fo.Actions[0].SecondaryInput
	if srcIdx < 0 || int(srcIdx) >= len(mods.Inputs) || digest.Digest(mods.Inputs[srcIdx].Digest) != ctxDigest {
		t.Errorf("go.mod and go.sum are not copied from the build context")
	}
	if want := "go.mod and go.sum of example.com/svc"; g.name(md) != want {
		t.Errorf("copy vertex name = %q, want %q", g.name(md), want)
	}

	// go build starts from the downloaded modules.
	_, gb := g.exec(t, "go", "build")
	if rd, _ := g.input(gb, mount(t, gb, "/")); rd != dd {
		t.Errorf("go build does not run on the result of go mod download")
	}
	if cwd := gb.GetExec().Meta.Cwd; cwd != "/src/svc" {
		t.Errorf("go build runs in %q, want the module directory /src/svc", cwd)
	}
}

func TestNoGoModDownload(t *testing.T) {
	tests := []struct {
		name string
		mod  spec.GoMod
	}{
		{"no requirements", spec.GoMod{Path: "example.com/svc", Go: "1.26"}},
		{"directory replacements", spec.GoMod{Path: "example.com/svc", Go: "1.26", Requires: true, LocalReplaces: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := inputs(false)
			in.Module = &tc.mod
			f, tg := parse(t, "slimfile: 1")
			g, _ := build(t, in, f, tg, linuxArm64)
			if n := len(g.execs("go", "mod", "download")); n != 0 {
				t.Errorf("found %d go mod download execs, want none", n)
			}
			_, gb := g.exec(t, "go", "build")
			td, ok := g.source("docker-image://" + toolchainRef)
			if !ok {
				t.Fatal("no toolchain image source")
			}
			if rd, _ := g.input(gb, mount(t, gb, "/")); rd != td {
				t.Errorf("go build does not run on the toolchain image")
			}
		})
	}
}

func TestModuleEnv(t *testing.T) {
	f, tg := parse(t,
		"slimfile: 1",
		"build:",
		"  private: [example.com/private/*, git.example/*]",
		"  goproxy: https://proxy.example,direct",
		"  env: {GOFLAGS: -mod=mod, GOEXPERIMENT: jsonv2}",
	)
	g, _ := build(t, inputs(true), f, tg, buildPlatform)
	for _, args := range [][]string{{"go", "mod", "download"}, {"go", "build"}} {
		_, op := g.exec(t, args...)
		env := op.GetExec().Meta.Env
		for _, kv := range []string{
			"GOPROXY=https://proxy.example,direct",
			"GOPRIVATE=example.com/private/*,git.example/*",
			"GONOSUMDB=example.com/private/*,git.example/*",
			"SSH_AUTH_SOCK=/run/ssh-agent.sock",
			"NETRC=/run/secrets/netrc",
		} {
			if !hasEnv(env, kv) {
				t.Errorf("%q env %q lacks %s", args, env, kv)
			}
		}
		var secret, ssh bool
		for _, m := range op.GetExec().Mounts {
			switch m.MountType {
			case pb.MountType_SECRET:
				secret = m.Dest == sllb.NetrcPath && m.SecretOpt.ID == "netrc" && m.SecretOpt.Optional
			case pb.MountType_SSH:
				ssh = m.Dest == "/run/ssh-agent.sock" && m.SSHOpt.ID == "default" && m.SSHOpt.Optional
			}
		}
		if !secret || !ssh {
			t.Errorf("%q: optional netrc secret mounted %v, optional ssh agent mounted %v", args, secret, ssh)
		}
	}
	_, gb := g.exec(t, "go", "build")
	env := gb.GetExec().Meta.Env
	if v, _ := envValue(env, "GOFLAGS"); v != "-mod=mod" {
		t.Errorf("GOFLAGS = %q, want the build.env value (env %q)", v, env)
	}
	if !hasEnv(env, "GOEXPERIMENT=jsonv2") {
		t.Errorf("build.env GOEXPERIMENT missing from %q", env)
	}
}

func TestGoBuildArgs(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  []string
	}{
		{
			name:  "defaults",
			lines: []string{"slimfile: 1"},
			want:  []string{"go", "build", "-buildvcs=false", "-buildmode=exe", "-trimpath", "-ldflags=-s -w -buildid=", "-o", "/out/svc", "."},
		},
		{
			name: "every build key",
			lines: []string{"slimfile: 1", "main: ./cmd/api", "build:", "  tags: [netgo, osusergo]",
				"  ldflags: [\"-X main.version=1\", -extldflags=-static]", "  gcflags: [all=-N, -l]"},
			want: []string{"go", "build", "-buildvcs=false", "-buildmode=exe", "-trimpath", "-tags=netgo,osusergo",
				"-ldflags=-s -w -buildid= -X main.version=1 -extldflags=-static", "-gcflags=all=-N -l", "-o", "/out/svc", "./cmd/api"},
		},
		{
			name:  "no strip, no trimpath",
			lines: []string{"slimfile: 1", "build: {strip: false, trimpath: false, ldflags: [-X=a.b=c]}"},
			want:  []string{"go", "build", "-buildvcs=false", "-buildmode=exe", "-ldflags=-buildid= -X=a.b=c", "-o", "/out/svc", "."},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, tg := parse(t, tc.lines...)
			if got := sllb.GoBuildArgs(tg, spec.Bin{Package: tg.Mains[0].Package, Name: "svc"}); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("GoBuildArgs =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	slimfile := []string{
		"slimfile: 1", "main: ./cmd/api",
		"build: {tags: [a, b], env: {Z: z, A: a, M: m}, private: [example.com/*]}",
		"image: {env: {Z: z, A: a}, labels: {b: b, a: a}, files: [{src: a, dst: /a}], expose: [\"8080\"]}",
	}
	// Go randomizes map order on every range: many marshals give many
	// chances to catch an op that depends on it.
	const marshals = 25
	for _, p := range []ocispecs.Platform{linuxArm64, linuxArmV7} {
		var first [][]byte
		for n := 0; n < marshals; n++ {
			f, tg := parse(t, slimfile...)
			g, _ := build(t, inputs(true), f, tg, p)
			if n == 0 {
				first = g.def.Def
				continue
			}
			if len(g.def.Def) != len(first) {
				t.Fatalf("%s: %d ops, then %d", sllb.PlatformString(p), len(first), len(g.def.Def))
			}
			for i := range first {
				if !bytes.Equal(first[i], g.def.Def[i]) {
					t.Fatalf("%s: op %d differs on marshal %d of the same Slimfile", sllb.PlatformString(p), i, n)
				}
			}
		}
	}
}

func TestRuntime(t *testing.T) {
	f, tg := parse(t, "slimfile: 1", "main: ./cmd/api")
	g, img := build(t, inputs(true), f, tg, linuxArm64)

	var bin, certs, zoneinfo bool
	for _, c := range g.copies() {
		switch {
		case c.Src == "/api" && c.Dest == "/usr/local/bin/api":
			bin = c.Mode == 0o755
		case c.Src == sllb.CertFile:
			certs = true
		case c.Src == "/usr/local/go/lib/time/zoneinfo.zip" && c.Dest == sllb.ZoneinfoZip:
			zoneinfo = true
		}
	}
	if !bin || !certs || !zoneinfo {
		t.Errorf("runtime copies: binary (0755) %v, CA certificates %v, zoneinfo %v; want all", bin, certs, zoneinfo)
	}
	// Given the frontend's image, its step program repacks the toolchain's
	// zoneinfo.zip, with no network, and the layer copies the result.
	in := inputs(true)
	fe := llb.Image("registry.example/slimfile@sha256:"+strings.Repeat("f", 64), llb.Platform(buildPlatform))
	in.Frontend = &fe
	g, _ = build(t, in, f, tg, linuxArm64)
	_, repack := g.exec(t, gostep.Program, "zoneinfo")
	c, err := gostep.Parse(repack.GetExec().Meta.Args[1:])
	want := &gostep.Zoneinfo{In: "/toolchain/usr/local/go/lib/time/zoneinfo.zip", Out: "/out/zoneinfo.zip"}
	if e := repack.GetExec(); err != nil || e.Network != pb.NetMode_NONE || !reflect.DeepEqual(c, want) {
		t.Errorf("repack step: network %v, command %+v (%v), want %+v", e.Network, c, err, want)
	}
	if m := mount(t, repack, "/toolchain"); !m.Readonly {
		t.Error("the toolchain is writable in the repack step")
	}
	var copied bool
	for _, c := range g.copies() {
		if c.Dest == sllb.ZoneinfoZip {
			copied = c.Src == "/zoneinfo.zip"
			if !copied {
				t.Errorf("zoneinfo.zip copied from %s, not from the repack step", c.Src)
			}
		}
	}
	if !copied {
		t.Error("zoneinfo.zip is not in the image")
	}
	var named bool
	for d := range g.ops {
		if g.name(d) == "[linux/arm64] /usr/local/bin/api" {
			named = true
		}
	}
	if !named {
		t.Errorf("no vertex named %q", "[linux/arm64] /usr/local/bin/api")
	}
	if img.Config.Entrypoint[0] != "/usr/local/bin/api" {
		t.Errorf("Entrypoint = %q", img.Config.Entrypoint)
	}

	// Without certs and tzdata, nothing is copied from the toolchain.
	f, tg = parse(t, "slimfile: 1", "image: {certs: false, tzdata: false}")
	g, _ = build(t, inputs(true), f, tg, linuxArm64)
	for _, c := range g.copies() {
		if c.Src == sllb.CertFile || strings.HasSuffix(c.Src, "zoneinfo.zip") {
			t.Errorf("certs: false, tzdata: false still copies %s", c.Src)
		}
	}
}

func TestGoEnv(t *testing.T) {
	tests := []struct {
		platform ocispecs.Platform
		want     []string // nil: an error
	}{
		{ocispecs.Platform{OS: "linux", Architecture: "amd64"}, []string{"GOOS=linux", "GOARCH=amd64", "GOAMD64=v1"}},
		{ocispecs.Platform{OS: "linux", Architecture: "amd64", Variant: "v3"}, []string{"GOOS=linux", "GOARCH=amd64", "GOAMD64=v3"}},
		{ocispecs.Platform{OS: "linux", Architecture: "amd64", Variant: "v5"}, nil},
		{ocispecs.Platform{OS: "linux", Architecture: "arm64"}, []string{"GOOS=linux", "GOARCH=arm64"}},
		{ocispecs.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, []string{"GOOS=linux", "GOARCH=arm64"}},
		{ocispecs.Platform{OS: "linux", Architecture: "arm64", Variant: "v8.2"}, []string{"GOOS=linux", "GOARCH=arm64", "GOARM64=v8.2"}},
		{ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, []string{"GOOS=linux", "GOARCH=arm", "GOARM=7"}},
		{ocispecs.Platform{OS: "linux", Architecture: "arm"}, []string{"GOOS=linux", "GOARCH=arm", "GOARM=7"}},
		{ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v6"}, []string{"GOOS=linux", "GOARCH=arm", "GOARM=6"}},
		{ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v5"}, []string{"GOOS=linux", "GOARCH=arm", "GOARM=5"}},
		{ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v8"}, nil},
		{ocispecs.Platform{OS: "linux", Architecture: "riscv64"}, []string{"GOOS=linux", "GOARCH=riscv64"}},
		{ocispecs.Platform{OS: "linux", Architecture: "s390x", Variant: "z15"}, nil},
		{ocispecs.Platform{OS: "linux", Architecture: "sparc64"}, nil},
		{ocispecs.Platform{OS: "windows", Architecture: "amd64"}, nil},
		{ocispecs.Platform{OS: "darwin", Architecture: "arm64"}, nil},
	}
	for _, tc := range tests {
		name := sllb.PlatformString(tc.platform)
		got, err := sllb.GoEnv(tc.platform)
		if tc.want == nil {
			if err == nil {
				t.Errorf("GoEnv(%s) = %q, want an error", name, got)
			} else if !strings.Contains(err.Error(), name) {
				t.Errorf("GoEnv(%s) error %q does not name the platform", name, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("GoEnv(%s) = %q, %v; want %q", name, got, err, tc.want)
		}
	}

	// Build reports a platform Go cannot build, at the platforms line.
	_, tg := parse(t, "slimfile: 1", "platforms: [linux/sparc64]")
	_, err := sllb.Build(inputs(true), tg, ocispecs.Platform{OS: "linux", Architecture: "sparc64"})
	var ve *spec.ValueError
	if !errors.As(err, &ve) || ve.Range.Line != 2 {
		t.Errorf("Build for linux/sparc64: %v; want an error at line 2", err)
	}
}

func TestImageConfig(t *testing.T) {
	in := inputs(true)
	f, tg := parse(t, "slimfile: 1", "image:", "  expose: [\"8080\", 53/udp]")
	img := config(t, result(t, in, f, tg, linuxArm64))
	c := img.Config
	if c.User != "65532:65532" {
		t.Errorf("User = %q, want 65532:65532", c.User)
	}
	if want := []string{"/usr/local/bin/svc"}; !reflect.DeepEqual(c.Entrypoint, want) {
		t.Errorf("Entrypoint = %q, want %q", c.Entrypoint, want)
	}
	if len(c.Cmd) != 0 {
		t.Errorf("Cmd = %q, want none", c.Cmd)
	}
	if c.WorkingDir != "/" {
		t.Errorf("WorkingDir = %q, want /", c.WorkingDir)
	}
	for _, kv := range []string{"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt", "ZONEINFO=/usr/local/go/lib/time/zoneinfo.zip"} {
		if !hasEnv(c.Env, kv) {
			t.Errorf("Env %q lacks %s", c.Env, kv)
		}
	}
	if _, ok := envValue(c.Env, "PATH"); !ok {
		t.Errorf("Env %q has no PATH", c.Env)
	}
	wantPorts := map[string]struct{}{"8080/tcp": {}, "53/udp": {}}
	if !reflect.DeepEqual(c.ExposedPorts, wantPorts) {
		t.Errorf("ExposedPorts = %v, want %v", c.ExposedPorts, wantPorts)
	}
	if img.Platform.Architecture != "arm64" || img.Platform.OS != "linux" {
		t.Errorf("Platform = %+v", img.Platform)
	}
	if img.Created == nil || !img.Created.Equal(time.Unix(0, 0)) {
		t.Errorf("Created = %v, want the epoch", img.Created)
	}
	if img.RootFS.Type != "layers" {
		t.Errorf("RootFS.Type = %q", img.RootFS.Type)
	}

	tests := []struct {
		name  string
		lines []string
		check func(t *testing.T, img *sllb.Image)
	}{
		{
			name:  "certs false",
			lines: []string{"slimfile: 1", "image: {certs: false}"},
			check: func(t *testing.T, img *sllb.Image) {
				if _, ok := envValue(img.Config.Env, "SSL_CERT_FILE"); ok {
					t.Errorf("Env %q sets SSL_CERT_FILE without certs", img.Config.Env)
				}
				if !hasEnv(img.Config.Env, "ZONEINFO="+sllb.ZoneinfoZip) {
					t.Errorf("Env %q lost ZONEINFO", img.Config.Env)
				}
			},
		},
		{
			name:  "tzdata false",
			lines: []string{"slimfile: 1", "image: {tzdata: false}"},
			check: func(t *testing.T, img *sllb.Image) {
				if _, ok := envValue(img.Config.Env, "ZONEINFO"); ok {
					t.Errorf("Env %q sets ZONEINFO without tzdata", img.Config.Env)
				}
			},
		},
		{
			name:  "root user",
			lines: []string{"slimfile: 1", "image: {user: root}"},
			check: func(t *testing.T, img *sllb.Image) {
				if img.Config.User != "0:0" {
					t.Errorf("User = %q, want 0:0", img.Config.User)
				}
			},
		},
		{
			name:  "numeric user",
			lines: []string{"slimfile: 1", "image: {user: \"1000:2000\"}"},
			check: func(t *testing.T, img *sllb.Image) {
				if img.Config.User != "1000:2000" {
					t.Errorf("User = %q", img.Config.User)
				}
			},
		},
		{
			name: "every image key",
			lines: []string{"slimfile: 1", "main: ./cmd/api", "binary: server", "image:",
				"  env: {SSL_CERT_FILE: /etc/custom.pem, APP: x}",
				"  workdir: /srv", "  entrypoint: [/usr/local/bin/server, serve]", "  cmd: [--port, \"80\"]",
				"  labels: {a: b}", "  stopsignal: SIGINT"},
			check: func(t *testing.T, img *sllb.Image) {
				c := img.Config
				if !hasEnv(c.Env, "SSL_CERT_FILE=/etc/custom.pem") || !hasEnv(c.Env, "APP=x") {
					t.Errorf("Env = %q: image.env not applied over the defaults", c.Env)
				}
				if n := strings.Count(strings.Join(c.Env, "\n"), "SSL_CERT_FILE="); n != 1 {
					t.Errorf("Env = %q: SSL_CERT_FILE set %d times", c.Env, n)
				}
				if c.WorkingDir != "/srv" || c.StopSignal != "SIGINT" || c.Labels["a"] != "b" {
					t.Errorf("config = %+v", c)
				}
				if !reflect.DeepEqual(c.Entrypoint, []string{"/usr/local/bin/server", "serve"}) || !reflect.DeepEqual(c.Cmd, []string{"--port", "80"}) {
					t.Errorf("Entrypoint %q Cmd %q", c.Entrypoint, c.Cmd)
				}
			},
		},
		{
			name:  "binary name from main",
			lines: []string{"slimfile: 1", "main: ./cmd/worker/v2"},
			check: func(t *testing.T, img *sllb.Image) {
				if want := []string{"/usr/local/bin/worker"}; !reflect.DeepEqual(img.Config.Entrypoint, want) {
					t.Errorf("Entrypoint = %q, want %q", img.Config.Entrypoint, want)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, tg := parse(t, tc.lines...)
			tc.check(t, config(t, result(t, inputs(true), f, tg, linuxArm64)))
		})
	}
}

func TestImageConfigBase(t *testing.T) {
	base := &sllb.Image{}
	base.Config.Env = []string{"PATH=/custom/bin", "LANG=C.UTF-8"}
	base.Config.Labels = map[string]string{"from": "base"}
	base.History = []ocispecs.History{{CreatedBy: "base layer"}}
	in := inputs(true)
	in.Bases = map[string]*sllb.Base{"linux/arm64": {State: llb.Image("docker.io/library/alpine:3"), Config: base, Ref: "docker.io/library/alpine:3"}}

	f, tg := parse(t, "slimfile: 1", "image: {labels: {app: svc}}")
	img := config(t, result(t, in, f, tg, linuxArm64))
	if !hasEnv(img.Config.Env, "PATH=/custom/bin") || !hasEnv(img.Config.Env, "LANG=C.UTF-8") {
		t.Errorf("Env = %q: the base's PATH and LANG are not kept", img.Config.Env)
	}
	if img.Config.Labels["from"] != "base" || img.Config.Labels["app"] != "svc" {
		t.Errorf("Labels = %v, want the base's and the Slimfile's", img.Config.Labels)
	}
	if len(img.History) != 4 || img.History[0].CreatedBy != "base layer" || img.History[2].CreatedBy != "slimfile: time zones" {
		t.Errorf("History = %+v, want the base's entry then three", img.History)
	}
	// The base config is not changed.
	if !reflect.DeepEqual(base.Config.Env, []string{"PATH=/custom/bin", "LANG=C.UTF-8"}) || len(base.Config.Labels) != 1 || len(base.History) != 1 {
		t.Errorf("ImageConfig modified the base config: %+v", base.Config)
	}
}

// TestNoCacheMarksOnlyGoSteps: --no-cache runs go mod download and go build
// again, but leaves the toolchain image and the runtime files (steps that
// concurrent builds share) cacheable.
func TestNoCacheMarksOnlyGoSteps(t *testing.T) {
	f, tg := parse(t, "slimfile: 1")
	in := inputs(true)
	in.NoCache = true
	g, _ := build(t, in, f, tg, buildPlatform)
	for d, op := range g.ops {
		ignore := g.def.Metadata[d].IgnoreCache
		isGo := op.GetExec() != nil && len(op.GetExec().Meta.Args) > 0 && op.GetExec().Meta.Args[0] == "go"
		if ignore != isGo {
			t.Errorf("%q (go step %v): ignore cache %v", g.name(d), isGo, ignore)
		}
	}
}

// TestCacheMountNamespace: BUILDKIT_CACHE_MOUNT_NS prefixes the ids of the
// persistent Go caches.
func TestCacheMountNamespace(t *testing.T) {
	f, tg := parse(t, "slimfile: 1")
	in := inputs(true)
	in.CacheNS = "team-a/"
	g, _ := build(t, in, f, tg, buildPlatform)
	_, op := g.exec(t, "go", "build")
	var ids []string
	for _, m := range op.GetExec().Mounts {
		if m.MountType == pb.MountType_CACHE {
			ids = append(ids, m.CacheOpt.ID)
		}
	}
	want := []string{"team-a/slimfile-gomodcache", "team-a/slimfile-gobuildcache"}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("cache ids %v, want %v", ids, want)
	}
}

// The profiles output is one file op: every file of the set, sorted, with
// the epoch as its time.
func TestProfilesState(t *testing.T) {
	set, err := security.NewSet(security.Options{Seccomp: "go", AppArmor: "default", Binary: "api", Exe: "/usr/local/bin/api", UID: 65532, GID: 65532})
	if err != nil {
		t.Fatal(err)
	}
	epoch := time.Unix(1700000000, 0)
	g := marshal(t, sllb.Profiles([]*security.Set{set}, []string{""}, epoch), ocispecs.Platform{OS: "linux", Architecture: "amd64"})
	var files []string
	for _, op := range g.ops {
		if f := op.GetFile(); f != nil {
			for _, a := range f.Actions {
				mk := a.GetMkfile()
				if mk == nil {
					t.Fatalf("unexpected action %v", a)
				}
				if mk.Timestamp != epoch.UnixNano() || mk.Mode != 0o644 {
					t.Errorf("%s: time %d mode %o", mk.Path, mk.Timestamp, mk.Mode)
				}
				if want := set.Files()[strings.TrimPrefix(mk.Path, "/")]; string(mk.Data) != string(want) {
					t.Errorf("%s: content differs", mk.Path)
				}
				files = append(files, mk.Path)
			}
		}
	}
	if strings.Join(files, " ") != "/apparmor.profile /seccomp.json /securitycontext.yaml" {
		t.Errorf("files %v", files)
	}
}

// With several platforms, each platform's profiles are in a directory of
// their own.
func TestProfilesStatePerPlatform(t *testing.T) {
	var sets []*security.Set
	for _, seccomp := range []string{"go", "docker"} {
		set, err := security.NewSet(security.Options{Seccomp: seccomp, AppArmor: "default", Binary: "api", Exe: "/usr/local/bin/api", UID: 65532, GID: 65532})
		if err != nil {
			t.Fatal(err)
		}
		sets = append(sets, set)
	}
	g := marshal(t, sllb.Profiles(sets, []string{"linux_amd64", "linux_arm64"}, time.Unix(1700000000, 0)), ocispecs.Platform{OS: "linux", Architecture: "amd64"})
	got := map[string][]byte{}
	for _, op := range g.ops {
		if f := op.GetFile(); f != nil {
			for _, a := range f.Actions {
				if mk := a.GetMkfile(); mk != nil {
					got[mk.Path] = mk.Data
				} else if md := a.GetMkdir(); md != nil {
					got[md.Path] = nil
				}
			}
		}
	}
	for i, dir := range []string{"/linux_amd64", "/linux_arm64"} {
		if _, ok := got[dir]; !ok {
			t.Errorf("no directory %s in %v", dir, slices.Sorted(maps.Keys(got)))
		}
		if string(got[dir+"/seccomp.json"]) != string(sets[i].Files()["seccomp.json"]) {
			t.Errorf("%s/seccomp.json is not that platform's profile", dir)
		}
	}
}

// Without time zones the image has no time zone layer and no history
// entry for one: history and layers stay in step.
func TestNoTzdataNoLayer(t *testing.T) {
	f, tg := parse(t, "slimfile: 1", "image: {tzdata: false}")
	g, img := build(t, inputs(true), f, tg, buildPlatform)
	for d := range g.ops {
		if strings.HasPrefix(g.name(d), "time zones") {
			t.Errorf("step %q without tzdata", g.name(d))
		}
	}
	if len(img.History) != 2 {
		t.Errorf("history %+v, want runtime files and the binary", img.History)
	}
}

// compress: upx adds a step on the build platform, without network, that
// packs the compiled binary in place, in the named context upx when given;
// without compress the binary is Compile's.
func TestCompressUPX(t *testing.T) {
	f, tg := parse(t, "slimfile: 1", "build: {compress: upx}")
	in := inputs(true)
	ctx := llb.Local("upx")
	in.UPX = &ctx
	r := result(t, in, f, tg, linuxArm64)
	g := marshal(t, r.Binaries[0].Binary, linuxArm64)
	d, op := g.exec(t, "upx")
	e := op.GetExec()
	if args := strings.Join(e.Meta.Args, " "); args != "upx -q --best --lzma /out/svc" || e.Network != pb.NetMode_NONE {
		t.Errorf("upx step: args %q network %v", args, e.Network)
	}
	if v, _ := envValue(e.Meta.Env, "PATH"); v != "/:/usr/local/bin:/usr/bin:/bin" {
		t.Errorf("PATH in the upx context: %q", v)
	}
	if op.Platform.Architecture != buildPlatform.Architecture {
		t.Errorf("upx runs on %s, want the build platform", op.Platform.Architecture)
	}
	if m := mount(t, op, "/out"); m.Readonly {
		t.Error("the binary is read-only to upx")
	}
	if !strings.Contains(g.name(d), "some scanners flag them") {
		t.Errorf("step name %q does not warn", g.name(d))
	}
	if r.Binaries[0].Binary.Output() == r.Binaries[0].GoBuild.Output() {
		t.Error("with compress: upx, the binary is go build's")
	}
	f2, tg2 := parse(t, "slimfile: 1")
	if r := result(t, in, f2, tg2, linuxArm64); r.Binaries[0].Binary.Output() != r.Binaries[0].GoBuild.Output() {
		t.Error("the binary was changed without compress: upx")
	}
}

// Given the frontend's image, the go build step runs go build through
// the frontend's binary, which reports the C code left out and, for
// security.seccomp: default, derives the profile beside the binary; other
// values derive nothing. Without the image, go build runs alone.
func TestGoBuildDerivesSeccomp(t *testing.T) {
	fe := llb.Image("registry.example/slimfile@sha256:"+strings.Repeat("f", 64), llb.Platform(buildPlatform))
	for _, c := range []struct {
		seccomp string
		derives bool
	}{{"default", true}, {"go", false}, {"docker", false}, {"none", false}} {
		t.Run(c.seccomp, func(t *testing.T) {
			f, tg := parse(t, "slimfile: 1", "security: {seccomp: "+c.seccomp+"}")
			in := inputs(true)
			in.Frontend = &fe
			g, _ := build(t, in, f, tg, linuxArm64)
			_, op, bc := step[*gostep.Build](t, g)
			want := &gostep.Build{LeftOut: "/out/slimfile-cgo/left-out", Command: bc.Command, Binary: "/out/svc",
				Facts: "/out/.slimfile/binary.json", Certs: "/etc/ssl/certs/ca-certificates.crt", Zoneinfo: "/usr/local/go/lib/time/zoneinfo.zip",
				Stripped: true, Trimpath: true, BuilderPaths: []string{"/src", "/go/pkg/mod", "/root/.cache/go-build", "/usr/local/go"}}
			if c.derives {
				want.Derive = "/out/.slimfile/seccomp-derived.json"
			}
			if !reflect.DeepEqual(bc, want) || bc.Command[0] != "go" || bc.Command[1] != "build" {
				t.Errorf("go build step %+v, want %+v", bc, want)
			}
			if m := mount(t, op, "/slimfile-frontend"); !m.Readonly {
				t.Error("the frontend's image is writable in the go build step")
			}
			g, _ = build(t, inputs(true), f, tg, linuxArm64)
			if len(g.execs("go", "build")) != 1 {
				t.Error("without the frontend's image, no plain go build")
			}
		})
	}
}

// TestLabelPrecedence: each source of labels overrides the ones before it,
// in the order Result.Config documents: base image, the request's
// org.opencontainers.image.* labels, the base's name and digest, the
// profiles, image.labels, --label.
func TestLabelPrecedence(t *testing.T) {
	base := &sllb.Image{}
	base.Config.Labels = map[string]string{"only-base": "base", "l1": "base", "l2": "base", "l3": "base", "l4": "base", "l5": "base",
		ocispecs.AnnotationBaseImageName: "base", security.SeccompLabel: "base"}
	in := inputs(true)
	in.Bases = map[string]*sllb.Base{"linux/arm64": {Config: base, Ref: "docker.io/library/alpine@sha256:" + strings.Repeat("a", 64)}}
	in.Labels = map[string]string{"l1": "request", "l2": "request", "l3": "request", "l4": "request", ocispecs.AnnotationBaseImageName: "request"}
	in.BuildLabels = map[string]string{"l4": "--label", security.SeccompLabel: "--label-wins"}
	f, tg := parse(t, "slimfile: 1", "image: {labels: {l2: slimfile, l3: slimfile, io.containers.seccomp.profile: slimfile}}")
	r := result(t, in, f, tg, linuxArm64)
	set, err := r.Confinement(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Config(set).Config.Labels
	want := map[string]string{
		"only-base": "base", "l5": "base", "l1": "request", "l2": "slimfile", "l3": "slimfile", "l4": "--label",
		ocispecs.AnnotationBaseImageName:   "docker.io/library/alpine",
		ocispecs.AnnotationBaseImageDigest: "sha256:" + strings.Repeat("a", 64),
		security.SeccompLabel:              "--label-wins",
		security.AppArmorLabel:             set.Labels()[security.AppArmorLabel],
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("labels =\n%v\nwant\n%v", got, want)
	}
	// Without --label and image.labels, the profiles' labels win over the
	// base's and the request's.
	in.BuildLabels = nil
	f, tg = parse(t, "slimfile: 1")
	r = result(t, in, f, tg, linuxArm64)
	set, _ = r.Confinement(nil)
	if l := r.Config(set).Config.Labels; l[security.SeccompLabel] != set.Labels()[security.SeccompLabel] || l[ocispecs.AnnotationBaseImageName] != "docker.io/library/alpine" {
		t.Errorf("labels = %v: the profile's and the base name's labels do not win", l)
	}
	// The base's config is not changed.
	if base.Config.Labels["l1"] != "base" || len(base.Config.Labels) != 8 {
		t.Errorf("the base's labels were changed: %v", base.Config.Labels)
	}
}

// TestBuildJoinsSteps: Build's states are one graph: go build runs on the
// go mod download step's output, the image copies the (packed) binary,
// and the profile is derived in the go build step when asked for.
func TestBuildJoinsSteps(t *testing.T) {
	fe := llb.Image("registry.example/slimfile@sha256:"+strings.Repeat("f", 64), llb.Platform(buildPlatform))
	in := inputs(true)
	in.Frontend = &fe
	f, tg := parse(t, "slimfile: 1", "main: ./cmd/api")
	r := result(t, in, f, tg, linuxArm64)
	if !r.Derived || r.BinaryName != "api" {
		t.Errorf("Derived %v, BinaryName %q", r.Derived, r.BinaryName)
	}
	g := marshal(t, r.Image, linuxArm64)
	_, gobuild, _ := step[*gostep.Build](t, g)
	if _, root := g.input(gobuild, mount(t, gobuild, "/")); root.GetExec() == nil || root.GetExec().Meta.Args[1] != "mod" {
		t.Errorf("go build does not run on go mod download's output: %v", root)
	}
	var copied bool
	for _, c := range g.copies() {
		copied = copied || c.Dest == "/usr/local/bin/api"
	}
	if !copied {
		t.Error("the image does not copy the binary to /usr/local/bin/api")
	}
}
