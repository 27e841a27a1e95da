package binfacts

import (
	"debug/buildinfo"
	"runtime/debug"
	"testing"
)

func TestSymbolPackage(t *testing.T) {
	for name, want := range map[string]string{
		"net/http.(*Server).Serve":        "net/http",
		"runtime.main":                    "runtime",
		"main.main.func1":                 "main",
		"main.(*T).M-fm":                  "main",
		"internal/bytealg.IndexByte.abi0": "internal/bytealg",
		"slices.SortFunc[go.shape.[]uint8,go.shape.func([]uint8, []uint8) int]":                      "slices",
		"sync/atomic.(*Pointer[go.shape.struct { net/netip.isV6 bool }]).Load":                       "sync/atomic",
		"crypto/internal/fips140/tls13.NewEarlySecret[go.shape.interface { BlockSize() int }].func1": "crypto/internal/fips140/tls13",
		"gopkg.in/yaml%2ev3.(*parser).parse":                                                         "gopkg.in/yaml.v3",
		"gopkg.in/yaml%2ev3.yaml_insert_token":                                                       "gopkg.in/yaml.v3",
		"github.com/a/b.c/d.F":                                                                       "github.com/a/b.c/d",
		"github.com/a/b%2ec.F":                                                                       "github.com/a/b.c",
		"github.com/a/b/v2.(*T).M":                                                                   "github.com/a/b/v2",
		"vendor/golang.org/x/net/http2/hpack.(*Decoder).Write":                                       "vendor/golang.org/x/net/http2/hpack",
		"type:.eq.net/http.http2FrameHeader":                                                         "net/http",
		"type:.eq.[2]interface {}":                                                                   "",
		"type:.eq.[16]sync/atomic.Pointer[go.shape.struct {}]":                                       "sync/atomic",
		"type:.eq.*main.T":                                                                           "main",
		"type:.eq.struct { a int; b main.T }":                                                        "",
		"type:.eq.go.shape.struct { Key string }":                                                    "",
		"type:.hash.net/netip.addrDetail":                                                            "net/netip",
		"type:.eq.runtime.untracedG·7":                                                               "runtime",
		"go:struct { sync.Mutex; net.conn }.Lock":                                                    "",
		"go:(*struct { sync.Mutex }).Unlock":                                                         "",
		"go:textfipsstart":                                                                           "",
		"cmpbody":                                                                                    "",
		"_rt0_amd64_linux":                                                                           "",
		"":                                                                                           "",
	} {
		if got := symbolPackage(name); got != want {
			t.Errorf("symbolPackage(%q) = %q, want %q", name, got, want)
		}
	}
}

// With the module list, a name whose last path element's dots were not
// escaped still finds its package, the main package is named by its path,
// and packages go to the longest module path that holds them.
func TestModuleIndex(t *testing.T) {
	x := newModuleIndex(&buildinfo.BuildInfo{GoVersion: "go1.26.8", Path: "example.com/svc/cmd/server",
		Main: debug.Module{Path: "example.com/svc", Version: "(devel)"},
		Deps: []*debug.Module{{Path: "gopkg.in/yaml.v3", Version: "v3.0.1"}, {Path: "github.com/a/b", Version: "v1.0.0"},
			{Path: "github.com/a/b/sub", Version: "v0.1.0", Replace: &debug.Module{Path: "../sub"}},
			{Path: "github.com/a/b.c", Version: "v1.2.0"}}})
	for name, want := range map[string][2]string{
		"gopkg.in/yaml.v3.(*parser).parse":   {"gopkg.in/yaml.v3", "gopkg.in/yaml.v3"},
		"gopkg.in/yaml%2ev3.(*parser).parse": {"gopkg.in/yaml.v3", "gopkg.in/yaml.v3"},
		"main.main":                          {"example.com/svc/cmd/server", "example.com/svc"},
		"example.com/svc/internal/db.Open":   {"example.com/svc/internal/db", "example.com/svc"},
		"github.com/a/b/x.F":                 {"github.com/a/b/x", "github.com/a/b"},
		"github.com/a/b/sub/y.F":             {"github.com/a/b/sub/y", "github.com/a/b/sub"},
		"github.com/a/bc.F":                  {"github.com/a/bc", UnknownModule},
		"github.com/a/b.c/d.F":               {"github.com/a/b.c/d", "github.com/a/b.c"},
		"net/http.Get":                       {"net/http", StdlibModule},
	} {
		pkg := x.packageOf(name)
		if m := x.moduleOf(pkg); pkg != want[0] || m.path != want[1] {
			t.Errorf("%s: package %q of module %q, want %q of %q", name, pkg, m.path, want[0], want[1])
		}
	}
	if m := x.moduleOf("github.com/a/b/sub/y"); m.replace != "../sub" || m.version != "v0.1.0" {
		t.Errorf("replaced module %+v", m)
	}
	if m := x.moduleOf("runtime"); m.version != "go1.26.8" {
		t.Errorf("stdlib %+v", m)
	}
}

func TestDirMap(t *testing.T) {
	m := dirMap{}
	m.learn(sourceDir("/usr/local/go/src/net/http/server.go"), "net/http")
	m.learn(sourceDir("/root/go/pkg/mod/gopkg.in/yaml.v3@v3.0.1/decode.go"), "gopkg.in/yaml.v3")
	m.learn(sourceDir("/tmp/T/001/main.go"), "example.com/prog")
	m.learn(sourceDir("runtime/proc.go"), "runtime")
	for dir, want := range map[string]string{
		"/usr/local/go/src/internal/runtime/gc/scan":       "internal/runtime/gc/scan",
		"/root/go/pkg/mod/golang.org/x/crypto/chacha20":    "golang.org/x/crypto/chacha20",
		sourceDir("golang.org/x/sys@v0.1.0/cpu/cpu_x86.s"): "golang.org/x/sys/cpu",
		"internal/bytealg": "internal/bytealg",
		"/tmp/T/001/asm":   "example.com/prog/asm",
		"/elsewhere/x":     "",
		"":                 "",
	} {
		if got := m.packageOf(dir); got != want {
			t.Errorf("packageOf(%q) = %q, want %q", dir, got, want)
		}
	}
}
