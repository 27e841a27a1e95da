package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slimfile/slimfile/internal/gostep"
	"github.com/slimfile/slimfile/security"
)

// osv is an OSV entry of the Go vulnerability database for example.com/dep
// below v1.1.0 (or from introduced), in package pkg, symbols syms.
func osv(id, introduced, pkg string, syms ...string) string {
	e := map[string]any{
		"schema_version": "1.3.1", "id": id, "modified": "2026-11-01T00:00:00Z", "published": "2026-11-01T00:00:00Z",
		"aliases": []string{"CVE-2099-" + id[len(id)-4:]}, "summary": "a flaw in " + pkg,
		"affected": []any{map[string]any{
			"package":            map[string]any{"name": "example.com/dep", "ecosystem": "Go"},
			"ranges":             []any{map[string]any{"type": "SEMVER", "events": []any{map[string]any{"introduced": introduced}, map[string]any{"fixed": "1.1.0"}}}},
			"ecosystem_specific": map[string]any{"imports": []any{map[string]any{"path": pkg, "symbols": syms}}},
		}},
	}
	dt, _ := json.Marshal(e)
	return string(dt)
}

// vulnDBDir is a database in the directory layout: four entries of
// example.com/dep and one that is not an OSV entry.
func vulnDBDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index", "db.json"), `{"modified":"2026-11-02T00:00:00Z"}`)
	write(t, filepath.Join(dir, "index", "modules.json"), `[]`) // made again from the entries
	write(t, filepath.Join(dir, "ID", "GO-2099-0001.json"), osv("GO-2099-0001", "0", "example.com/dep", "Bad"))
	write(t, filepath.Join(dir, "ID", "GO-2099-0002.json"), osv("GO-2099-0002", "0", "example.com/dep", "Unused"))
	write(t, filepath.Join(dir, "ID", "GO-2099-0003.json"), osv("GO-2099-0003", "0", "example.com/dep/sub", "Sub"))
	write(t, filepath.Join(dir, "ID", "GO-2099-0004.json"), osv("GO-2099-0004", "1.0.1", "example.com/dep", "Bad"))
	write(t, filepath.Join(dir, "ID", "GO-2099-9999.json"), `{"id": "GO-2099-9999", "affected": [`)
	// A copy of the served files has each entry gzipped as well.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(osv("GO-2099-0001", "0", "example.com/dep", "Bad")))
	zw.Close()
	write(t, filepath.Join(dir, "ID", "GO-2099-0001.json.gz"), gz.String())
	return dir
}

// TestVulnDB: the step reads a database in its layout or as its zip,
// leaves out and reports the entry it cannot read, and writes the rest
// with indexes of its own; a directory that is neither is an error.
func TestVulnDB(t *testing.T) {
	in := vulnDBDir(t)
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	filepath.WalkDir(in, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(in, p)
			w, _ := zw.Create(filepath.ToSlash(rel))
			dt, _ := os.ReadFile(p)
			w.Write(dt)
		}
		return err
	})
	zw.Close()
	zipDir := t.TempDir()
	write(t, filepath.Join(zipDir, "vulndb.zip"), zbuf.String())
	for name, src := range map[string]string{"directory": in, "zip": zipDir} {
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			if err := vulnDB(&gostep.VulnDB{In: src, Out: out, Source: "test"}); err != nil {
				t.Fatal(err)
			}
			var info security.VulnDBInfo
			dt, _ := os.ReadFile(filepath.Join(out, security.VulnDBInfoFile))
			if err := json.Unmarshal(dt, &info); err != nil {
				t.Fatal(err)
			}
			if info.Entries != 4 || len(info.Skipped) != 1 || info.Skipped[0].Name != "ID/GO-2099-9999.json" || info.Source != "test" ||
				info.Modified.Format("2006-01-02") != "2026-11-02" {
				t.Errorf("info %+v", info)
			}
			if _, err := os.Stat(filepath.Join(out, "ID", "GO-2099-9999.json")); err == nil {
				t.Error("the unreadable entry was kept")
			}
			mods, _ := os.ReadFile(filepath.Join(out, "index", "modules.json"))
			if !strings.Contains(string(mods), `"path":"example.com/dep"`) || strings.Count(string(mods), `"fixed":"1.1.0"`) != 4 {
				t.Errorf("modules index %s", mods)
			}
			ids, _ := os.ReadFile(filepath.Join(out, security.VulnDBIDsFile))
			if !strings.Contains(string(ids), "GO-2099-0001 CVE-2099-0001\n") {
				t.Errorf("ids %q", ids)
			}
		})
	}
	bad, out := t.TempDir(), t.TempDir()
	write(t, filepath.Join(bad, "README"), "not a database")
	if err := vulnDB(&gostep.VulnDB{In: bad, Out: out, Source: "the govulndb build context"}); err != nil {
		t.Fatal(err)
	}
	var info security.VulnDBInfo
	dt, _ := os.ReadFile(filepath.Join(out, security.VulnDBInfoFile))
	json.Unmarshal(dt, &info)
	if !strings.Contains(info.Error, "is not in the layout") || !strings.Contains(info.Error, "README") || info.Source != "the govulndb build context" {
		t.Errorf("a directory that is no database: %+v", info)
	}
}

// depProxy is a module proxy directory with example.com/dep v1.0.0: Bad
// and Unused in example.com/dep, Sub in example.com/dep/sub.
func depProxy(t *testing.T) string {
	return depProxyOf(t, map[string]string{
		"dep.go":     "package dep\n\nfunc Bad() string { return \"bad\" }\n\nfunc Unused() string { return \"unused\" }\n",
		"sub/sub.go": "package sub\n\nfunc Sub() {}\n",
	})
}

// TestVulns runs govulncheck, offline, on a module that calls one
// vulnerable function of a dependency and imports the package of another
// without calling it: the report has each at its level, the call path
// from main with positions in the module's own files, located, and the
// entry for another version not at all.
func TestVulns(t *testing.T) {
	db := t.TempDir()
	if err := vulnDB(&gostep.VulnDB{In: vulnDBDir(t), Out: db}); err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	write(t, filepath.Join(mod, "go.mod"), "module example.com/app\n\ngo 1.24\n\nrequire example.com/dep v1.0.0\n")
	write(t, filepath.Join(mod, "main.go"), "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/dep\"\n)\n\nfunc main() {\n\tfmt.Println(greet())\n}\n\nfunc greet() string {\n\treturn dep.Bad()\n}\n")
	t.Setenv("GOPROXY", "file://"+depProxy(t))
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GONOSUMDB", "example.com")
	t.Setenv("GOSUMDB", "off")
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("GOCACHE", t.TempDir())
	t.Setenv("GOTOOLCHAIN", "local")
	out := filepath.Join(t.TempDir(), "vulns.json")
	if err := vulns(&gostep.Vulns{DB: db, Out: out, Dir: mod, Packages: []string{"."}}); err != nil {
		t.Fatal(err)
	}
	var rep security.VulnReport
	dt, _ := os.ReadFile(out)
	if err := json.Unmarshal(dt, &rep); err != nil {
		t.Fatal(err)
	}
	levels := map[string]string{}
	for _, v := range rep.Vulns {
		if v.Module == "example.com/dep" {
			levels[v.ID] = v.Level
		}
	}
	want := map[string]string{"GO-2099-0001": security.LevelCalled, "GO-2099-0002": security.LevelImported, "GO-2099-0003": security.LevelRequired}
	for id, l := range want {
		if levels[id] != l {
			t.Errorf("%s at level %q, want %q (all: %v)", id, levels[id], l, levels)
		}
	}
	if _, ok := levels["GO-2099-0004"]; ok {
		t.Error("an entry of another version was found")
	}
	called := rep.Called()
	i := slices.IndexFunc(called, func(v security.Vuln) bool { return v.ID == "GO-2099-0001" })
	if i < 0 {
		t.Fatalf("GO-2099-0001 not called: %+v", rep.Vulns)
	}
	v := called[i]
	if v.Version != "v1.0.0" || v.Fixed != "v1.1.0" || !slices.Equal(v.Symbols, []string{"dep.Bad"}) || v.Aliases[0] != "CVE-2099-0001" {
		t.Errorf("finding %+v", v)
	}
	if got := v.CallPath(); got != "app.main (main.go:10:19) → app.greet (main.go:14:16) → dep.Bad" {
		t.Errorf("call path %q", got)
	}
	if at := v.Trace[0].At; at == nil || at.Decl != "func main" || at.File != "main.go" {
		t.Errorf("main's frame is not located: %+v", v.Trace[0])
	}
	if !strings.HasPrefix(rep.Scanner, "govulncheck v") || rep.Module != "example.com/app" || rep.GoVersion == "" {
		t.Errorf("report %q %q %q", rep.Scanner, rep.Module, rep.GoVersion)
	}
}
