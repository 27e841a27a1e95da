package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/slimfile/slimfile/internal/gostep"
	"github.com/slimfile/slimfile/security"
)

// The Go vulnerability database as the check reads it: the layout of
// https://go.dev/security/vuln/database (index/db.json, index/modules.json,
// ID/<id>.json, gzipped as .json.gz over HTTP), whole in vulndb.zip.
// vulnDB accepts either, as a directory (a named context) or the zip (the
// default, fetched by BuildKit), reads every entry, leaves out and reports
// those it cannot read, and writes the rest with indexes made from them:
// the checker then never meets an entry it cannot parse.

// osvEntry is what the check needs to read of an OSV entry to index it.
type osvEntry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
		Ranges []struct {
			Events []struct {
				Introduced string `json:"introduced"`
				Fixed      string `json:"fixed"`
			} `json:"events"`
		} `json:"ranges"`
	} `json:"affected"`
}

// dbFile is a file of the database as given, by its path in the layout
// with .gz and a directory prefix dropped.
type dbFile struct {
	name string
	data []byte
}

// vulnDB checks the database c.In. What it cannot use is said in the
// summary (security.VulnDBInfo.Error), for the frontend to report at the
// Slimfile's line or naming the context, rather than in a failed step,
// whose output a cached build would not show: the same database gives the
// same answer.
func vulnDB(c *gostep.VulnDB) error {
	source := c.Source
	if source == "" {
		source = c.In
	}
	info := security.VulnDBInfo{Source: source}
	if err := checkVulnDB(c, &info); err != nil {
		info.Error = err.Error()
		fmt.Printf("vulnerability database %s: %v\n", source, err)
	}
	dt, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(c.Out, security.VulnDBInfoFile), dt)
}

// checkVulnDB reads the database of c into c.Out and info.
func checkVulnDB(c *gostep.VulnDB, info *security.VulnDBInfo) error {
	files, err := readDB(c.In)
	if err != nil {
		return err
	}
	var entries []osvEntry
	var ids []string
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.name] {
			continue // an entry given as .json and as .json.gz
		}
		seen[f.name] = true
		if f.name == "index/db.json" {
			var meta struct {
				Modified time.Time `json:"modified"`
			}
			if json.Unmarshal(f.data, &meta) == nil {
				info.Modified = meta.Modified
			}
		}
		dir, file := path.Split(f.name)
		if dir != "ID/" || !strings.HasSuffix(file, ".json") {
			continue
		}
		e, err := readEntry(strings.TrimSuffix(file, ".json"), f.data)
		if err != nil {
			info.Skipped = append(info.Skipped, security.VulnDBProblem{Name: f.name, Error: err.Error()})
			continue
		}
		if err := writeFile(filepath.Join(c.Out, "ID", e.ID+".json"), f.data); err != nil {
			return err
		}
		entries = append(entries, e)
		ids = append(ids, strings.Join(append([]string{e.ID}, e.Aliases...), " "))
	}
	if len(entries) == 0 {
		return fmt.Errorf("it has no entry that can be read (%d left out): give a database in the layout of https://go.dev/security/vuln/database", len(info.Skipped))
	}
	info.Entries = len(entries)
	for _, e := range entries {
		if e.Modified.After(info.Modified) {
			info.Modified = e.Modified
		}
	}
	if err := writeIndexes(c.Out, entries, info.Modified); err != nil {
		return err
	}
	slices.Sort(ids)
	if err := writeFile(filepath.Join(c.Out, security.VulnDBIDsFile), []byte(strings.Join(ids, "\n")+"\n")); err != nil {
		return err
	}
	fmt.Printf("vulnerability database %s: %d entries, modified %s\n", info.Source, info.Entries, info.Modified.Format(time.RFC3339))
	for _, p := range info.Skipped {
		fmt.Printf("left out %s: %s\n", p.Name, p.Error)
	}
	return nil
}

// readEntry checks that data is the OSV entry id.
func readEntry(id string, data []byte) (osvEntry, error) {
	var e osvEntry
	if err := json.Unmarshal(data, &e); err != nil {
		return e, fmt.Errorf("not an OSV entry: %v", err)
	}
	switch {
	case e.ID == "":
		return e, errors.New("no id")
	case e.ID != id:
		return e, fmt.Errorf("its id is %q", e.ID)
	case len(e.Affected) == 0:
		return e, errors.New("no affected module")
	}
	for _, a := range e.Affected {
		if a.Package.Name == "" {
			return e, errors.New("an affected module without a name")
		}
	}
	return e, nil
}

// readDB reads the database in: a directory in the layout, or one holding
// a .zip of it.
func readDB(in string) ([]dbFile, error) {
	if _, err := os.Stat(in); err != nil {
		return nil, err
	}
	for _, idx := range []string{"index/modules.json", "index/modules.json.gz"} {
		if _, err := os.Stat(filepath.Join(in, idx)); err == nil {
			return readDir(in)
		}
	}
	zips, _ := filepath.Glob(filepath.Join(in, "*.zip"))
	if len(zips) == 1 {
		return readZip(zips[0])
	}
	var names []string
	entries, _ := os.ReadDir(in)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return nil, fmt.Errorf("is not in the layout of the Go vulnerability database (index/db.json, index/modules.json, ID/<id>.json) nor its vulndb.zip; it holds: %s", strings.Join(names, ", "))
}

// readDir reads a database directory; a file it has both as .json and
// as .json.gz (as a copy of the served files may) is read once, from the
// .json.
func readDir(in string) ([]dbFile, error) {
	var files []dbFile
	err := filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(in, p)
		rel = filepath.ToSlash(rel)
		if n, gz := strings.CutSuffix(rel, ".gz"); gz {
			if _, err := os.Stat(filepath.Join(in, filepath.FromSlash(n))); err == nil {
				return nil
			}
		}
		dt, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := dbEntry(rel, dt)
		if err == nil {
			files = append(files, f)
		}
		return err
	})
	return files, err
}

func readZip(name string) ([]dbFile, error) {
	r, err := zip.OpenReader(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(name), err)
	}
	defer r.Close()
	var files []dbFile
	for _, zf := range r.File {
		if zf.FileInfo().IsDir() {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, err
		}
		dt, err := io.ReadAll(io.LimitReader(rc, 64<<20))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", filepath.Base(name), zf.Name, err)
		}
		f, err := dbEntry(zf.Name, dt)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// dbEntry names a file of the database by its place in the layout,
// gunzipped; a zip whose files sit in a directory (vulndb/ID/...) is
// read as if they did not.
func dbEntry(name string, data []byte) (dbFile, error) {
	if i := strings.Index(name, "ID/"); i > 0 && (strings.HasSuffix(name[:i], "/")) {
		name = name[i:]
	} else if i := strings.Index(name, "index/"); i > 0 && strings.HasSuffix(name[:i], "/") {
		name = name[i:]
	}
	if n, ok := strings.CutSuffix(name, ".gz"); ok {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return dbFile{n, nil}, nil // an unreadable entry, reported as such
		}
		dt, err := io.ReadAll(io.LimitReader(zr, 64<<20))
		if err != nil {
			dt = nil
		}
		return dbFile{n, dt}, nil
	}
	return dbFile{name, data}, nil
}

// writeIndexes writes the database's indexes for entries: db.json with
// its modification time, modules.json (each module's entries, with the
// version that fixes each) and vulns.json (IDs and aliases).
func writeIndexes(out string, entries []osvEntry, modified time.Time) error {
	type modVuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		Fixed    string    `json:"fixed,omitempty"`
	}
	type module struct {
		Path  string    `json:"path"`
		Vulns []modVuln `json:"vulns"`
	}
	type vuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		Aliases  []string  `json:"aliases,omitempty"`
	}
	byModule := map[string]*module{}
	var vulns []vuln
	for _, e := range entries {
		vulns = append(vulns, vuln{e.ID, e.Modified, e.Aliases})
		for _, a := range e.Affected {
			m := byModule[a.Package.Name]
			if m == nil {
				m = &module{Path: a.Package.Name}
				byModule[a.Package.Name] = m
			}
			fixed := ""
			for _, r := range a.Ranges {
				for _, ev := range r.Events {
					if ev.Fixed != "" {
						fixed = ev.Fixed
					}
				}
			}
			m.Vulns = append(m.Vulns, modVuln{e.ID, e.Modified, fixed})
		}
	}
	var modules []*module
	for _, m := range byModule {
		slices.SortFunc(m.Vulns, func(a, b modVuln) int { return strings.Compare(a.ID, b.ID) })
		modules = append(modules, m)
	}
	slices.SortFunc(modules, func(a, b *module) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(vulns, func(a, b vuln) int { return strings.Compare(a.ID, b.ID) })
	for name, v := range map[string]any{"db": map[string]time.Time{"modified": modified}, "modules": modules, "vulns": vulns} {
		dt, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(out, "index", name+".json"), dt); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, data, 0o644)
}
