package spec_test

import (
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/slimfile/slimfile/spec"
)

func TestParseGoMod(t *testing.T) {
	tests := []struct {
		name string
		data string
		want spec.GoMod
	}{
		{
			name: "module and go lines",
			data: "module example.com/svc\n\ngo 1.26\n",
			want: spec.GoMod{Path: "example.com/svc", Go: "1.26"},
		},
		{
			name: "no go line",
			data: "module example.com/svc\n",
			want: spec.GoMod{Path: "example.com/svc"},
		},
		{
			name: "requirements",
			data: "module example.com/svc\n\ngo 1.26\n\nrequire (\n\tgolang.org/x/mod v0.43.0\n\tgopkg.in/yaml.v3 v3.0.1 // indirect\n)\n",
			want: spec.GoMod{Path: "example.com/svc", Go: "1.26", Requires: true},
		},
		{
			name: "a module replacement is not local",
			data: "module example.com/svc\n\ngo 1.26\n\nrequire example.com/a v1.0.0\n\nreplace example.com/a => example.com/fork v1.0.1\n",
			want: spec.GoMod{Path: "example.com/svc", Go: "1.26", Requires: true},
		},
		{
			name: "toolchain line",
			data: "module example.com/svc\n\ngo 1.22\n\ntoolchain go1.22.5\n",
			want: spec.GoMod{Path: "example.com/svc", Go: "1.22", Toolchain: "1.22.5"},
		},
		{
			name: "directory replacement",
			data: "module example.com/svc\n\ngo 1.26\n\nrequire example.com/a v1.0.0\n\nreplace example.com/a => ../a\n",
			want: spec.GoMod{Path: "example.com/svc", Go: "1.26", Requires: true, LocalReplaces: true},
		},
		{
			name: "directory replacement in a block",
			data: "module example.com/svc\n\ngo 1.26\n\nrequire example.com/a v1.0.0\n\nreplace (\n\texample.com/a v1.0.0 => ./third_party/a\n)\n",
			want: spec.GoMod{Path: "example.com/svc", Go: "1.26", Requires: true, LocalReplaces: true},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := spec.ParseGoMod("go.mod", []byte(tc.data))
			if err != nil {
				t.Fatalf("ParseGoMod: %v", err)
			}
			if *m != tc.want {
				t.Errorf("ParseGoMod =\n%+v\nwant\n%+v", *m, tc.want)
			}
		})
	}
}

func TestParseGoModErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"no module line", "go 1.26\n", "svc/go.mod has no module line"},
		{"syntax error", "module example.com/svc\nrequire (\n", "svc/go.mod"},
		{"empty", "", "no module line"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := spec.ParseGoMod("svc/go.mod", []byte(tc.data))
			if err == nil {
				t.Fatalf("ParseGoMod = %+v, want an error", m)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestGoVersion(t *testing.T) {
	tests := []struct {
		name     string
		slimfile string // the `go` key, "" when unset
		mod      *spec.GoMod
		want     string // "" means an error
	}{
		{"slimfile go wins over everything", "1.25.3", &spec.GoMod{Go: "1.22", Toolchain: "1.24.1"}, "1.25.3"},
		{"toolchain line wins over go line", "", &spec.GoMod{Go: "1.22", Toolchain: "1.22.5"}, "1.22.5"},
		{"toolchain custom suffix is dropped", "", &spec.GoMod{Go: "1.21", Toolchain: "1.22.3-custom"}, "1.22.3"},
		{"toolchain release candidate", "", &spec.GoMod{Go: "1.26", Toolchain: "1.27rc1"}, "1.27rc1"},
		{"go line", "", &spec.GoMod{Go: "1.26.0"}, "1.26.0"},
		{"slimfile go without a go.mod", "1.26", nil, "1.26"},
		{"nothing", "", nil, ""},
		{"go.mod without a go line", "", &spec.GoMod{Path: "x"}, ""},
		{"toolchain default falls back to the go line", "", &spec.GoMod{Go: "1.22", Toolchain: "default"}, "1.22"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &spec.File{Go: tc.slimfile}
			got, err := f.GoVersion(tc.mod)
			if tc.want == "" {
				if err == nil {
					t.Errorf("GoVersion = %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("GoVersion = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestGoVersionFromGoMod goes through ParseGoMod, as the frontend does.
func TestGoVersionFromGoMod(t *testing.T) {
	tests := []struct {
		name, gomod, slimfile, want string
	}{
		{"go line", "module x\n\ngo 1.26\n", "slimfile: 1", "1.26"},
		{"slimfile go", "module x\n\ngo 1.26\n\ntoolchain go1.26.2\n", "slimfile: 1\ngo: \"1.25\"", "1.25"},
		{"toolchain line", "module x\n\ngo 1.22\n\ntoolchain go1.22.5\n", "slimfile: 1", "1.22.5"},
		{"toolchain default", "module x\n\ngo 1.22\n\ntoolchain default\n", "slimfile: 1", "1.22"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := spec.ParseGoMod("go.mod", []byte(tc.gomod))
			if err != nil {
				t.Fatal(err)
			}
			f := mustParse(t, []byte(tc.slimfile))
			got, err := f.GoVersion(m)
			if err != nil || got != tc.want {
				t.Errorf("GoVersion = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestToolchainRef(t *testing.T) {
	if got := (&spec.File{}).ToolchainRef("1.26.1"); got != "golang:1.26.1-alpine" {
		t.Errorf("default ToolchainRef = %q", got)
	}
	f := mustParse(t, src("slimfile: 1", "toolchain: registry.example/go:custom"))
	if got := f.ToolchainRef("1.26"); got != "registry.example/go:custom" {
		t.Errorf("ToolchainRef with `toolchain` = %q", got)
	}
}

func TestBinaryName(t *testing.T) {
	tests := []struct {
		name    string
		target  spec.Target
		modPath string
		want    string
	}{
		{"binary key wins", spec.Target{Mains: []spec.Main{{Package: "./cmd/api"}}, Binary: "server"}, "example.com/svc", "server"},
		{"last element of main", spec.Target{Mains: []spec.Main{{Package: "./cmd/api"}}}, "example.com/svc", "api"},
		{"main with a trailing slash", spec.Target{Mains: []spec.Main{{Package: "./cmd/api/"}}}, "example.com/svc", "api"},
		{"module path when main is .", spec.Target{Mains: []spec.Main{{Package: "."}}}, "example.com/svc", "svc"},
		{"module path of one element", spec.Target{Mains: []spec.Main{{Package: "."}}}, "hello", "hello"},
		{"module /v2 is skipped", spec.Target{Mains: []spec.Main{{Package: "."}}}, "example.com/foo/v2", "foo"},
		{"module /v10 is skipped", spec.Target{Mains: []spec.Main{{Package: "."}}}, "github.com/acme/tool/v10", "tool"},
		{"main /v3 is skipped", spec.Target{Mains: []spec.Main{{Package: "./cmd/bar/v3"}}}, "example.com/svc", "bar"},
		{"v1 is not a major element", spec.Target{Mains: []spec.Main{{Package: "./api/v1"}}}, "example.com/svc", "v1"},
		{"v0 is not a major element", spec.Target{Mains: []spec.Main{{Package: "./api/v0"}}}, "example.com/svc", "v0"},
		{"v2beta is not a major element", spec.Target{Mains: []spec.Main{{Package: "./api/v2beta"}}}, "example.com/svc", "v2beta"},
		{"gopkg.in style path is kept", spec.Target{Mains: []spec.Main{{Package: "."}}}, "gopkg.in/yaml.v3", "yaml.v3"},
		{"no module path", spec.Target{Mains: []spec.Main{{Package: "."}}}, "", "app"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.target.BinaryName(tc.modPath); got != tc.want {
				t.Errorf("BinaryName(%q) of main %q = %q, want %q", tc.modPath, tc.target.Mains[0].Package, got, tc.want)
			}
		})
	}

	// Through Parse: main is cleaned before the name is taken.
	f := mustParse(t, src("slimfile: 1", "main: cmd/bar/v3/"))
	if got := f.Targets[0].BinaryName("example.com/svc"); got != "bar" {
		t.Errorf("BinaryName after Parse = %q, want \"bar\"", got)
	}
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"NAME": "api", "TARGETARCH": "arm64", "TARGETVARIANT": "", "EMPTY": ""}
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"plain", "plain"},
		{"${NAME}", "api"},
		{"./cmd/${NAME}", "./cmd/api"},
		{"${NAME}-${TARGETARCH}${TARGETVARIANT}", "api-arm64"},
		{"$$", "$"},
		{"$${NAME}", "${NAME}"},
		{"cost: $$5", "cost: $5"},
		{"$$$${NAME}", "$${NAME}"},
		{"$$${NAME}", "$api"},
		{"$NAME", "$NAME"},
		{"${UNSET}x", "x"},
		{"${EMPTY}", ""},
	}
	for _, tc := range tests {
		if got := spec.Expand(tc.in, vars); got != tc.want {
			t.Errorf("Expand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExpanded(t *testing.T) {
	f := mustParse(t, src(
		"slimfile: 1",                          // 1
		"args:",                                // 2
		"  APP: api",                           // 3
		"  VERSION: dev",                       // 4
		"  PORT: \"8080\"",                     // 5
		"main: ./cmd/${APP}",                   // 6
		"platforms: [\"linux/${TARGETARCH}\"]", // 7
		"build:",                               // 8
		"  ldflags: [\"-X main.version=${VERSION}\"]", // 9
		"  env: {GOFLAGS: \"-tags=${TARGETARCH}\"}",   // 10
		"image:",                  // 11
		"  expose: [\"${PORT}\"]", // 12
		"  env: {PRICE: \"$$5\", ARCH: \"${TARGETARCH}${TARGETVARIANT}\"}",
		"  labels: {version: \"${VERSION}\"}", // 14
		"  files: [{src: \"conf/${APP}.yaml\", dst: /etc/app.yaml}]",
	))
	tg := f.Targets[0]
	vars := map[string]string{"APP": "worker", "VERSION": "1.2.3", "PORT": "9090",
		"TARGETOS": "linux", "TARGETARCH": "arm", "TARGETVARIANT": "v7", "TARGETPLATFORM": "linux/arm/v7"}
	e, err := f.Expanded(tg, vars)
	if err != nil {
		t.Fatalf("Expanded: %v", err)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"main", e.Mains[0].Package, "./cmd/worker"},
		{"platforms", e.Platforms, []string{"linux/arm"}},
		{"ldflags", e.Build.Ldflags, []string{"-X main.version=1.2.3"}},
		{"build.env", e.Build.Env, map[string]string{"GOFLAGS": "-tags=arm"}},
		{"expose", e.Image.Expose, []string{"9090"}},
		{"image.env", e.Image.Env, map[string]string{"PRICE": "$5", "ARCH": "armv7"}},
		{"labels", e.Image.Labels, map[string]string{"version": "1.2.3"}},
		{"files", e.Image.Files, []spec.FileCopy{{Src: "conf/worker.yaml", Dst: "/etc/app.yaml"}}},
		{"strip kept", e.Build.Strip, true},
		{"user kept", e.Image.User, "nonroot"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("expanded %s = %#v, want %#v", c.what, c.got, c.want)
		}
	}
	// The parsed target is left as it was.
	if tg.Mains[0].Package != "./cmd/${APP}" || tg.Image.Env["PRICE"] != "$$5" || !maps.Equal(tg.Build.Env, map[string]string{"GOFLAGS": "-tags=${TARGETARCH}"}) {
		t.Errorf("Expanded changed the parsed target: main %q env %v", tg.Mains[0].Package, tg.Image.Env)
	}
}

func TestExpandedRevalidates(t *testing.T) {
	f := mustParse(t, src(
		"slimfile: 1",                         // 1
		"args:",                               // 2
		"  PORT: \"8080\"",                    // 3
		"  DIR: api",                          // 4
		"  USER: nonroot",                     // 5
		"  PLATFORM: linux/amd64",             // 6
		"main: ./cmd/${DIR}",                  // 7
		"platforms: [\"${PLATFORM}\"]",        // 8
		"image:",                              // 9
		"  user: ${USER}",                     // 10
		"  expose: [\"53/udp\", \"${PORT}\"]", // 11
		"targets:",                            // 12
		"  a:",                                // 13
		"  b:",                                // 14
		"    image:",                          // 15
		"      workdir: \"${DIR}\"",           // 16
		"    build:",                          // 17
		"      env: {GOFLAGS: \"${DIR}\"}",    // 18
	))
	tests := []struct {
		name   string
		target string
		vars   map[string]string
		want   []wantErr
	}{
		{"defaults are valid", "a", map[string]string{"PORT": "8080", "DIR": "api", "USER": "nonroot", "PLATFORM": "linux/amd64"}, nil},
		{"port", "a", map[string]string{"PORT": "http", "DIR": "api", "USER": "nonroot", "PLATFORM": "linux/amd64"},
			[]wantErr{{11, 22, `image.expose[1] (after expanding args): "http" is not a port`}}},
		{"user", "a", map[string]string{"PORT": "1", "DIR": "api", "USER": "nobody", "PLATFORM": "linux/amd64"},
			[]wantErr{{10, 9, "image.user (after expanding args)"}}},
		{"platform", "a", map[string]string{"PORT": "1", "DIR": "api", "USER": "root", "PLATFORM": "windows/amd64"},
			[]wantErr{{8, 13, "platforms[0] (after expanding args)"}}},
		{"main leaving the context", "a", map[string]string{"PORT": "1", "DIR": "../..", "USER": "root", "PLATFORM": "linux/amd64"},
			[]wantErr{{7, 7, "main (after expanding args)"}}},
		{"a target's own value", "b", map[string]string{"PORT": "1", "DIR": "api", "USER": "root", "PLATFORM": "linux/amd64"},
			[]wantErr{{16, 16, `image.workdir (after expanding args): "api" must be an absolute path`}}},
		{"build.env", "b", map[string]string{"PORT": "1", "DIR": "/srv -toolexec=/x", "USER": "root", "PLATFORM": "linux/amd64"},
			[]wantErr{{18, 22, "build.env.GOFLAGS (after expanding args): GOFLAGS: -toolexec"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := f.Expanded(mustTarget(t, f, tc.target), tc.vars)
			if tc.want == nil {
				if err != nil || e == nil {
					t.Fatalf("Expanded = %v, %v; want a target", e, err)
				}
				return
			}
			var es spec.Errors
			if !errors.As(err, &es) {
				t.Fatalf("Expanded error = %v (%T), want spec.Errors", err, err)
			}
			if len(es) != len(tc.want) {
				t.Fatalf("got %d errors, want %d: %v", len(es), len(tc.want), es)
			}
			for i, w := range tc.want {
				if es[i].Range.Line != w.line || es[i].Range.Column != w.col {
					t.Errorf("error at line %d column %d, want line %d column %d: %s", es[i].Range.Line, es[i].Range.Column, w.line, w.col, es[i].Msg)
				}
				if !strings.Contains(es[i].Msg, w.msg) {
					t.Errorf("error %q does not contain %q", es[i].Msg, w.msg)
				}
			}
		})
	}
}
