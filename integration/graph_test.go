package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// vertex returns the progress number of the step whose name starts with
// name, and whether that step finished as CACHED.
func vertex(t *testing.T, out, name string) (id string, cached bool) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^(#\d+) ` + regexp.QuoteMeta(name))
	m := re.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no step %q in progress:\n%s", name, tail(out, 60))
	}
	return m[1], strings.Contains(out, "\n"+m[1]+" CACHED")
}

// servedFromCache reports whether step name was served from the cache:
// CACHED, or (its result needed on a builder that imported the cache, as
// the frontend reads the derived seccomp profile beside the binary) a
// layer extracted with no output of the step's process.
func servedFromCache(t *testing.T, out, name string) bool {
	t.Helper()
	id, cached := vertex(t, out, name)
	if cached {
		return true
	}
	ran := regexp.MustCompile(`(?m)^` + id + ` \d+\.\d+ `).MatchString(out)
	return !ran && strings.Contains(out, "\n"+id+" extracting ")
}

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
	if _, cached := vertex(t, b.out, download); cached {
		t.Errorf("first build: %s was cached", download)
	}

	main := filepath.Join(dir, "main.go")
	src, _ := os.ReadFile(main)
	if err := os.WriteFile(main, []byte(strings.Replace(string(src), `"one"`, `"two"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err = buildctl(t, dir, "--opt", "platform=linux/amd64")
	imgs := mustBuild(t, b, err)
	if _, cached := vertex(t, b.out, download); !cached {
		t.Errorf("after a .go edit, %s ran again:\n%s", download, tail(b.out, 60))
	}
	if _, cached := vertex(t, b.out, "[linux/amd64] go build ."); cached {
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
	for _, want := range []string{"undefined: nope", ">>> main: ./cmd/api", "[linux/amd64] go build ./cmd/api"} {
		if !strings.Contains(b.out, want) {
			t.Errorf("output lacks %q:\n%s", want, tail(b.out, 40))
		}
	}
}
