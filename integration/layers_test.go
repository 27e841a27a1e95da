package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// layersModule is a module with a dependency of its own and a package of
// its own, whose go build lists the packages it compiles (GOFLAGS=-v).
func layersModule(t *testing.T, name string) (dir, modPath string) {
	t.Helper()
	modPath = fmt.Sprintf("example.com/%s%d", name, time.Now().UnixNano())
	dir = module(t, map[string]string{
		"Slimfile":            "slimfile: 1\nbuild:\n  env: {GOFLAGS: -v}\n",
		"go.mod":              "module " + modPath + "\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n",
		"main.go":             "package main\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/google/uuid\"\n\t\"" + modPath + "/internal/greet\"\n)\n\nfunc main() { fmt.Println(greet.Word(\"one\"), uuid.Nil) }\n",
		"internal/greet/g.go": "package greet\n\nimport \"strings\"\n\nfunc Word(s string) string { return strings.ToUpper(s) }\n",
	})
	goModTidy(t, dir)
	return dir, modPath
}

// hasLine reports whether line is a line of logs.
func hasLine(logs, line string) bool {
	return strings.Contains("\n"+logs+"\n", "\n"+line+"\n")
}

// edit replaces old with new in dir's main.go.
func edit(t *testing.T, dir, old, new string) {
	t.Helper()
	editFile(t, filepath.Join(dir, "main.go"), old, new)
}

// editFile replaces the first old in the file name with new.
func editFile(t *testing.T, name, old, new string) {
	t.Helper()
	src, _ := os.ReadFile(name)
	if !strings.Contains(string(src), old) {
		t.Fatalf("%s has no %q", name, old)
	}
	if err := os.WriteFile(name, []byte(strings.Replace(string(src), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDependencyLayersOnFreshBuilder: what a CI runner meets. A build
// exports its cache (mode=max) to the loopback registry; the builder is
// emptied, main.go edited, and the build that imports the cache takes
// the module download and each platform's dependency compile from it:
// go build fills the module cache from the module layer, downloading
// nothing, and compiles only the module's own packages, on a build cache
// seeded from the dependency layer. Then, on the same builder: another
// edit seeds nothing again; a go.sum change (another uuid version, the
// same imports) builds the dependency layers again, compiling uuid alone. On the emptied builder;
// not parallel: it empties it.
func TestDependencyLayersOnFreshBuilder(t *testing.T) {
	dir, modPath := layersModule(t, "layers")
	ref := fmt.Sprintf("%s/test/layers:%d", os.Getenv("SLIMFILE_REGISTRY"), time.Now().UnixNano())
	platforms := []string{"linux/amd64", "linux/arm64"}
	deps := func(p string) string { return "[" + p + "] go build dependencies of ." }
	gobuild := func(p string) string { return "[" + p + "] go build ." }
	download := "go mod download (" + modPath + ")"
	moduleLayer := "module layer (" + modPath + ")"
	args := []string{"--platform", strings.Join(platforms, ",")}

	b, err := buildxOn(t, emptied.builder, dir, append(args, "--cache-to", "type=registry,ref="+ref+",mode=max,registry.insecure=true")...)
	mustBuild(t, b, err)
	for _, p := range platforms {
		if logs := b.progress.logs(gobuild(p)); hasLine(logs, "github.com/google/uuid") {
			t.Errorf("cold build: %s compiled a dependency the dependency layer holds:\n%s", gobuild(p), logs)
		}
	}

	prune(t)
	edit(t, dir, `"one"`, `"two"`)
	b, err = buildxOn(t, emptied.builder, dir, append(args, "--cache-from", "type=registry,ref="+ref+",registry.insecure=true")...)
	imgs := mustBuild(t, b, err)
	if !b.progress.servedFromCache(t, moduleLayer) {
		t.Errorf("fresh builder: %s was not served from the imported cache:\n%s", moduleLayer, b.tail(80))
	}
	if len(b.progress.named(download)) > 0 && !b.progress.servedFromCache(t, download) {
		t.Errorf("fresh builder: %s ran:\n%s", download, b.tail(80))
	}
	filled := false
	for _, p := range platforms {
		logs := b.progress.logs(gobuild(p))
		// The module cache is filled from the module layer, by one
		// platform's step or both, and go build downloads nothing.
		filled = filled || strings.Contains(logs, "modules from the module layer")
		if strings.Contains(logs, "go: downloading") {
			t.Errorf("fresh builder: %s downloaded modules:\n%s", gobuild(p), logs)
		}
	}
	if !filled {
		t.Errorf("fresh builder: no go build step filled the module cache from the module layer:\n%s", b.tail(80))
	}
	for _, p := range platforms {
		if !b.progress.servedFromCache(t, deps(p)) {
			t.Errorf("fresh builder: %s was not served from the imported cache:\n%s", deps(p), b.tail(80))
		}
		logs := b.progress.logs(gobuild(p))
		if !strings.Contains(logs, "files from the dependency layer") {
			t.Errorf("fresh builder: %s did not seed the build cache:\n%s", gobuild(p), logs)
		}
		// -v lists what go build compiled: main and the module's own
		// package, none of the dependencies.
		for _, pkg := range []string{modPath + "/internal/greet", modPath} {
			if !hasLine(logs, pkg) {
				t.Errorf("fresh builder: %s did not compile %s:\n%s", gobuild(p), pkg, logs)
			}
		}
		for _, pkg := range []string{"github.com/google/uuid", "fmt", "strings"} {
			if hasLine(logs, pkg) {
				t.Errorf("fresh builder: %s compiled the dependency %s:\n%s", gobuild(p), pkg, logs)
			}
		}
	}
	for _, p := range platforms {
		if out := strings.TrimSpace(runImage(t, imgs[p])); out != "TWO 00000000-0000-0000-0000-000000000000" {
			t.Errorf("%s: the rebuilt binary prints %q", p, out)
		}
	}

	// The same builder, warm: the layer is not copied again.
	edit(t, dir, `"two"`, `"three"`)
	b, err = buildxOn(t, emptied.builder, dir, args...)
	mustBuild(t, b, err)
	for _, p := range platforms {
		if !b.progress.cached(t, deps(p)) {
			t.Errorf("warm builder: %s ran again after an edit that kept the imports", deps(p))
		}
		if logs := b.progress.logs(gobuild(p)); strings.Contains(logs, "files from the dependency layer") || strings.Contains(logs, "from the module layer") {
			t.Errorf("warm builder: %s seeded a cache again:\n%s", gobuild(p), logs)
		}
	}

	// go.sum changes, the imports do not: the dependency layers are built again.
	cmd := exec.Command("go", "get", "github.com/google/uuid@v1.5.0")
	cmd.Dir, cmd.Env = dir, append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go get: %v\n%s", err, out)
	}
	b, err = buildxOn(t, emptied.builder, dir, args...)
	mustBuild(t, b, err)
	for _, p := range platforms {
		if b.progress.cached(t, deps(p)) {
			t.Errorf("after a go.sum change, %s was cached", deps(p))
		}
		// It reads through the warm build cache: only the module that
		// changed is compiled again.
		logs := b.progress.logs(deps(p))
		if !hasLine(logs, "github.com/google/uuid") || hasLine(logs, "fmt") || hasLine(logs, "strings") {
			t.Errorf("after a go.sum change, %s did not compile uuid alone:\n%s", deps(p), logs)
		}
	}
	for _, step := range []string{download, moduleLayer} {
		if b.progress.cached(t, step) {
			t.Errorf("after a go.sum change, %s was cached", step)
		}
	}
}

// TestCacheLayersKeepDigest: the layers are build cache, never part of the
// image: with them and without them (SLIMFILE_CACHE_LAYERS=false), the
// same inputs give the same image digests, and without them the build has
// no layer steps. A value that is not a boolean is an error.
func TestCacheLayersKeepDigest(t *testing.T) {
	t.Parallel()
	dir, _ := layersModule(t, "layersdigest")
	args := []string{"--opt", "platform=linux/amd64,linux/arm64"}
	b, err := buildctl(t, dir, args...)
	with := mustBuild(t, b, err)
	if len(b.progress.named("[linux/arm64] go build dependencies of")) != 1 {
		t.Fatalf("no dependency layer step:\n%s", b.tail(60))
	}
	b, err = buildctl(t, dir, append(args, "--opt", "build-arg:SLIMFILE_CACHE_LAYERS=false")...)
	without := mustBuild(t, b, err)
	if n := len(b.progress.named("[linux/arm64] go build dependencies of")); n != 0 {
		t.Errorf("SLIMFILE_CACHE_LAYERS=false: %d dependency layer steps", n)
	}
	for p, img := range with {
		d1, _ := img.Digest()
		d2, _ := without[p].Digest()
		if d1 != d2 {
			t.Errorf("%s: %s with the layers, %s without", p, d1, d2)
		}
	}
	b, err = buildctl(t, dir, append(args, "--opt", "build-arg:SLIMFILE_CACHE_LAYERS=maybe")...)
	if err == nil || !strings.Contains(b.out, "SLIMFILE_CACHE_LAYERS=maybe: want true or false") {
		t.Errorf("SLIMFILE_CACHE_LAYERS=maybe: %v\n%s", err, b.tail(20))
	}
}
