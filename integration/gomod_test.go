package integration

import (
	"regexp"
	"strings"
	"testing"
)

// goModLoads counts the distinct "load go.mod" steps in plain progress.
func goModLoads(out string) int {
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#(\d+) load go\.mod$`).FindAllStringSubmatch(out, -1) {
		seen[m[1]] = true
	}
	return len(seen)
}

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
		if n := goModLoads(b.out); n != 1 {
			t.Errorf("go.mod was loaded in %d steps, want 1 (the early read was not used):\n%s", n, tail(b.out, 60))
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
			if !strings.Contains(b.out, "go.sum is missing (or excluded by .dockerignore)") {
				t.Errorf("error does not say that go.sum is hidden:\n%s", tail(b.out, 30))
			}
			// The early read saw go.sum; the build read go.mod again
			// from the main context as it is.
			if n := goModLoads(b.out); n != 2 {
				t.Errorf("go.mod was loaded in %d steps, want 2:\n%s", n, tail(b.out, 60))
			}
		})
	}
}
