package integration

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoModReadBesideSlimfile: go.mod at the context root is read while
// the Slimfile is, in one step, and that early read gives way to the main
// context as the build sees it: a .dockerignore or Slimfile.dockerignore
// that hides go.sum is obeyed.
func TestGoModReadBesideSlimfile(t *testing.T) {
	t.Parallel()
	withDeps := map[string]string{
		"Slimfile": "slimfile: 1\n",
		"go.mod":   "module example.com/hidden\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n",
		"go.sum":   "github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\ngithub.com/google/uuid v1.6.0/go.mod h1:TfCQx6jThU8mJP3pzL6rVYjtMZMYQ+o26DwRXdb1Zjw=\n",
		"main.go":  "package main\n\nimport _ \"github.com/google/uuid\"\n\nfunc main() {}\n",
	}
	t.Run("root module", func(t *testing.T) {
		t.Parallel()
		dir := module(t, map[string]string{
			"Slimfile":      "slimfile: 1\n",
			".dockerignore": "*.md\n",
			"README.md":     "not in the context\n",
			"go.mod":        "module example.com/early\n\ngo 1.22\n",
			"main.go":       "package main\n\nfunc main() { println(\"early\") }\n",
		})
		b, err := buildctl(t, dir, "--opt", "platform=linux/amd64")
		imgs := mustBuild(t, b, err)
		if out := runImage(t, imgs["linux/amd64"]); !strings.Contains(out, "early") {
			t.Errorf("output %q", out)
		}
		if n := b.progress.count("load go.mod"); n != 1 {
			t.Errorf("go.mod was loaded in %d steps, want 1 (the early read was not used):\n%s", n, b.tail(60))
		}
	})
	for _, ignore := range []string{".dockerignore", "Slimfile.dockerignore"} {
		t.Run(ignore+" hides go.sum", func(t *testing.T) {
			t.Parallel()
			files := map[string]string{ignore: "go.sum\n"}
			for k, v := range withDeps {
				files[k] = v
			}
			b, err := buildctl(t, module(t, files))
			if err == nil {
				t.Fatalf("build succeeded although %s hides go.sum", ignore)
			}
			if !strings.Contains(b.failure(), "go.sum is missing (or excluded by .dockerignore)") {
				t.Errorf("error does not say that go.sum is hidden:\n%s", b.tail(30))
			}
			// The early read saw go.sum; the build read go.mod again
			// from the main context as it is.
			if n := b.progress.count("load go.mod"); n != 2 {
				t.Errorf("go.mod was loaded in %d steps, want 2:\n%s", n, b.tail(60))
			}
		})
	}
}

// TestHTTPContext: a module served as a tarball over HTTP builds (the
// context is BuildKit's download, not a local directory) with no failed
// step on the way: go.mod is not looked for in a local that is not there.
func TestHTTPContext(t *testing.T) {
	t.Parallel()
	var tgz bytes.Buffer
	zw := gzip.NewWriter(&tgz)
	tw := tar.NewWriter(zw)
	for _, f := range []struct{ name, content string }{
		{"Slimfile", "# syntax=" + frontend + "\nslimfile: 1\n"},
		{"go.mod", "module example.com/fromhttp\n\ngo 1.22\n"},
		{"main.go", "package main\n\nfunc main() { println(\"built from an HTTP context\") }\n"},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.content))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/gzip")
		w.Write(tgz.Bytes())
	}))
	defer srv.Close()

	dest := filepath.Join(t.TempDir(), "image.tar")
	b, err := run(t, dest, "buildctl", "build", rawjson, "--frontend", "dockerfile.v0",
		"--opt", "context="+srv.URL+"/module.tar.gz", "--opt", "filename=Slimfile", "--opt", "platform=linux/amd64",
		"--output", "type=oci,dest="+dest)
	imgs := mustBuild(t, b, err)
	if out := runImage(t, imgs["linux/amd64"]); !strings.Contains(out, "built from an HTTP context") {
		t.Errorf("output %q", out)
	}
	// Looking for go.mod in a local directory the client did not send
	// fails (or is canceled), as a step with an error.
	if b.progress.count("load go.mod") > 0 || len(b.progress.failed()) > 0 {
		t.Errorf("a step failed or was cut short on the way:\n%s", b.tail(60))
	}
}

// TestContextNotSentAgain: rebuilding sends only what changed of the build
// context, also when a Dockerfile is built from the same directory in
// between. BuildKit keeps one copy of a local directory per shared key
// hint; the frontend's reads of go.mod once shared the main context's and
// made every build after a Dockerfile's send the whole context again.
// Not parallel: concurrent builds on the builder take copies of local
// directories too, and then a build may find none to reuse (three runs of
// this test side by side fail so, with this frontend and the one before
// the dependency layers).
func TestContextNotSentAgain(t *testing.T) {
	blob := make([]byte, 4<<20)
	if _, err := rand.Read(blob); err != nil {
		t.Fatal(err)
	}
	dir := module(t, map[string]string{
		"Slimfile":   "slimfile: 1\n",
		"Dockerfile": "FROM scratch\nCOPY . /ctx/\n",
		"go.mod":     "module example.com/resend\n\ngo 1.22\n",
		"main.go":    "package main\n\nfunc main() {}\n",
		"blob.bin":   string(blob),
	})
	dockerfile := func() *build {
		dest := filepath.Join(t.TempDir(), "image.tar")
		b, err := run(t, dest, "buildctl", "build", rawjson, "--frontend", "dockerfile.v0",
			"--local", "context="+dir, "--local", "dockerfile="+dir, "--output", "type=oci,dest="+dest)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	slimfile := func() *build {
		b, err := buildctl(t, dir, "--opt", "platform=linux/amd64")
		mustBuild(t, b, err)
		return b
	}
	slimfile()
	dockerfile()
	for i, b := range []*build{slimfile(), dockerfile(), slimfile()} {
		if n := b.progress.contextBytes(); n > 1e6 {
			t.Errorf("build %d after the first two sent %d bytes of an unchanged context:\n%s", i+1, n, b.tail(60))
		}
	}
}
