package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"path"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/security"
)

const fakeGoMod = "module example.com/api\n\ngo 1.22\n"

func fakeContext() map[string]string {
	return map[string]string{
		"go.mod":           fakeGoMod,
		"cmd/api/main.go":  "package main\n\nfunc main() {}\n",
		"cmd/tool/main.go": "package main\n\nfunc main() {}\n",
	}
}

// subrequest runs Build for a --call subrequest and decodes its JSON.
func subrequest(t *testing.T, g *fakeGateway, id string, v any) {
	t.Helper()
	g.opts["requestid"] = id
	res, err := Build(context.Background(), g)
	if err != nil {
		t.Fatalf("--call %s: %v", id, err)
	}
	if err := json.Unmarshal(res.Metadata["result.json"], v); err != nil {
		t.Fatalf("--call %s: %v\n%s", id, err, res.Metadata["result.json"])
	}
}

func TestFakeTargets(t *testing.T) {
	g := newFakeGateway("slimfile: 1\ntargets:\n  api:\n    main: ./cmd/api\n  tool:\n    main: ./cmd/tool\n", fakeContext(), nil)
	var l targets.List
	subrequest(t, g, targets.SubrequestsTargetsDefinition.Name, &l)
	var names []string
	for _, tg := range l.Targets {
		names = append(names, tg.Name)
	}
	got := strings.Join(names, " ")
	for _, want := range []string{"api", "api.binaries", "api.report", "tool", "tool.debug"} {
		if !strings.Contains(" "+got+" ", " "+want+" ") {
			t.Errorf("--call=targets lacks %s: %s", want, got)
		}
	}
	if len(g.resolved) != 0 {
		t.Errorf("--call=targets resolved images: %v", g.resolved)
	}
}

func TestFakeOutline(t *testing.T) {
	g := newFakeGateway("slimfile: 1\nargs:\n  VERSION: dev\nmain: ./cmd/api\n", fakeContext(), map[string]string{"build-arg:VERSION": "1.2"})
	var o outline.Outline
	subrequest(t, g, outline.SubrequestsOutlineDefinition.Name, &o)
	if len(o.Args) != 1 || o.Args[0].Name != "VERSION" || o.Args[0].Value != "1.2" {
		t.Errorf("--call=outline args: %+v", o.Args)
	}
}

func TestFakeCheckReportsAtTheLine(t *testing.T) {
	g := newFakeGateway("slimfile: 1\nmain: ./cmd/api\nimage:\n  stopsignal: SIGNOPE\n", fakeContext(), nil)
	var r lint.LintResults
	subrequest(t, g, lint.SubrequestLintDefinition.Name, &r)
	if r.Error == nil || !strings.Contains(r.Error.Message, "SIGNOPE") {
		t.Fatalf("--call=check: %+v", r.Error)
	}
	if rs := r.Error.Location.Ranges; len(rs) == 0 || rs[0].Start.Line != 4 {
		t.Errorf("--call=check points at %v, want line 4", rs)
	}
}

func TestFakeBadSlimfileErrorsAtTheLine(t *testing.T) {
	g := newFakeGateway("slimfile: 1\nmain: ./cmd/api\nimage:\n  expose: [eighty]\n", fakeContext(), nil)
	_, err := Build(context.Background(), g)
	if err == nil {
		t.Fatal("the build succeeded")
	}
	srcs := errdefs.Sources(err)
	if len(srcs) == 0 || srcs[0].Ranges[0].Start.Line != 4 {
		t.Errorf("%v: sources %v, want line 4", err, srcs)
	}
	for _, n := range g.solvedNames() {
		if strings.Contains(n, "go build") {
			t.Errorf("a bad Slimfile ran %q", n)
		}
	}
}

// fakeImageBuild is a gateway ready to build the image of slimfile from
// fakeContext for the given platforms (none: the worker's, amd64).
func fakeImageBuild(t *testing.T, slimfile string, opts map[string]string, arches ...string) *fakeGateway {
	g := newFakeGateway(slimfile, fakeContext(), opts)
	g.images["docker.io/library/golang:1.22-alpine"] = fakeGoImage("1.22.12")
	if len(arches) == 0 {
		arches = []string{"amd64"}
	}
	for _, a := range arches {
		g.steps["[linux/"+a+"] go build"] = fakeGoBuild(t, a, path.Join(sllb.DerivedDir, sllb.DerivedFile), "read", "write", "openat", "close", "mmap", "futex", "clone", "exit_group")
		g.steps["[linux/"+a+"] go build the debug tools"] = fakeGoBuild(t, a, path.Join(sllb.DebugDerivedDir, "slimfile-debug.json"), "read", "write", "execve", "wait4")
	}
	return g
}

// imageConfigs are the image configs of a build's result, by platform.
func imageConfigs(t *testing.T, res *client.Result) map[string]ocispecs.Image {
	t.Helper()
	out := map[string]ocispecs.Image{}
	for k, v := range res.Metadata {
		if k == exptypes.ExporterImageConfigKey || strings.HasPrefix(k, exptypes.ExporterImageConfigKey+"/") {
			var img ocispecs.Image
			if err := json.Unmarshal(v, &img); err != nil {
				t.Fatal(err)
			}
			out[img.OS+"/"+img.Architecture] = img
		}
	}
	return out
}

func TestFakeImage(t *testing.T) {
	g := fakeImageBuild(t, "slimfile: 1\nmain: ./cmd/api\nimage:\n  expose: [\"8080\"]\n", nil)
	res, err := Build(context.Background(), g)
	if err != nil {
		t.Fatal(err)
	}
	imgs := imageConfigs(t, res)
	img, ok := imgs["linux/amd64"]
	if !ok || len(imgs) != 1 {
		t.Fatalf("images %v, want linux/amd64 alone", imgs)
	}
	c := img.Config
	if c.User != "65532:65532" || strings.Join(c.Entrypoint, " ") != "/usr/local/bin/api" {
		t.Errorf("user %q, entrypoint %q", c.User, c.Entrypoint)
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok {
		t.Errorf("exposed ports %v", c.ExposedPorts)
	}
	prof := c.Labels[security.SeccompLabel]
	for _, call := range []string{`"openat"`, `"futex"`} {
		if !strings.Contains(prof, call) {
			t.Errorf("the seccomp label lacks %s, which the binary calls", call)
		}
	}
	if res.Metadata["source.date.epoch"] == nil {
		t.Error("no source.date.epoch in the result")
	}
	// Without the database (the fake serves none), the default warns at
	// the slimfile: line and builds.
	if len(g.warnings) != 1 || !strings.HasPrefix(g.warnings[0], "line 1: security.vulns: the vulnerability check was skipped") {
		t.Errorf("warnings: %q", g.warnings)
	}
}

func TestFakeVulnsFailWithoutDatabase(t *testing.T) {
	g := fakeImageBuild(t, "slimfile: 1\nmain: ./cmd/api\nsecurity:\n  vulns: fail\n", nil)
	_, err := Build(context.Background(), g)
	if err == nil {
		t.Fatal("vulns: fail built without a database")
	}
	if srcs := errdefs.Sources(err); len(srcs) == 0 || srcs[0].Ranges[0].Start.Line != 4 {
		t.Errorf("%v: sources %v, want line 4 (vulns:)", err, srcs)
	}
}

func TestFakePlatforms(t *testing.T) {
	for _, c := range []struct {
		name, slimfile string
		opts           map[string]string
	}{
		{"--platform", "slimfile: 1\nmain: ./cmd/api\n", map[string]string{"platform": "linux/arm64,linux/amd64"}},
		{"platforms:", "slimfile: 1\nmain: ./cmd/api\nplatforms: [linux/arm64, linux/amd64]\n", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := fakeImageBuild(t, c.slimfile, c.opts, "amd64", "arm64")
			res, err := Build(context.Background(), g)
			if err != nil {
				t.Fatal(err)
			}
			imgs := imageConfigs(t, res)
			if len(imgs) != 2 || imgs["linux/arm64"].Architecture != "arm64" {
				t.Errorf("images for %v", imgs)
			}
			// Cross-compiled: both go build steps, no emulation.
			names := strings.Join(g.solvedNames(), "\n")
			for _, want := range []string{"[linux/amd64] go build ./cmd/api", "[linux/arm64] go build ./cmd/api"} {
				if !strings.Contains(names, want) {
					t.Errorf("no step %q", want)
				}
			}
			if !strings.Contains(imgs["linux/arm64"].Config.Labels[security.SeccompLabel], "SCMP_ARCH_AARCH64") {
				t.Error("the arm64 image's profile is not for arm64")
			}
		})
	}
}

func TestFakeErrorsAtTheirLines(t *testing.T) {
	for _, c := range []struct {
		name, slimfile string
		context        map[string]string
		want           string
		line           int32
	}{
		{"no toolchain for go:", "slimfile: 1\ngo: \"1.99\"\nmain: ./cmd/api\n", nil, "go: 1.99: no toolchain image for that version", 2},
		{"no toolchain for go.mod's go line", "slimfile: 1\nmain: ./cmd/api\n", map[string]string{"go.mod": "module example.com/api\n\ngo 1.98\n"}, "go 1.98, from go.mod's go line", 1},
		{"go.mod excluded by .dockerignore", "slimfile: 1\nmain: ./cmd/api\n", map[string]string{".dockerignore": "go.mod\n"}, "its ignore file excludes it", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := fakeImageBuild(t, c.slimfile, nil)
			for p, v := range c.context {
				g.locals["context"][p] = v
			}
			_, err := Build(context.Background(), g)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if srcs := errdefs.Sources(err); len(srcs) == 0 || srcs[0].Ranges[0].Start.Line != c.line {
				t.Errorf("sources %v, want line %d", srcs, c.line)
			}
		})
	}
}

func TestFakeFilesMissing(t *testing.T) {
	g := fakeImageBuild(t, "slimfile: 1\nmain: ./cmd/api\nimage:\n  files:\n    - {src: config/app.yaml, dst: /etc/app.yaml}\n", nil)
	g.onSolve = func(last string, names []string) error {
		if strings.Contains(strings.Join(names, "\n"), "/etc/app.yaml") && !strings.Contains(last, "go build") {
			return errdefs.WithSource(errors.New(`failed to compute cache key: failed to calculate checksum of ref a::b: "/config/app.yaml": not found`),
				&errdefs.Source{Info: &pb.SourceInfo{Filename: "Slimfile"}, Ranges: []*pb.Range{{Start: &pb.Position{Line: 5}}}})
		}
		return nil
	}
	_, err := Build(context.Background(), g)
	if err == nil || !strings.Contains(err.Error(), "image.files: config/app.yaml is not in the build context") {
		t.Fatalf("error %v", err)
	}
	if srcs := errdefs.Sources(err); len(srcs) == 0 || srcs[0].Ranges[0].Start.Line != 5 {
		t.Errorf("sources %v, want line 5", srcs)
	}
}

func TestFakePanicInAStepIsAnError(t *testing.T) {
	g := fakeImageBuild(t, "slimfile: 1\nmain: ./cmd/api\n", nil)
	g.onSolve = func(last string, names []string) error {
		if strings.Contains(last, "go build") {
			panic("a bug in a callback")
		}
		return nil
	}
	_, err := Build(context.Background(), g)
	if err == nil || !strings.Contains(err.Error(), "internal error in the Slimfile frontend") || !strings.Contains(err.Error(), "a bug in a callback") {
		t.Fatalf("error %v", err)
	}
}

func TestFakeGoBuildFails(t *testing.T) {
	g := fakeImageBuild(t, "slimfile: 1\nmain: ./cmd/api\n", nil)
	g.steps["[linux/amd64] go build"] = fakeStep{err: errors.New(`process "/bin/slimfile-go build" did not complete successfully: exit code: 1`)}
	_, err := Build(context.Background(), g)
	if err == nil || !strings.Contains(err.Error(), "exit code: 1") {
		t.Fatalf("error %v", err)
	}
}

// fakeGoImage is the config of a Go toolchain image of version v.
func fakeGoImage(v string) ocispecs.Image {
	return ocispecs.Image{
		Platform: ocispecs.Platform{OS: "linux", Architecture: runtime.GOARCH},
		Config: ocispecs.ImageConfig{Env: []string{
			"PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"GOLANG_VERSION=" + v, "GOTOOLCHAIN=local", "GOPATH=/go",
		}, WorkingDir: "/go"},
	}
}

// fakeGoBuild is what a go build step writes for the frontend to read: a
// seccomp profile derived from a binary that makes calls.
func fakeGoBuild(t *testing.T, goarch, file string, calls ...string) fakeStep {
	t.Helper()
	prof, d, err := security.UnionSeccomp([]string{"/usr/local/bin/api"}, []*security.Derivation{{GOARCH: goarch, Binary: calls}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := json.Marshal(prof)
	if err != nil {
		t.Fatal(err)
	}
	derived, err := json.Marshal(security.Derived{Profile: p, Derivation: d})
	if err != nil {
		t.Fatal(err)
	}
	return fakeStep{files: map[string]string{file: string(derived)}}
}

// withVulnDB scripts the vulnerability database (the default URL, served)
// and a check of the amd64 binary that finds vs.
func withVulnDB(t *testing.T, g *fakeGateway, vs ...security.Vuln) {
	t.Helper()
	info, err := json.Marshal(security.VulnDBInfo{Source: defaultVulnDB + "/vulndb.zip", Entries: 3})
	if err != nil {
		t.Fatal(err)
	}
	g.steps["vulnerability database: "] = fakeStep{files: map[string]string{security.VulnDBInfoFile: string(info), security.VulnDBIDsFile: "GO-2099-0001\nGO-2099-0002\nGO-2099-0003\n"}}
	rep, err := json.Marshal(security.VulnReport{Scanner: "govulncheck v1.9.0", GoVersion: "go1.22.12", Module: "example.com/api", Vulns: vs})
	if err != nil {
		t.Fatal(err)
	}
	g.steps["[linux/amd64] govulncheck ./cmd/api"] = fakeStep{files: map[string]string{sllb.VulnReportFile: string(rep)}}
}

// calledVuln is a standard-library vulnerability the binary can call.
var calledVuln = security.Vuln{
	ID: "GO-2099-0001", Summary: "a made-up flaw in net/http", Level: security.LevelCalled,
	Module: "stdlib", Version: "v1.22.12", Fixed: "v1.22.13", Packages: []string{"net/http"},
	Symbols: []string{"http.ReadRequest"},
	Trace: []security.Frame{
		{Module: "example.com/api", Package: "example.com/api/cmd/api", Function: "main", File: "cmd/api/main.go", Line: 3},
		{Module: "stdlib", Package: "net/http", Function: "ReadRequest"},
	},
}

func TestFakeVulnsWarn(t *testing.T) {
	g := fakeImageBuild(t, "slimfile: 1\nmain: ./cmd/api\n", nil)
	withVulnDB(t, g, calledVuln, security.Vuln{ID: "GO-2099-0002", Level: security.LevelRequired, Module: "example.com/dep", Version: "v1.0.0"})
	if _, err := Build(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	if len(g.warnings) != 1 {
		t.Fatalf("warnings %q, want one: the called vulnerability alone", g.warnings)
	}
	w := g.warnings[0]
	for _, want := range []string{"line 1: ", "GO-2099-0001", "the standard library of Go 1.22.12", "the binary can call http.ReadRequest;", "set go: 1.22.13"} {
		if !strings.Contains(w, want) {
			t.Errorf("the warning lacks %q: %s", want, w)
		}
	}
}

func TestFakeVulnsFail(t *testing.T) {
	g := fakeImageBuild(t, "slimfile: 1\nmain: ./cmd/api\nsecurity:\n  vulns: fail\n", nil)
	withVulnDB(t, g, calledVuln)
	_, err := Build(context.Background(), g)
	if err == nil || !strings.Contains(err.Error(), "GO-2099-0001") {
		t.Fatalf("error %v, want the called vulnerability", err)
	}
	if srcs := errdefs.Sources(err); len(srcs) == 0 || srcs[0].Ranges[0].Start.Line != 4 {
		t.Errorf("sources %v, want line 4", srcs)
	}
	// An ignore with its reason lets the build pass.
	g = fakeImageBuild(t, "slimfile: 1\nmain: ./cmd/api\nsecurity:\n  vulns:\n    mode: fail\n    ignore:\n      - {id: GO-2099-0001, reason: not exposed}\n", nil)
	withVulnDB(t, g, calledVuln)
	if _, err := Build(context.Background(), g); err != nil {
		t.Errorf("an ignored finding failed the build: %v", err)
	}
}

func TestFakeOutputs(t *testing.T) {
	for _, c := range []struct {
		target string
		check  func(t *testing.T, g *fakeGateway, res *client.Result)
	}{
		{"api.binaries", func(t *testing.T, g *fakeGateway, res *client.Result) {
			if !slices.Contains(g.solvedNames(), "[linux/amd64] binary api") {
				t.Errorf("no binary step: %q", g.solvedNames())
			}
		}},
		{"api.profiles", func(t *testing.T, g *fakeGateway, res *client.Result) {
			prof, ok := g.wrote("/" + security.SeccompFileName)
			if !ok || !strings.Contains(prof, `"openat"`) {
				t.Errorf("seccomp.json: %.200s", prof)
			}
			if sc, ok := g.wrote("/" + security.SecurityContextFileName); !ok || !strings.Contains(sc, "runAsNonRoot: true") {
				t.Errorf("securitycontext.yaml: %s", sc)
			}
		}},
		{"api.vulns", func(t *testing.T, g *fakeGateway, res *client.Result) {
			vex, ok := g.wrote("/linux_amd64/vex.json")
			if !ok || !strings.Contains(vex, "GO-2099-0001") || !strings.Contains(vex, `"affected"`) {
				t.Errorf("vex.json: %.300s", vex)
			}
		}},
		{"api.report", func(t *testing.T, g *fakeGateway, res *client.Result) {
			if !slices.ContainsFunc(g.solvedNames(), func(n string) bool { return strings.HasPrefix(n, "report: ") }) {
				t.Errorf("no report step: %q", g.solvedNames())
			}
		}},
		{"api.debug", func(t *testing.T, g *fakeGateway, res *client.Result) {
			prof := imageConfigs(t, res)["linux/amd64"].Config.Labels[security.SeccompLabel]
			for _, call := range []string{`"openat"`, `"execve"`} {
				if !strings.Contains(prof, call) {
					t.Errorf("the debug image's profile lacks %s, which the binary or the tools call", call)
				}
			}
			if len(g.warnings) == 0 || !strings.Contains(g.warnings[0], "for debugging only") {
				t.Errorf("warnings %q", g.warnings)
			}
		}},
	} {
		t.Run(c.target, func(t *testing.T) {
			g := fakeImageBuild(t, "slimfile: 1\ntargets:\n  api:\n    main: ./cmd/api\n", map[string]string{"target": c.target})
			withVulnDB(t, g, calledVuln)
			res, err := Build(context.Background(), g)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, g, res)
		})
	}
}
