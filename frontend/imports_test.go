package frontend

import (
	"io/fs"
	"slices"
	"testing"
	"testing/fstest"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func mapTree(m fstest.MapFS) *sourceTree {
	return newSourceTree(
		func(dir string) ([]fs.FileInfo, error) {
			entries, err := fs.ReadDir(m, dir)
			if err != nil {
				return nil, err
			}
			infos := make([]fs.FileInfo, len(entries))
			for i, e := range entries {
				if infos[i], err = e.Info(); err != nil {
					return nil, err
				}
			}
			return infos, nil
		},
		func(name string) ([]byte, error) { return fs.ReadFile(m, name) })
}

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

// TestImportedPackages: the walk follows the module's own packages from
// main, and keeps the imports from outside the module that go build
// compiles for the platform and tags: not test files, not files for other
// platforms or tags, not cgo files, not packages main does not reach.
func TestImportedPackages(t *testing.T) {
	tree := mapTree(fstest.MapFS{
		"svc/go.mod":                  file("module example.com/svc/v2\n"),
		"svc/cmd/api/main.go":         file("package main\nimport (\n\t\"fmt\"\n\t\"example.com/svc/v2/internal/store\"\n)\nfunc main() { fmt.Println(store.X) }\n"),
		"svc/cmd/api/main_test.go":    file("package main\nimport \"testing\"\n"),
		"svc/internal/store/s.go":     file("package store\nimport (\n\t\"os\"\n\t\"modernc.org/sqlite\"\n)\nvar X = os.Args\nvar _ = sqlite.X\n"),
		"svc/internal/store/arm.go":   file("//go:build arm64\npackage store\nimport _ \"golang.org/x/sys/cpu\"\n"),
		"svc/internal/store/tag.go":   file("//go:build pro\npackage store\nimport _ \"example.com/pro\"\n"),
		"svc/internal/store/c.go":     file("package store\n// #include <stdio.h>\nimport \"C\"\nimport _ \"github.com/mattn/go-sqlite3\"\n"),
		"svc/internal/unused/u.go":    file("package unused\nimport _ \"github.com/never/imported\"\n"),
		"svc/internal/broken/b.go":    file("package broken\nimport (\n"),
		"svc/cmd/api/z_broken_ref.go": file("package main\nimport _ \"example.com/svc/v2/internal/broken\"\n"),
	})
	amd := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm := ocispecs.Platform{OS: "linux", Architecture: "arm64"}
	for _, tc := range []struct {
		name string
		p    ocispecs.Platform
		tags []string
		want []string
	}{
		{"amd64", amd, nil, []string{"fmt", "modernc.org/sqlite", "os"}},
		{"arm64", arm, nil, []string{"fmt", "golang.org/x/sys/cpu", "modernc.org/sqlite", "os"}},
		{"tags", amd, []string{"pro"}, []string{"example.com/pro", "fmt", "modernc.org/sqlite", "os"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, dirs, _, _ := importedPackages(tree, tree.context(tc.p, tc.tags, false), "example.com/svc/v2", "svc", []string{"./cmd/api"})
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if want := []string{"svc/cmd/api", "svc/internal/broken", "svc/internal/store"}; !slices.Equal(dirs, want) {
				t.Errorf("walked %q, want %q", dirs, want)
			}
		})
	}
	if tree.hasVendor("svc") {
		t.Error("no vendor directory, but hasVendor says there is one")
	}
}

// TestImportedPackagesRoot: a module at the context's root with main at
// its root, and a vendor directory.
func TestImportedPackagesRoot(t *testing.T) {
	tree := mapTree(fstest.MapFS{
		"go.mod":             file("module hello\n"),
		"main.go":            file("package main\nimport (\n\t\"net/http\"\n\t\"hello/lib\"\n)\nfunc main() { http.ListenAndServe(lib.Addr, nil) }\n"),
		"lib/lib.go":         file("package lib\nconst Addr = \":8080\"\n"),
		"vendor/modules.txt": file(""),
	})
	got, dirs, _, _ := importedPackages(tree, tree.context(ocispecs.Platform{OS: "linux", Architecture: "amd64"}, nil, false), "hello", ".", []string{"."})
	if want := []string{"net/http"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// The module's own code: the walked packages' Go files and go.mod.
	code := tree.ownCode(".", dirs)
	if code == nil || len(code.files) != 3 || string(code.files["lib/lib.go"]) != "package lib\nconst Addr = \":8080\"\n" || code.files["go.mod"] == nil {
		t.Errorf("own code %v", code)
	}
	if !tree.hasVendor(".") {
		t.Error("a vendor directory, but hasVendor says there is none")
	}
}

// TestImportedPackagesSeveralMains: the walk starts from every main
// package, and names the first that is no main package.
func TestImportedPackagesSeveralMains(t *testing.T) {
	tree := mapTree(fstest.MapFS{
		"go.mod":              file("module example.com/svc\n"),
		"cmd/server/main.go":  file("package main\nimport \"net/http\"\nfunc main() { http.ListenAndServe(\":8080\", nil) }\n"),
		"cmd/migrate/main.go": file("package main\nimport \"database/sql\"\nfunc main() { sql.Drivers() }\n"),
		"internal/db/db.go":   file("package db\nimport \"os\"\nvar X = os.Args\n"),
	})
	ctx := tree.context(ocispecs.Platform{OS: "linux", Architecture: "amd64"}, nil, false)
	got, _, bad, _ := importedPackages(tree, ctx, "example.com/svc", ".", []string{"./cmd/server", "./cmd/migrate"})
	if want := []string{"database/sql", "net/http"}; !slices.Equal(got, want) || bad != -1 {
		t.Errorf("got %q (not main: %d), want %q", got, bad, want)
	}
	_, _, bad, name := importedPackages(tree, ctx, "example.com/svc", ".", []string{"./cmd/server", "./internal/db"})
	if bad != 1 || name != "db" {
		t.Errorf("not main: %d %q, want 1 db", bad, name)
	}
}
