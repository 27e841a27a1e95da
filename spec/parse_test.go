package spec_test

import (
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/slimfile/slimfile/spec"
)

// src joins lines into a Slimfile, so that line numbers in the tests are
// easy to count: the first line is line 1.
func src(lines ...string) []byte {
	return []byte(strings.Join(lines, "\n") + "\n")
}

func mustParse(t *testing.T, data []byte) *spec.File {
	t.Helper()
	f, err := spec.Parse(data)
	if err != nil {
		t.Fatalf("Parse:\n%s\nunexpected error: %v", data, err)
	}
	if f == nil {
		t.Fatalf("Parse:\n%s\nreturned a nil File and no error", data)
	}
	return f
}

func mustTarget(t *testing.T, f *spec.File, name string) *spec.Target {
	t.Helper()
	tg := f.Target(name)
	if tg == nil {
		t.Fatalf("no target %q; targets: %v", name, targetNames(f))
	}
	return tg
}

func targetNames(f *spec.File) []string {
	var names []string
	for _, t := range f.Targets {
		names = append(names, t.Name)
	}
	return names
}

// parseErrors parses data, which must fail, and returns its spec.Errors.
func parseErrors(t *testing.T, data []byte) spec.Errors {
	t.Helper()
	f, err := spec.Parse(data)
	if err == nil {
		t.Fatalf("Parse:\n%s\nwant an error, got none", data)
	}
	if f != nil {
		t.Errorf("Parse returned a File together with an error")
	}
	var es spec.Errors
	if !errors.As(err, &es) {
		t.Fatalf("Parse error is %T (%v), want spec.Errors", err, err)
	}
	if len(es) == 0 {
		t.Fatalf("Parse returned empty spec.Errors")
	}
	return es
}

func TestParseMinimal(t *testing.T) {
	f := mustParse(t, src("slimfile: 1"))
	if f.Go != "" || f.Toolchain != "" {
		t.Errorf("Go, Toolchain = %q, %q; want both empty (from go.mod)", f.Go, f.Toolchain)
	}
	if f.Module != "." {
		t.Errorf("Module = %q, want \".\"", f.Module)
	}
	if len(f.Args) != 0 {
		t.Errorf("Args = %+v, want none", f.Args)
	}
	if len(f.Targets) != 1 {
		t.Fatalf("targets = %v, want exactly [default]", targetNames(f))
	}
	tg := f.Targets[0]
	if tg.Name != spec.DefaultTarget || spec.DefaultTarget != "default" {
		t.Errorf("target name = %q, want \"default\"", tg.Name)
	}
	if f.Target("default") != tg {
		t.Errorf("File.Target(\"default\") does not return the default target")
	}
	if f.Target("nope") != nil {
		t.Errorf("File.Target(\"nope\") != nil")
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"main", tg.Mains[0].Package, "."},
		{"binary", tg.Binary, ""},
		{"platforms", len(tg.Platforms), 0},
		{"build.cgo", tg.Build.CGO, false},
		{"build.strip", tg.Build.Strip, true},
		{"build.trimpath", tg.Build.Trimpath, true},
		{"build.compress", tg.Build.Compress, "none"},
		{"build.tags", len(tg.Build.Tags), 0},
		{"build.ldflags", len(tg.Build.Ldflags), 0},
		{"build.gcflags", len(tg.Build.Gcflags), 0},
		{"build.env", len(tg.Build.Env), 0},
		{"build.private", len(tg.Build.Private), 0},
		{"build.goproxy", tg.Build.Goproxy, ""},
		{"image.base", tg.Image.Base, "scratch"},
		{"image.user", tg.Image.User, "nonroot"},
		{"image.certs", tg.Image.Certs, true},
		{"image.tzdata", tg.Image.Tzdata, true},
		{"image.files", len(tg.Image.Files), 0},
		{"image.env", len(tg.Image.Env), 0},
		{"image.expose", len(tg.Image.Expose), 0},
		{"image.workdir", tg.Image.Workdir, "/"},
		{"image.entrypoint", len(tg.Image.Entrypoint), 0},
		{"image.cmd", len(tg.Image.Cmd), 0},
		{"image.labels", len(tg.Image.Labels), 0},
		{"image.annotations", len(tg.Image.Annotations), 0},
		{"image.stopsignal", tg.Image.Stopsignal, ""},
		{"security.seccomp", tg.Security.Seccomp, "default"},
		{"security.apparmor", tg.Security.Apparmor, "default"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
		}
	}
	if _, ok := tg.Pos(&tg.Mains[0].Package); ok {
		t.Errorf("Pos(main) reported a position for a key that was not written")
	}
	if r, ok := f.Pos(&f.Version); !ok || r.Line != 1 || r.Column != 11 {
		t.Errorf("Pos(slimfile) = %+v, %v; want line 1 column 11", r, ok)
	}
	if r := tg.Where(&tg.Mains[0].Package); r.Line != 1 || r.Column != 11 {
		t.Errorf("Where(main) = %+v; want the slimfile line, line 1 column 11", r)
	}
}

// full sets every key a Slimfile has.
var full = src(
	"slimfile: 1",    // 1
	"go: \"1.26.1\"", // 2
	"toolchain: registry.example/golang:1.26", // 3
	"module: ./svc/",                         // 4
	"main: cmd/api/",                         // 5
	"binary: api-server",                     // 6
	"platforms: [linux/amd64, linux/arm/v7]", // 7
	"args:",                                  // 8
	"  VERSION: dev",                         // 9
	"build:",                                 // 10
	"  cgo: false",                           // 11
	"  tags: [netgo, osusergo]",              // 12
	"  ldflags: [\"-X main.version=${VERSION}\"]", // 13
	"  gcflags: [\"all=-N\", \"-l\"]",             // 14
	"  env:",                                      // 15
	"    GOFLAGS: -mod=mod",                       // 16
	"    GOEXPERIMENT: loopvar",                   // 17
	"  strip: false",                              // 18
	"  trimpath: false",                           // 19
	"  compress: upx",                             // 20
	"  private: [example.com/private/*]",          // 21
	"  goproxy: https://proxy.example",            // 22
	"image:",                                      // 23
	"  base: gcr.io/distroless/static:nonroot",    // 24
	"  user: \"1000:1000\"",                       // 25
	"  certs: false",                              // 26
	"  tzdata: false",                             // 27
	"  files:",                                    // 28
	"    - {src: config/app.yaml, dst: /etc/app/app.yaml, mode: \"0640\"}",
	"    - src: static",
	"      dst: /srv/static",
	"  env: {APP_ENV: prod, EMPTY: \"\"}",
	"  expose: [\"8080\", 53/udp]",
	"  workdir: /srv",
	"  entrypoint: [/usr/local/bin/api-server, --serve]",
	"  cmd: [--port, \"8080\"]",
	"  labels: {org.example.team: platform}",
	"  annotations: {org.example.note: hello}",
	"  stopsignal: SIGINT",
	"security:",
	"  seccomp: docker",
	"  apparmor: profiles/app.apparmor",
)

func TestParseEveryKey(t *testing.T) {
	f := mustParse(t, full)
	if f.Go != "1.26.1" {
		t.Errorf("Go = %q", f.Go)
	}
	if f.Toolchain != "registry.example/golang:1.26" {
		t.Errorf("Toolchain = %q", f.Toolchain)
	}
	if f.Module != "svc" {
		t.Errorf("Module = %q, want the cleaned path \"svc\"", f.Module)
	}
	if want := []spec.Arg{{Name: "VERSION", Default: "dev"}}; !argsEqual(f.Args, want) {
		t.Errorf("Args = %+v, want %+v", f.Args, want)
	}
	tg := mustTarget(t, f, "default")
	if tg.Mains[0].Package != "./cmd/api" {
		t.Errorf("Main = %q, want \"./cmd/api\"", tg.Mains[0].Package)
	}
	if tg.Binary != "api-server" {
		t.Errorf("Binary = %q", tg.Binary)
	}
	if want := []string{"linux/amd64", "linux/arm/v7"}; !reflect.DeepEqual(tg.Platforms, want) {
		t.Errorf("Platforms = %q, want %q", tg.Platforms, want)
	}
	wantBuild := spec.Build{
		CGO:      false,
		Tags:     []string{"netgo", "osusergo"},
		Ldflags:  []string{"-X main.version=${VERSION}"},
		Gcflags:  []string{"all=-N", "-l"},
		Env:      map[string]string{"GOFLAGS": "-mod=mod", "GOEXPERIMENT": "loopvar"},
		Strip:    false,
		Trimpath: false,
		Compress: "upx",
		Private:  []string{"example.com/private/*"},
		Goproxy:  "https://proxy.example",
	}
	if !reflect.DeepEqual(tg.Build, wantBuild) {
		t.Errorf("Build =\n%+v\nwant\n%+v", tg.Build, wantBuild)
	}
	wantImage := spec.Image{
		Base:   "gcr.io/distroless/static:nonroot",
		User:   "1000:1000",
		Certs:  false,
		Tzdata: false,
		Files: []spec.FileCopy{
			{Src: "config/app.yaml", Dst: "/etc/app/app.yaml", Mode: 0o640},
			{Src: "static", Dst: "/srv/static", Mode: 0},
		},
		Env:         map[string]string{"APP_ENV": "prod", "EMPTY": ""},
		Expose:      []string{"8080", "53/udp"},
		Workdir:     "/srv",
		Entrypoint:  []string{"/usr/local/bin/api-server", "--serve"},
		Cmd:         []string{"--port", "8080"},
		Labels:      map[string]string{"org.example.team": "platform"},
		Annotations: map[string]string{"org.example.note": "hello"},
		Stopsignal:  "SIGINT",
	}
	if !reflect.DeepEqual(tg.Image, wantImage) {
		t.Errorf("Image =\n%+v\nwant\n%+v", tg.Image, wantImage)
	}
	if want := (spec.Security{Seccomp: "docker", Apparmor: "profiles/app.apparmor", Vulns: spec.Vulns{Mode: "warn"}}); !reflect.DeepEqual(tg.Security, want) {
		t.Errorf("Security = %+v, want %+v", tg.Security, want)
	}

	// Every value keeps its position.
	positions := []struct {
		key       string
		at        func() (spec.Range, bool)
		line, col int
	}{
		{"main", func() (spec.Range, bool) { return tg.Pos(&tg.Mains[0].Package) }, 5, 7},
		{"platforms[1]", func() (spec.Range, bool) { return tg.Pos(&tg.Platforms[1]) }, 7, 26},
		{"build.env.GOEXPERIMENT", func() (spec.Range, bool) { return tg.Pos(&tg.Build.Env, "GOEXPERIMENT") }, 17, 19},
		{"build.strip", func() (spec.Range, bool) { return tg.Pos(&tg.Build.Strip) }, 18, 10},
		{"image.user", func() (spec.Range, bool) { return tg.Pos(&tg.Image.User) }, 25, 9},
		{"image.expose[1]", func() (spec.Range, bool) { return tg.Pos(&tg.Image.Expose[1]) }, 33, 20},
		{"image.files[0].dst", func() (spec.Range, bool) { return tg.Pos(&tg.Image.Files[0].Dst) }, 29, 35},
		{"security.apparmor", func() (spec.Range, bool) { return tg.Pos(&tg.Security.Apparmor) }, 42, 13},
	}
	for _, p := range positions {
		r, ok := p.at()
		if !ok || r.Line != p.line || r.Column != p.col {
			t.Errorf("Pos(%s) = %+v, %v; want line %d column %d", p.key, r, ok, p.line, p.col)
		}
	}
}

func TestParseValueForms(t *testing.T) {
	tests := []struct {
		name  string
		data  []byte
		check func(t *testing.T, f *spec.File)
	}{
		{
			name: "main is cleaned into a ./ directory path",
			data: src("slimfile: 1", "main: ./cmd//api/"),
			check: func(t *testing.T, f *spec.File) {
				if got := f.Targets[0].Mains[0].Package; got != "./cmd/api" {
					t.Errorf("Main = %q", got)
				}
			},
		},
		{
			name: "main ./ is the module root",
			data: src("slimfile: 1", "main: ./"),
			check: func(t *testing.T, f *spec.File) {
				if got := f.Targets[0].Mains[0].Package; got != "." {
					t.Errorf("Main = %q", got)
				}
			},
		},
		{
			name: "file mode written as a YAML octal number",
			data: src("slimfile: 1", "image:", "  files: [{src: a, dst: /a, mode: 0755}]"),
			check: func(t *testing.T, f *spec.File) {
				if got := f.Targets[0].Image.Files[0].Mode; got != 0o755 {
					t.Errorf("Mode = %o, want 755", got)
				}
			},
		},
		{
			name: "numeric user and uid only",
			data: src("slimfile: 1", "image:", "  user: 1234"),
			check: func(t *testing.T, f *spec.File) {
				if got := f.Targets[0].Image.User; got != "1234" {
					t.Errorf("User = %q", got)
				}
			},
		},
		{
			name: "security none and a profile path",
			data: src("slimfile: 1", "security: {seccomp: none, apparmor: none}"),
			check: func(t *testing.T, f *spec.File) {
				if got := f.Targets[0].Security; got.Seccomp != "none" || got.Apparmor != "none" {
					t.Errorf("Security = %+v", got)
				}
			},
		},
		{
			name: "YAML anchors and aliases",
			data: src("slimfile: 1", "build:", "  tags: &tags [a, b]", "targets:", "  x:", "    build: {gcflags: *tags}"),
			check: func(t *testing.T, f *spec.File) {
				if got := f.Targets[0].Build.Gcflags; !reflect.DeepEqual(got, []string{"a", "b"}) {
					t.Errorf("Gcflags = %q", got)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, mustParse(t, tc.data))
		})
	}
}

func TestParseTargetsInherit(t *testing.T) {
	f := mustParse(t, src(
		"slimfile: 1",                           // 1
		"main: ./cmd/server",                    // 2
		"platforms: [linux/amd64, linux/arm64]", // 3
		"build:",                                // 4
		"  tags: [netgo]",                       // 5
		"  env: {A: top-a, B: top-b}",           // 6
		"  strip: false",                        // 7
		"image:",                                // 8
		"  expose: [\"8080\"]",                  // 9
		"  labels: {team: core, tier: backend}", // 10
		"targets:",                              // 11
		"  api:",                                // 12
		"    main: ./cmd/api",                   // 13
		"    platforms: [linux/arm/v7]",         // 14
		"    build:",                            // 15
		"      tags: [purego]",                  // 16
		"      env: {B: api-b, C: api-c}",       // 17
		"    image:",                            // 18
		"      labels: {tier: frontend}",        // 19
		"  worker:",                             // 20
		"  tool:",                               // 21
		"    binary: tool",                      // 22
		"    image: {user: root, expose: []}",   // 23
		"    security: {seccomp: profiles/tool.json}", // 24
	))
	if got, want := targetNames(f), []string{"api", "worker", "tool"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("targets = %q, want %q (file order, no default)", got, want)
	}

	api := mustTarget(t, f, "api")
	if api.Mains[0].Package != "./cmd/api" {
		t.Errorf("api.Mains[0].Package = %q", api.Mains[0].Package)
	}
	if want := []string{"linux/arm/v7"}; !reflect.DeepEqual(api.Platforms, want) {
		t.Errorf("api.Platforms = %q, want %q (lists replace)", api.Platforms, want)
	}
	if want := []string{"purego"}; !reflect.DeepEqual(api.Build.Tags, want) {
		t.Errorf("api.Build.Tags = %q, want %q (lists replace)", api.Build.Tags, want)
	}
	if want := map[string]string{"A": "top-a", "B": "api-b", "C": "api-c"}; !maps.Equal(api.Build.Env, want) {
		t.Errorf("api.Build.Env = %v, want %v (maps merge key by key)", api.Build.Env, want)
	}
	if api.Build.Strip {
		t.Errorf("api.Build.Strip = true, want the inherited false")
	}
	if want := map[string]string{"team": "core", "tier": "frontend"}; !maps.Equal(api.Image.Labels, want) {
		t.Errorf("api.Image.Labels = %v, want %v", api.Image.Labels, want)
	}
	if want := []string{"8080"}; !reflect.DeepEqual(api.Image.Expose, want) {
		t.Errorf("api.Image.Expose = %q, want inherited %q", api.Image.Expose, want)
	}
	if api.Defined.Line != 12 || api.Defined.Column != 3 {
		t.Errorf("api.Defined = %+v, want line 12 column 3", api.Defined)
	}

	worker := mustTarget(t, f, "worker")
	if worker.Mains[0].Package != "./cmd/server" {
		t.Errorf("worker.Mains[0].Package = %q, want the inherited ./cmd/server", worker.Mains[0].Package)
	}
	if want := []string{"linux/amd64", "linux/arm64"}; !reflect.DeepEqual(worker.Platforms, want) {
		t.Errorf("worker.Platforms = %q, want %q", worker.Platforms, want)
	}
	if want := map[string]string{"A": "top-a", "B": "top-b"}; !maps.Equal(worker.Build.Env, want) {
		t.Errorf("worker.Build.Env = %v, want %v", worker.Build.Env, want)
	}
	if worker.Image.User != "nonroot" || worker.Security.Seccomp != "default" {
		t.Errorf("worker does not keep the defaults: user %q seccomp %q", worker.Image.User, worker.Security.Seccomp)
	}

	tool := mustTarget(t, f, "tool")
	if tool.Binary != "tool" || tool.Mains[0].Package != "./cmd/server" {
		t.Errorf("tool binary/main = %q/%q", tool.Binary, tool.Mains[0].Package)
	}
	if tool.Image.User != "root" {
		t.Errorf("tool.Image.User = %q", tool.Image.User)
	}
	if len(tool.Image.Expose) != 0 {
		t.Errorf("tool.Image.Expose = %q, want the empty list that replaced the top-level one", tool.Image.Expose)
	}
	if want := map[string]string{"team": "core", "tier": "backend"}; !maps.Equal(tool.Image.Labels, want) {
		t.Errorf("tool.Image.Labels = %v, want %v", tool.Image.Labels, want)
	}
	if tool.Security.Seccomp != "profiles/tool.json" || tool.Security.Apparmor != "default" {
		t.Errorf("tool.Security = %+v", tool.Security)
	}
	// The top-level values are not changed by the targets.
	if worker.Build.Env["B"] != "top-b" || len(worker.Build.Tags) != 1 || worker.Build.Tags[0] != "netgo" {
		t.Errorf("worker.Build = %+v: a target's values leaked into another", worker.Build)
	}

	// Positions: a target's own values, and the top-level values it inherits.
	positions := []struct {
		target    *spec.Target
		key       string
		at        func(t *spec.Target) (spec.Range, bool)
		line, col int
	}{
		{api, "main", func(t *spec.Target) (spec.Range, bool) { return t.Pos(&t.Mains[0].Package) }, 13, 11},
		{api, "build.env.B", func(t *spec.Target) (spec.Range, bool) { return t.Pos(&t.Build.Env, "B") }, 17, 16},
		{api, "build.env.A", func(t *spec.Target) (spec.Range, bool) { return t.Pos(&t.Build.Env, "A") }, 6, 12},
		{worker, "main", func(t *spec.Target) (spec.Range, bool) { return t.Pos(&t.Mains[0].Package) }, 2, 7},
		{worker, "platforms[1]", func(t *spec.Target) (spec.Range, bool) { return t.Pos(&t.Platforms[1]) }, 3, 26},
		{tool, "image.user", func(t *spec.Target) (spec.Range, bool) { return t.Pos(&t.Image.User) }, 23, 19},
		{tool, "image.labels", func(t *spec.Target) (spec.Range, bool) { return t.Pos(&t.Image.Labels) }, 10, 11},
	}
	for _, p := range positions {
		r, ok := p.at(p.target)
		if !ok || r.Line != p.line || r.Column != p.col {
			t.Errorf("Pos(%s, %s) = %+v, %v; want line %d column %d", p.target.Name, p.key, r, ok, p.line, p.col)
		}
	}
}

func TestParseVulns(t *testing.T) {
	f := mustParse(t, src(
		"slimfile: 1",
		"security:",
		"  vulns: fail",
		"targets:",
		"  api:",
		"  worker:",
		"    security:",
		"      vulns:",
		"        ignore:",
		"          - {id: GO-2022-1059, reason: the header parser is never reached with user input}",
		"  dev:",
		"    security: {vulns: off}",
	))
	api, worker, dev := mustTarget(t, f, "api"), mustTarget(t, f, "worker"), mustTarget(t, f, "dev")
	if api.Security.Vulns.Mode != "fail" || api.Security.Vulns.Ignore != nil {
		t.Errorf("api: Vulns = %+v, want the top level's mode fail alone", api.Security.Vulns)
	}
	// A mapping merges key by key with the top level's single value.
	want := spec.Vulns{Mode: "fail", Ignore: []spec.VulnIgnore{{ID: "GO-2022-1059", Reason: "the header parser is never reached with user input"}}}
	if !reflect.DeepEqual(worker.Security.Vulns, want) {
		t.Errorf("worker: Vulns = %+v, want %+v", worker.Security.Vulns, want)
	}
	if dev.Security.Vulns.Mode != "off" {
		t.Errorf("dev: Vulns.Mode = %q, want off", dev.Security.Vulns.Mode)
	}
	// The single value is where the mode was written.
	for _, c := range []struct {
		tg        *spec.Target
		field     any
		line, col int
	}{
		{api, &api.Security.Vulns.Mode, 3, 10},
		{api, &api.Security.Vulns, 3, 10},
		{worker, &worker.Security.Vulns.Mode, 3, 10},
		{worker, &worker.Security.Vulns.Ignore[0].ID, 10, 18},
		{dev, &dev.Security.Vulns.Mode, 12, 23},
	} {
		r, ok := c.tg.Pos(c.field)
		if !ok || r.Line != c.line || r.Column != c.col {
			t.Errorf("%s: Pos(%s) = %+v, %v; want %d:%d", c.tg.Name, c.tg.Key(c.field), r, ok, c.line, c.col)
		}
	}
	// Not written: the default, at the slimfile line.
	d := mustTarget(t, mustParse(t, src("slimfile: 1")), spec.DefaultTarget)
	if d.Security.Vulns.Mode != "warn" {
		t.Errorf("default Vulns.Mode = %q, want warn", d.Security.Vulns.Mode)
	}
	if _, ok := d.Pos(&d.Security.Vulns.Mode); ok {
		t.Errorf("default Vulns.Mode has a position")
	}
}

// TestParseHealthcheck: a target's health check replaces the top
// level's (one way to check, not a mix of two), and its values keep their
// positions.
func TestParseHealthcheck(t *testing.T) {
	f := mustParse(t, src(
		"slimfile: 1",
		"image:",
		"  healthcheck: {http: \"http://localhost:8080/healthz\", interval: 10s}",
		"  ca: [certs/corp.pem]",
		"targets:",
		"  api:",
		"  worker:",
		"    image:",
		"      healthcheck: {tcp: \"127.0.0.1:9000\", retries: 3}",
	))
	api, worker := mustTarget(t, f, "api"), mustTarget(t, f, "worker")
	if h := api.Image.Healthcheck; h.HTTP != "http://localhost:8080/healthz" || h.Interval != "10s" || h.TCP != "" {
		t.Errorf("api: %+v", h)
	}
	if h := worker.Image.Healthcheck; h.TCP != "127.0.0.1:9000" || h.HTTP != "" || h.Interval != "" || h.Retries != 3 {
		t.Errorf("worker: %+v, want the target's own health check alone", h)
	}
	if !reflect.DeepEqual(worker.Image.CA, []string{"certs/corp.pem"}) {
		t.Errorf("worker's ca %v", worker.Image.CA)
	}
	if r, ok := worker.Pos(&worker.Image.Healthcheck.TCP); !ok || r.Line != 9 {
		t.Errorf("tcp at %+v %v", r, ok)
	}
	a, err := spec.HealthAddr("localhost:8080", 80)
	if err != nil || a.String() != "127.0.0.1:8080" {
		t.Errorf("HealthAddr(localhost:8080) = %v, %v", a, err)
	}
}

func TestParseSyntaxComments(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"first line", src("# syntax=registry.example/slimfile:1", "slimfile: 1", "main: ./cmd/server")},
		{"after a blank line", src("", "# syntax = docker.io/slimfile/slimfile:1", "slimfile: 1")},
		{"between keys", src("slimfile: 1", "# syntax=registry.example/slimfile:1", "main: ./cmd/server")},
		{"inside a mapping", src("slimfile: 1", "build:", "  # syntax=registry.example/slimfile:1", "  strip: true")},
		{"last line", src("slimfile: 1", "main: ./cmd/server", "# syntax=registry.example/slimfile:1")},
		{"trailing comment", src("slimfile: 1 # syntax=registry.example/slimfile:1")},
		{"with a directive line", src("# syntax=registry.example/slimfile:1", "# check=error=true", "slimfile: 1")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, tc.data)
			if len(f.Targets) != 1 || f.Targets[0].Name != "default" {
				t.Errorf("targets = %v", targetNames(f))
			}
			if string(f.Source) != string(tc.data) {
				t.Errorf("Source is not the Slimfile text")
			}
		})
	}
}

func argsEqual(got, want []spec.Arg) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].Name != want[i].Name || got[i].Default != want[i].Default || got[i].Description != want[i].Description {
			return false
		}
	}
	return true
}

func TestParseArgs(t *testing.T) {
	f := mustParse(t, src(
		"# syntax=registry.example/slimfile:1",  // 1
		"slimfile: 1",                           // 2
		"args:",                                 // 3
		"  # The version stamped into the",      // 4
		"  # binary.",                           // 5
		"  VERSION: dev",                        // 6
		"  REGISTRY: \"\"",                      // 7
		"  #Port to listen on",                  // 8
		"  PORT: 8080",                          // 9
		"  EMPTY:",                              // 10
		"  DEBUG: false",                        // 11
		"main: ./cmd/${REGISTRY}x",              // 12
		"build:",                                // 13
		"  ldflags: [\"-X main.v=${VERSION}\"]", // 14
		"image:",                                // 15
		"  expose: [\"${PORT}\"]",               // 16
		"  env: {DEBUG: \"${DEBUG}\", COST: \"$$5\", ARCH: \"${TARGETARCH}${TARGETVARIANT}\"}",
	))
	want := []spec.Arg{
		{Name: "VERSION", Default: "dev", Description: "The version stamped into the binary."},
		{Name: "REGISTRY", Default: ""},
		{Name: "PORT", Default: "8080", Description: "Port to listen on"},
		{Name: "EMPTY", Default: ""},
		{Name: "DEBUG", Default: "false"},
	}
	if !argsEqual(f.Args, want) {
		t.Errorf("Args =\n%+v\nwant\n%+v", f.Args, want)
	}
	if len(f.Args) > 0 && (f.Args[0].Pos.Line != 6 || f.Args[0].Pos.Column != 3) {
		t.Errorf("Args[0].Pos = %+v, want line 6 column 3", f.Args[0].Pos)
	}
	// References are kept unexpanded until a build expands them.
	tg := f.Targets[0]
	if tg.Image.Expose[0] != "${PORT}" || tg.Build.Ldflags[0] != "-X main.v=${VERSION}" {
		t.Errorf("references were expanded at parse time: %q %q", tg.Image.Expose, tg.Build.Ldflags)
	}
}

// wantErr is one expected error: its exact position and part of its message.
type wantErr struct {
	line, col int
	msg       string
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want []wantErr
	}{
		{
			name: "unknown top-level key suggests the nearest",
			data: src("slimfile: 1", "mian: ."),
			want: []wantErr{{2, 1, `unknown key "mian"; did you mean "main"?`}},
		},
		{
			name: "unknown key in capitals suggests the key",
			data: src("slimfile: 1", "Main: ."),
			want: []wantErr{{2, 1, `did you mean "main"?`}},
		},
		{
			name: "main as an empty list",
			data: src("slimfile: 1", "main: []"),
			want: []wantErr{{2, 7, "main must name at least one package"}},
		},
		{
			name: "a main entry that is a pattern",
			data: src("slimfile: 1", "main: [./cmd/api, ./cmd/...]"),
			want: []wantErr{{2, 19, "is a package pattern"}},
		},
		{
			name: "a main entry without its package",
			data: src("slimfile: 1", "main:", "  - ./cmd/api", "  - {binary: migrate}"),
			want: []wantErr{{4, 5, `main[1] needs "package"`}},
		},
		{
			name: "a main entry with a binary name that is a path",
			data: src("slimfile: 1", "main:", "  - {package: ./cmd/migrate, binary: bin/migrate}"),
			want: []wantErr{{3, 38, `"bin/migrate" is not a file name`}},
		},
		{
			name: "a main entry that is a list",
			data: src("slimfile: 1", "main: [[./cmd/api]]"),
			want: []wantErr{{2, 8, "must be a mapping"}},
		},
		{
			name: "unknown nested key suggests with its prefix",
			data: src("slimfile: 1", "build:", "  tgas: [a]"),
			want: []wantErr{{3, 3, `unknown key "build.tgas"; did you mean "build.tags"?`}},
		},
		{
			name: "unknown key with nothing near lists the valid keys",
			data: src("slimfile: 1", "security:", "  xyzzyxyzzy: on"),
			want: []wantErr{{3, 3, `unknown key "security.xyzzyxyzzy"; valid keys here: apparmor, seccomp, vulns`}},
		},
		{
			name: "a vulnerability gate mode that is none of the three",
			data: src("slimfile: 1", "security:", "  vulns: block"),
			want: []wantErr{{3, 10, `must be one of "warn", "fail", "off"`}},
		},
		{
			name: "a vulnerability gate that is a list",
			data: src("slimfile: 1", "security:", "  vulns: [fail]"),
			want: []wantErr{{3, 10, `security.vulns must be one of "warn", "fail", "off", or a mapping with keys ignore, mode`}},
		},
		{
			name: "ignored vulnerabilities without a reason, with an empty one, with malformed IDs",
			data: src("slimfile: 1", "security:", "  vulns:", "    mode: fail", "    ignore:",
				"      - {id: GO-2024-2687}",
				"      - {id: CVE-2024-24786, reason: \"  \"}",
				"      - {id: GO-24-1, reason: typo}",
				"      - {id: GHSA-8r3f-844c-mc3, reason: short}",
				"      - id: go-2024-2687",
				"        reason: lower case"),
			want: []wantErr{
				{6, 9, `security.vulns.ignore[0] needs "reason"`},
				{7, 38, "the reason must say why"},
				{8, 14, `"GO-24-1" is not a vulnerability ID`},
				{9, 14, `"GHSA-8r3f-844c-mc3" is not a vulnerability ID`},
				{10, 13, `"go-2024-2687" is not a vulnerability ID`},
			},
		},
		{
			name: "health checks that dial out, speak TLS, give two ways or none, or take no time",
			data: src("slimfile: 1", "targets:",
				"  a: {image: {healthcheck: {http: \"http://example.com/healthz\"}}}",
				"  b: {image: {healthcheck: {http: \"https://127.0.0.1/healthz\"}}}",
				"  c: {image: {healthcheck: {tcp: \"10.0.0.1:9000\"}}}",
				"  d: {image: {healthcheck: {tcp: \"127.0.0.1:9000\", exec: [/bin/x]}}}",
				"  e: {image: {healthcheck: {interval: 30s}}}",
				"  f: {image: {healthcheck: {tcp: \"[::1]:9000\", interval: 30, timeout: -1s, retries: 0}}}",
				"  g: {image: {healthcheck: {tcp: \"localhost:http\"}}}"),
			want: []wantErr{
				{3, 35, "a health check must stay on loopback"},
				{4, 35, "the probe speaks plain http://"},
				{5, 34, "a health check must stay on loopback"},
				{6, 28, "image.healthcheck: give exactly one of http, tcp, exec"},
				{7, 28, "image.healthcheck: give exactly one of http, tcp, exec"},
				{8, 58, `"30" is not a duration`},
				{8, 71, `"-1s" is not a duration`},
				{8, 85, "retries 0: want a count of 1 or more"},
				{9, 34, `port "http" is not a port number`},
			},
		},
		{
			name: "top-level only key inside a target",
			data: src("slimfile: 1", "targets:", "  api:", "    module: ./x"),
			want: []wantErr{{4, 5, `unknown key "targets.api.module"`}},
		},
		{
			name: "a second YAML document",
			data: src("slimfile: 1", "---", "image: {user: root}"),
			want: []wantErr{{3, 1, "a Slimfile is one YAML document"}},
		},
		{
			name: "build tags that -tags would split",
			data: src("slimfile: 1", "build:", "  tags: [netgo, \"a,b\", \"x y\"]"),
			want: []wantErr{{3, 17, `"a,b" is not a build tag`}, {3, 24, `"x y" is not a build tag`}},
		},
		{
			name: "private patterns that GOPRIVATE would split",
			data: src("slimfile: 1", "build:", "  private: [\"example.com/a,example.com/b\", \"example.com/[\"]"),
			want: []wantErr{{3, 13, "is not a module pattern such as"}, {3, 44, "is not a module pattern: syntax error"}},
		},
		{
			name: "an always-defined arg declared",
			data: src("slimfile: 1", "args:", "  TARGETARCH: s390x"),
			want: []wantErr{{3, 3, "args: TARGETARCH is always defined"}},
		},
		{
			name: "build.env setting what the frontend derives",
			data: src("slimfile: 1", "build:", "  env:", "    GOOS: windows", "    CGO_ENABLED: \"1\"", "    GOTOOLCHAIN: auto", "    GOAMD64: v3"),
			want: []wantErr{
				{4, 5, "build.env: GOOS is set by the frontend, from the platform being built"},
				{5, 5, "build.env: CGO_ENABLED is set by the frontend, from build.cgo"},
				{6, 5, "build.env: GOTOOLCHAIN is set by the frontend"},
				{7, 5, "build.env: GOAMD64 is set by the frontend, from the platform's variant"},
			},
		},
		{
			name: "GOFLAGS with -toolexec",
			data: src("slimfile: 1", "build:", "  env: {GOFLAGS: \"-mod=mod -toolexec=/bin/x\"}"),
			want: []wantErr{{3, 9, "-toolexec would run a program"}},
		},
		{
			name: "toolchain scratch",
			data: src("slimfile: 1", "toolchain: scratch"),
			want: []wantErr{{2, 12, "scratch has no Go toolchain"}},
		},
		{
			name: "platforms as a string",
			data: src("slimfile: 1", "platforms: linux/amd64"),
			want: []wantErr{{2, 12, "platforms must be a list"}},
		},
		{
			name: "strip as a string",
			data: src("slimfile: 1", "build:", "  strip: \"yes\""),
			want: []wantErr{{3, 10, "build.strip must be true or false"}},
		},
		{
			name: "strip as a quoted boolean",
			data: src("slimfile: 1", "build:", "  strip: 'true'"),
			want: []wantErr{{3, 10, "build.strip must be true or false"}},
		},
		{
			name: "build as a list",
			data: src("slimfile: 1", "build: [cgo]"),
			want: []wantErr{{2, 8, "build must be a mapping with keys"}},
		},
		{
			name: "env as a list",
			data: src("slimfile: 1", "image:", "  env: [A=1]"),
			want: []wantErr{{3, 8, "image.env must be a mapping of names to values"}},
		},
		{
			name: "map value that is a list",
			data: src("slimfile: 1", "image:", "  labels:", "    a: [1]"),
			want: []wantErr{{4, 8, "image.labels.a must be a single value"}},
		},
		{
			name: "list element that is a mapping",
			data: src("slimfile: 1", "build:", "  tags:", "    - {a: b}"),
			want: []wantErr{{4, 7, "build.tags[0] must be a single value"}},
		},
		{
			name: "bad platform",
			data: src("slimfile: 1", "platforms: [linux/amd64, foo/bar/baz/qux]"),
			want: []wantErr{{2, 26, `"foo/bar/baz/qux" is not a platform`}},
		},
		{
			name: "non-linux platform",
			data: src("slimfile: 1", "targets:", "  win:", "    platforms:", "      - windows/amd64"),
			want: []wantErr{{5, 9, `"windows/amd64": v1 builds linux images only`}},
		},
		{
			name: "port out of range",
			data: src("slimfile: 1", "image:", "  expose: [\"8080\", \"70000\"]"),
			want: []wantErr{{3, 20, "port 70000 is out of range 1-65535"}},
		},
		{
			name: "port that is not a number",
			data: src("slimfile: 1", "image:", "  expose:", "    - http"),
			want: []wantErr{{4, 7, `"http" is not a port`}},
		},
		{
			name: "port with a bad protocol",
			data: src("slimfile: 1", "image:", "  expose: [80/sctp]"),
			want: []wantErr{{3, 12, `"80/sctp" is not a port`}},
		},
		{
			name: "bad user",
			data: src("slimfile: 1", "image:", "  user: nobody"),
			want: []wantErr{{3, 9, `"nobody" must be "nonroot", "root" or uid[:gid]`}},
		},
		{
			name: "bad user name:group",
			data: src("slimfile: 1", "image:", "  user: \"app:app\""),
			want: []wantErr{{3, 9, `"app:app" must be`}},
		},
		{
			name: "cgo not a bool, in a target",
			data: src("slimfile: 1", "targets:", "  a:", "    build: {cgo: sometimes}"),
			want: []wantErr{{4, 18, "build.cgo must be true or false"}},
		},
		{
			name: "compress with an unknown packer",
			data: src("slimfile: 1", "build:", "  compress: gzip"),
			want: []wantErr{{3, 13, `must be one of "none", "upx"`}},
		},
		{
			name: "missing slimfile",
			data: src("main: ./cmd/server"),
			want: []wantErr{{1, 1, `the key "slimfile: 1" is required`}},
		},
		{
			name: "missing slimfile after a syntax line",
			data: src("# syntax=registry.example/slimfile:1", "main: ."),
			want: []wantErr{{2, 1, `the key "slimfile: 1" is required`}},
		},
		{
			name: "slimfile 2",
			data: src("slimfile: 2"),
			want: []wantErr{{1, 11, "slimfile: 2 is not a known format version; only 1 exists"}},
		},
		{
			name: "slimfile as a string",
			data: src("slimfile: \"1\""),
			want: []wantErr{{1, 11, "slimfile must be a whole number"}},
		},
		{
			name: "empty file",
			data: []byte(""),
			want: []wantErr{{1, 1, "the Slimfile is empty"}},
		},
		{
			name: "document that is not a mapping",
			data: src("# syntax=registry.example/slimfile:1", "- slimfile: 1"),
			want: []wantErr{{2, 1, "a Slimfile is a YAML mapping"}},
		},
		{
			name: "duplicate top-level key",
			data: src("slimfile: 1", "main: ./a", "main: ./b"),
			want: []wantErr{{3, 1, `key "main" is set twice`}},
		},
		{
			name: "duplicate nested key",
			data: src("slimfile: 1", "image:", "  user: root", "  certs: false", "  user: nonroot"),
			want: []wantErr{{5, 3, `key "image.user" is set twice`}},
		},
		{
			name: "duplicate map entry",
			data: src("slimfile: 1", "build:", "  env:", "    A: 1", "    A: 2"),
			want: []wantErr{{5, 5, `build.env: "A" is set twice`}},
		},
		{
			name: "duplicate target",
			data: src("slimfile: 1", "targets:", "  api: {main: ./a}", "  api: {main: ./b}"),
			want: []wantErr{{4, 3, `target "api" is defined twice`}},
		},
		{
			name: "undeclared arg",
			data: src("slimfile: 1", "main: ./cmd/${APP}"),
			want: []wantErr{{2, 7, "${APP} refers to an arg that is not declared"}},
		},
		{
			name: "undeclared arg in a target list",
			data: src("slimfile: 1", "args: {VERSION: dev}", "targets:", "  a:", "    build:", "      ldflags: [\"-X v=${VERSION}\", \"-X c=${COMMIT}\"]"),
			want: []wantErr{{6, 36, "${COMMIT} refers to an arg that is not declared"}},
		},
		{
			name: "undeclared arg suggests a declared one",
			data: src("slimfile: 1", "args: {VERSION: dev}", "main: ./cmd/${VERSON}"),
			want: []wantErr{{3, 7, "(or did you mean ${VERSION}?)"}},
		},
		{
			name: "platform args are always declared, others are not",
			data: src("slimfile: 1", "image:", "  env: {P: \"${TARGETPLATFORM}\", Q: \"${BUILDPLATFORM}\"}"),
			want: []wantErr{{3, 36, "${BUILDPLATFORM} refers to an arg that is not declared"}},
		},
		{
			name: "unterminated reference",
			data: src("slimfile: 1", "args: {A: x}", "main: ./${A"),
			want: []wantErr{{3, 7, "unterminated ${"}},
		},
		{
			name: "invalid reference",
			data: src("slimfile: 1", "main: ./${A-B}"),
			want: []wantErr{{2, 7, "${A-B} is not a valid reference"}},
		},
		{
			name: "arg default that refers to an arg",
			data: src("slimfile: 1", "args:", "  A: x", "  B: ${A}"),
			want: []wantErr{{4, 6, "arg defaults cannot refer to other args"}},
		},
		{
			name: "bad arg name",
			data: src("slimfile: 1", "args:", "  my-arg: x"),
			want: []wantErr{{3, 3, `"my-arg" is not a build arg name`}},
		},
		{
			name: "module escaping the context",
			data: src("slimfile: 1", "module: ../x"),
			want: []wantErr{{2, 9, `"../x" leaves the build context`}},
		},
		{
			name: "module escaping the context after cleaning",
			data: src("slimfile: 1", "module: a/../../x"),
			want: []wantErr{{2, 9, "leaves the build context"}},
		},
		{
			name: "absolute main",
			data: src("slimfile: 1", "main: /src/cmd"),
			want: []wantErr{{2, 7, "must be relative to the build context"}},
		},
		{
			name: "main as a package pattern",
			data: src("slimfile: 1", "main: ./cmd/..."),
			want: []wantErr{{2, 7, "is a package pattern"}},
		},
		{
			name: "file source escaping the context",
			data: src("slimfile: 1", "image:", "  files:", "    - {src: ../secret, dst: /etc/secret}"),
			want: []wantErr{{4, 13, `"../secret" leaves the build context`}},
		},
		{
			name: "file without dst",
			data: src("slimfile: 1", "image:", "  files:", "    - src: a"),
			want: []wantErr{{4, 7, `image.files[0] needs "dst"`}},
		},
		{
			name: "file with a bad mode",
			data: src("slimfile: 1", "image:", "  files:", "    - {src: a, dst: /a, mode: rwx}"),
			want: []wantErr{{4, 31, `"rwx" is not an octal file mode`}},
		},
		{
			name: "seccomp profile escaping the context",
			data: src("slimfile: 1", "security:", "  seccomp: ../seccomp.json"),
			want: []wantErr{{3, 12, "leaves the build context"}},
		},
		{
			name: "unknown apparmor profile name",
			data: src("slimfile: 1", "security:", "  apparmor: docker"),
			want: []wantErr{{3, 13, `must be one of "default", "none", or a path`}},
		},
		{
			name: "relative workdir",
			data: src("slimfile: 1", "image:", "  workdir: srv"),
			want: []wantErr{{3, 12, `"srv" must be an absolute path`}},
		},
		{
			name: "go version with a go prefix",
			data: src("slimfile: 1", "go: go1.26"),
			want: []wantErr{{2, 5, `without the "go" prefix`}},
		},
		{
			name: "go version that is a number",
			data: src("slimfile: 1", "go: 1.2.3.4"),
			want: []wantErr{{2, 5, "is not a Go version"}},
		},
		{
			name: "bad toolchain reference",
			data: src("slimfile: 1", "toolchain: \"Golang:Latest!\""),
			want: []wantErr{{2, 12, "is not an image reference"}},
		},
		{
			name: "bad binary name",
			data: src("slimfile: 1", "binary: bin/app"),
			want: []wantErr{{2, 9, `"bin/app" is not a file name`}},
		},
		{
			name: "bad stop signal",
			data: src("slimfile: 1", "image:", "  stopsignal: TERM"),
			want: []wantErr{{3, 15, `"TERM" is not a Linux signal`}},
		},
		{
			name: "bad target name",
			data: src("slimfile: 1", "targets:", "  \"my api\": {main: ./a}"),
			want: []wantErr{{3, 3, `target name "my api" must be letters`}},
		},
		{
			name: "empty targets",
			data: src("slimfile: 1", "targets: {}"),
			want: []wantErr{{2, 10, "targets must be a mapping of target names"}},
		},
		{
			name: "target that is a list",
			data: src("slimfile: 1", "targets:", "  api: [main]"),
			want: []wantErr{{3, 8, `target "api" must be a mapping`}},
		},
		{
			name: "YAML syntax error",
			data: src("slimfile: 1", "main: .", "  binary: x"),
			want: []wantErr{{3, 1, "not valid YAML: mapping values are not allowed in this context"}},
		},
		{
			name: "YAML tab indentation",
			data: src("slimfile: 1", "build:", "\tstrip: true"),
			want: []wantErr{{3, 1, "not valid YAML"}},
		},
		{
			name: "several errors, in file order",
			data: src(
				"# syntax=registry.example/slimfile:1", // 1
				"mian: .",                              // 2
				"image:",                               // 3
				"  user: nobody",                       // 4
				"  expose: [\"8080\", http]",           // 5
				"build:",                               // 6
				"  cgo: maybe",                         // 7
				"  strip: \"no\"",                      // 8
				"platforms: linux/amd64",               // 9
			),
			want: []wantErr{
				{2, 1, `the key "slimfile: 1" is required`},
				{2, 1, `unknown key "mian"`},
				{4, 9, `"nobody" must be`},
				{5, 20, `"http" is not a port`},
				{7, 8, "build.cgo must be true or false"},
				{8, 10, "build.strip must be true or false"},
				{9, 12, "platforms must be a list"},
			},
		},
		{
			name: "several undeclared args, in file order",
			data: src("slimfile: 1", "image:", "  workdir: /${B}", "main: ./${A}", "targets:", "  x: {binary: \"${C}\"}"),
			want: []wantErr{
				{3, 12, "${B} refers"},
				{4, 7, "${A} refers"},
				{6, 15, "${C} refers"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			es := parseErrors(t, tc.data)
			if len(es) != len(tc.want) {
				t.Errorf("got %d errors, want %d:\n%v", len(es), len(tc.want), es)
			}
			for i := 0; i < len(es) && i < len(tc.want); i++ {
				got, want := es[i], tc.want[i]
				if got.Range.Line != want.line || got.Range.Column != want.col {
					t.Errorf("error %d at line %d column %d, want line %d column %d: %s",
						i, got.Range.Line, got.Range.Column, want.line, want.col, got.Msg)
				}
				if !strings.Contains(got.Msg, want.msg) {
					t.Errorf("error %d = %q, want it to contain %q", i, got.Msg, want.msg)
				}
				if prefix := "Slimfile:"; !strings.HasPrefix(got.Error(), prefix) {
					t.Errorf("Error() = %q, want a %q prefix", got.Error(), prefix)
				}
			}
		})
	}
}

func TestErrorsString(t *testing.T) {
	es := spec.Errors{
		{Range: spec.Range{Line: 2, Column: 1}, Msg: "first"},
		{Range: spec.Range{Line: 4, Column: 7}, Msg: "second"},
	}
	if got, want := es.Error(), "Slimfile:2:1: first\nSlimfile:4:7: second"; got != want {
		t.Errorf("Errors.Error() = %q, want %q", got, want)
	}
	if got, want := es[1].Error(), "Slimfile:4:7: second"; got != want {
		t.Errorf("Error.Error() = %q, want %q", got, want)
	}
}

// main as a list: single values and {package, binary} entries, in order,
// each with its position; a target's list replaces the top level's.
func TestParseMains(t *testing.T) {
	f := mustParse(t, src(
		"slimfile: 1",
		"main:",
		"  - ./cmd/server",
		"  - {package: ./cmd/migrate, binary: db-migrate}",
		"targets:",
		"  all:",
		"  one:",
		"    main: ./cmd/tool",
		"  renamed:",
		"    binary: api",
	))
	all, one, renamed := mustTarget(t, f, "all"), mustTarget(t, f, "one"), mustTarget(t, f, "renamed")
	want := []spec.Main{{Package: "./cmd/server"}, {Package: "./cmd/migrate", Binary: "db-migrate"}}
	if !reflect.DeepEqual(all.Mains, want) {
		t.Errorf("all: Mains %+v, want %+v", all.Mains, want)
	}
	for i, w := range []struct{ line, col int }{{3, 5}, {4, 15}} {
		if r, ok := all.Pos(&all.Mains[i].Package); !ok || r.Line != w.line || r.Column != w.col {
			t.Errorf("main[%d].package at %+v (%v), want line %d column %d", i, r, ok, w.line, w.col)
		}
	}
	if all.Key(&all.Mains[1].Package) != "main[1]" || all.Key(&all.Mains[1].Binary) != "main[1].binary" {
		t.Errorf("keys %q, %q", all.Key(&all.Mains[1].Package), all.Key(&all.Mains[1].Binary))
	}
	if one.Key(&one.Mains[0].Package) != "main" {
		t.Errorf("a main written as one value is %q in messages, want main", one.Key(&one.Mains[0].Package))
	}
	if !reflect.DeepEqual(one.Mains, []spec.Main{{Package: "./cmd/tool"}}) {
		t.Errorf("one: Mains %+v: a target's main replaces the list", one.Mains)
	}
	bins, err := all.Binaries("example.com/svc")
	if err != nil || len(bins) != 2 || bins[0].Name != "server" || bins[1].Name != "db-migrate" || bins[1].Package != "./cmd/migrate" {
		t.Errorf("Binaries %+v, %v", bins, err)
	}
	// binary names the first binary, the entrypoint.
	bins, err = renamed.Binaries("example.com/svc")
	if err != nil || bins[0].Name != "api" || bins[1].Name != "db-migrate" || renamed.BinaryName("example.com/svc") != "api" {
		t.Errorf("renamed: Binaries %+v, %v", bins, err)
	}
	d := mustTarget(t, mustParse(t, src("slimfile: 1")), spec.DefaultTarget)
	if !reflect.DeepEqual(d.Mains, []spec.Main{{Package: "."}}) {
		t.Errorf("no main: Mains %+v, want [{.}]", d.Mains)
	}
	if _, ok := d.Pos(&d.Mains[0].Package); ok {
		t.Error("the default main has a position")
	}
}

// Two binaries of one name, or one package twice, are an error at the
// later entry.
func TestBinariesClash(t *testing.T) {
	for _, c := range []struct {
		name  string
		lines []string
		line  int
		col   int
		msg   string
	}{
		{"same last element", []string{"main:", "  - ./a/server", "  - ./b/server"}, 4, 5, "both be /usr/local/bin/server; give one of them another name with {package: ./b/server, binary: NAME}"},
		{"a name given twice", []string{"main:", "  - ./cmd/a", "  - {package: ./cmd/b, binary: a}"}, 4, 32, "both be /usr/local/bin/a"},
		{"the module's name", []string{"main: [., ./cmd/svc]"}, 2, 11, "both be /usr/local/bin/svc"},
		{"one package twice", []string{"main: [./cmd/a, ./cmd/a/]"}, 2, 17, "./cmd/a is listed twice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := mustParse(t, src(append([]string{"slimfile: 1"}, c.lines...)...))
			_, err := f.Targets[0].Binaries("example.com/svc")
			var ve *spec.ValueError
			if !errors.As(err, &ve) || ve.Range.Line != c.line || ve.Range.Column != c.col || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("err %v at %+v, want line %d column %d and %q", err, ve, c.line, c.col, c.msg)
			}
		})
	}
}
