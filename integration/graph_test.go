package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSourceEditKeepsDownloadCached: after a change to a .go file the
// module download is not run again, but the compile is.
func TestSourceEditKeepsDownloadCached(t *testing.T) {
	t.Parallel()
	nonce := time.Now().UnixNano()
	dir := module(t, map[string]string{
		"Slimfile": "slimfile: 1\n",
		// A module path of its own, so no other build shares its steps.
		"go.mod":  fmt.Sprintf("module example.com/edit%d\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n", nonce),
		"main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/google/uuid\"\n)\n\nfunc main() { fmt.Println(\"one\", uuid.Nil) }\n",
	})
	goModTidy(t, dir)
	download := fmt.Sprintf("go mod download (example.com/edit%d)", nonce)

	b, err := buildctl(t, dir, "--opt", "platform=linux/amd64")
	mustBuild(t, b, err)
	if b.progress.cached(t, download) {
		t.Errorf("first build: %s was cached", download)
	}

	main := filepath.Join(dir, "main.go")
	src, _ := os.ReadFile(main)
	if err := os.WriteFile(main, []byte(strings.Replace(string(src), `"one"`, `"two"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err = buildctl(t, dir, "--opt", "platform=linux/amd64")
	imgs := mustBuild(t, b, err)
	if !b.progress.cached(t, download) {
		t.Errorf("after a .go edit, %s ran again:\n%s", download, b.tail(60))
	}
	if b.progress.cached(t, "[linux/amd64] go build .") {
		t.Errorf("after a .go edit, go build was cached")
	}
	if out := strings.TrimSpace(runImage(t, imgs["linux/amd64"])); out != "two 00000000-0000-0000-0000-000000000000" {
		t.Errorf("rebuilt binary prints %q", out)
	}
}

// TestCompileErrorPointsAtMain: a failing go build shows the compiler's
// error and the Slimfile line of the package it built.
func TestCompileErrorPointsAtMain(t *testing.T) {
	t.Parallel()
	dir := module(t, map[string]string{
		"Slimfile":        "slimfile: 1\nmain: ./cmd/api\n",
		"go.mod":          "module example.com/broken\n\ngo 1.22\n",
		"cmd/api/main.go": "package main\n\nfunc main() { nope() }\n",
	})
	b, err := buildx(t, dir)
	if err == nil {
		t.Fatal("a package that does not compile built")
	}
	// The step of the package failed with the compiler's words in its
	// output; the error points at the main line.
	compile := b.progress.first(t, "[linux/amd64] go build ./cmd/api")
	if compile.err == "" {
		t.Errorf("the step %q did not fail:\n%s", compile.name, b.tail(40))
	}
	if !strings.Contains(compile.logs.String(), "undefined: nope") {
		t.Errorf("the output of %q lacks %q:\n%s", compile.name, "undefined: nope", b.tail(40))
	}
	if !strings.Contains(b.failure(), ">>> main: ./cmd/api") {
		t.Errorf("error lacks %q:\n%s", ">>> main: ./cmd/api", b.tail(40))
	}
}
