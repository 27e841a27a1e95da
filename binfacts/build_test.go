package binfacts

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The test program: net/http, encoding/json, and two modules of this
// repository's module cache, one with a dot in its last path element.
const progMain = `package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	"golang.org/x/sync/errgroup"
	"gopkg.in/yaml.v3"
)

type config struct {
	Addr  string   ` + "`yaml:\"addr\"`" + `
	Hosts []string ` + "`yaml:\"hosts\"`" + `
}

func main() {
	var g errgroup.Group
	var c config
	g.Go(func() error { return yaml.Unmarshal([]byte("addr: :8080\nhosts: [a, b]"), &c) })
	if err := g.Wait(); err != nil {
		panic(err)
	}
	b, _ := json.Marshal(c)
	fmt.Println(string(b))
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.Write(b) })
	if len(os.Args) > 1 {
		http.ListenAndServe(c.Addr, nil)
	}
}
`

const progMod = `module example.com/prog

go 1.22

require (
	golang.org/x/sync v0.23.0
	gopkg.in/yaml.v3 v3.0.1
)
`

// variant is one way of building the test program.
type variant struct {
	goarch   string
	strip    bool   // -ldflags=-s -w
	trimpath bool   // -trimpath
	cgo      string // "": CGO_ENABLED=0; "external": -linkmode=external; "dynamic": CGO_ENABLED=1, Go's linker
	pie      bool   // -buildmode=pie
}

func (v variant) String() string {
	s := v.goarch
	for _, f := range []struct {
		on   bool
		name string
	}{{v.strip, "stripped"}, {!v.strip, "unstripped"}, {v.trimpath, "trimpath"}, {v.cgo != "", "cgo-" + v.cgo}, {v.pie, "pie"}} {
		if f.on {
			s += "-" + f.name
		}
	}
	return s
}

// The frontend's build: static, stripped, trimmed.
var (
	amd64Stripped   = variant{goarch: "amd64", strip: true, trimpath: true}
	amd64Unstripped = variant{goarch: "amd64", trimpath: true}
)

var (
	workDir string // holds the program's module and the binaries, removed by TestMain
	builds  sync.Map
)

type built struct {
	once sync.Once
	path string
	err  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "binfacts-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	workDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// progDir is the test program's module directory, the builder's working
// directory that -trimpath removes.
func progDir() string { return filepath.Join(workDir, "prog") }

var writeProg = sync.OnceValue(func() error {
	sum, err := os.ReadFile("../go.sum") // this repository's: it has the two modules' sums
	if err != nil {
		return err
	}
	if err := os.MkdirAll(progDir(), 0o755); err != nil {
		return err
	}
	for name, content := range map[string]string{"main.go": progMain, "go.mod": progMod, "go.sum": string(sum)} {
		if err := os.WriteFile(filepath.Join(progDir(), name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
})

// build builds the test program as v says, once per test run, and returns
// the binary's path. A cgo variant skips the test without gcc; 32-bit arm
// and PIE, which each compile the standard library once more (a minute on
// two cores with an empty build cache), are skipped by -short.
func build(t testing.TB, v variant) string {
	t.Helper()
	// Each of these compiles the standard library once more (about a
	// minute on 2 cores with an empty build cache): make unit runs with
	// -short, and the integration tests measure the reports of arm64
	// images and of builds without -trimpath.
	if testing.Short() && (v.goarch != "amd64" || !v.trimpath || v.pie || v.cgo != "") {
		t.Skipf("-short: %s compiles the standard library once more", v)
	}
	if v.cgo != "" {
		if _, err := exec.LookPath("gcc"); err != nil {
			t.Skipf("no gcc: cannot build the cgo binary (%s)", v)
		}
	}
	b, _ := builds.LoadOrStore(v, &built{})
	bb := b.(*built)
	bb.once.Do(func() { bb.path, bb.err = goBuild(v) })
	if bb.err != nil {
		t.Fatal(bb.err)
	}
	return bb.path
}

func goBuild(v variant) (string, error) {
	if err := writeProg(); err != nil {
		return "", err
	}
	out := filepath.Join(workDir, v.String())
	ldflags := []string{"-buildid="}
	if v.strip {
		ldflags = append(ldflags, "-s", "-w")
	}
	if v.cgo == "external" {
		ldflags = append(ldflags, "-linkmode=external")
	}
	args := []string{"build", "-buildvcs=false", "-ldflags=" + strings.Join(ldflags, " "), "-o", out}
	if v.trimpath {
		args = append(args, "-trimpath")
	}
	if v.pie {
		args = append(args, "-buildmode=pie")
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = progDir()
	cgo := "0"
	if v.cgo != "" {
		cgo = "1"
	}
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+v.goarch, "CGO_ENABLED="+cgo,
		"GOARM=7", "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s (%s): %v\n%s", strings.Join(args, " "), v, err, b)
	}
	return out, nil
}

func readBin(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func goEnv(t testing.TB, key string) string {
	t.Helper()
	out, err := exec.Command("go", "env", key).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", key, err)
	}
	return strings.TrimSpace(string(out))
}
