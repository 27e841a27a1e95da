package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/slimfile/slimfile/internal/gocache"
)

// proxyWith writes a module proxy directory holding example.com/dep at
// v1.0.0, a package that main can import, and returns it.
func proxyWith(t *testing.T) string {
	return depProxyOf(t, map[string]string{"dep.go": "package dep\n\nconst Name = \"dep\"\n"})
}

// depProxyOf writes a module proxy directory holding example.com/dep at
// v1.0.0 made of files (besides its go.mod), and returns it.
func depProxyOf(t *testing.T, files map[string]string) string {
	t.Helper()
	src := t.TempDir()
	write(t, filepath.Join(src, "go.mod"), "module example.com/dep\n\ngo 1.24\n")
	for name, content := range files {
		write(t, filepath.Join(src, name), content)
	}
	proxy := t.TempDir()
	v := filepath.Join(proxy, "example.com", "dep", "@v")
	if err := os.MkdirAll(v, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(v, "v1.0.0.zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := modzip.CreateFromDir(f, module.Version{Path: "example.com/dep", Version: "v1.0.0"}, src); err != nil {
		t.Fatal(err)
	}
	f.Close()
	write(t, filepath.Join(v, "v1.0.0.mod"), "module example.com/dep\n\ngo 1.24\n")
	write(t, filepath.Join(v, "v1.0.0.info"), `{"Version":"v1.0.0","Time":"2026-01-01T00:00:00Z"}`)
	write(t, filepath.Join(v, "list"), "v1.0.0\n")
	return proxy
}

func write(t *testing.T, name, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goIn runs the go command in dir with env added, offline.
func goIn(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"GOTOOLCHAIN=local", "GOFLAGS=", "GOSUMDB=off", "GOPROXY=off"}, env...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestModuleLayer: the module layer made from a filled module cache is
// a proxy directory (zips, no extracted trees) with an id; it fills an
// empty module cache on which go build then needs no proxy, once: a
// second seed finds the marker, and a cache that has every module is
// only marked. A copy from a module cache that lacks the modules leaves
// an empty layer, and the step succeeds.
func TestModuleLayer(t *testing.T) {
	proxy := proxyWith(t)
	mod := t.TempDir()
	write(t, filepath.Join(mod, "go.mod"), "module example.com/app\n\ngo 1.24\n\nrequire example.com/dep v1.0.0\n")
	write(t, filepath.Join(mod, "main.go"), "package main\n\nimport \"example.com/dep\"\n\nfunc main() { println(dep.Name) }\n")
	persist := t.TempDir()
	// As the download step fills it: go mod download keeps the .info
	// files that a proxy needs.
	env := []string{"GOMODCACHE=" + persist, "GOPROXY=file://" + proxy, "GOFLAGS=-modcacherw"}
	goIn(t, mod, env, "mod", "tidy")
	goIn(t, mod, env, "mod", "download")
	if _, err := os.Stat(filepath.Join(mod, "go.sum")); err != nil {
		t.Fatal(err)
	}

	t.Chdir(mod)
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOMODCACHE", persist)
	layer := t.TempDir()
	if err := modules(layer); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(layer, proxyDir, "example.com", "dep", "@v", "v1.0.0.zip")); err != nil {
		t.Errorf("the layer lacks the module's zip: %v", err)
	}
	entries, _ := os.ReadDir(layer)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "cache "+gocache.IDFile {
		t.Errorf("the layer holds %q, want the proxy directory and its id alone", names)
	}

	// A module cache emptied under a cached download step: the copy
	// fails, and the layer is only empty, not an error of the step.
	t.Setenv("GOMODCACHE", t.TempDir())
	empty := t.TempDir()
	if err := modules(empty); err != nil {
		t.Errorf("a failed copy failed the step: %v", err)
	}
	if _, err := os.Stat(filepath.Join(empty, gocache.IDFile)); err == nil {
		t.Error("a layer that holds nothing has an id")
	}

	fresh := t.TempDir()
	t.Setenv("GOMODCACHE", fresh)
	seedModules(layer)
	if _, err := os.Stat(filepath.Join(fresh, "example.com", "dep@v1.0.0", "dep.go")); err != nil {
		t.Fatalf("the module cache was not filled: %v", err)
	}
	goIn(t, mod, []string{"GOMODCACHE=" + fresh, "GOFLAGS=-mod=readonly"}, "build", "-o", os.DevNull, ".")

	// Seeded once: with the module gone, the marker stops a second seed.
	if err := os.Chmod(filepath.Join(fresh, "example.com", "dep@v1.0.0"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(fresh, "example.com", "dep@v1.0.0"))
	seedModules(layer)
	if _, err := os.Stat(filepath.Join(fresh, "example.com", "dep@v1.0.0")); err == nil {
		t.Error("the module cache was seeded twice from the same layer")
	}
	if n, err := missingModules(filepath.Join(layer, proxyDir), persist); n != 0 || err != nil {
		t.Errorf("the filled cache misses %d modules (%v)", n, err)
	}
}
