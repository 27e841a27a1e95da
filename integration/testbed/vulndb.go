package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The test bed's Go vulnerability database, made from the OSV entries
// that the module golang.org/x/vulndb ships in data/osv (the entries the
// public database serves), at the version of integration/testbed/versions:
// a directory in the database's layout (index/db.json, index/modules.json,
// index/vulns.json, ID/<id>.json, and each also gzipped, as served over
// HTTP) and its vulndb.zip, which the test bed serves over loopback in
// place of https://vuln.go.dev. The entries of data/osv carry no
// modification time (the public database dates them from its git
// history); each gets the time of the module's commit.

// makeVulnDB writes the database of vulndb version version into out,
// unless out already holds it.
func makeVulnDB(version, out string) error {
	if _, err := os.Stat(filepath.Join(out, "vulndb.zip")); err == nil {
		return nil
	}
	dl := exec.Command("go", "mod", "download", "-json", "golang.org/x/vulndb@"+version)
	dl.Dir = os.TempDir()
	dl.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GO111MODULE=on")
	dl.Stderr = os.Stderr
	dt, err := dl.Output()
	if err != nil {
		return fmt.Errorf("go mod download golang.org/x/vulndb@%s: %w", version, err)
	}
	var mod struct{ Dir, Info string }
	if err := json.Unmarshal(dt, &mod); err != nil {
		return err
	}
	var info struct{ Time time.Time }
	if dt, err := os.ReadFile(mod.Info); err == nil {
		_ = json.Unmarshal(dt, &info)
	}
	modified := info.Time.UTC()
	files, err := filepath.Glob(filepath.Join(mod.Dir, "data", "osv", "*.json"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no OSV entries in %s/data/osv: %v", mod.Dir, err)
	}
	db := map[string][]byte{} // path in the layout -> content
	type modVuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		Fixed    string    `json:"fixed,omitempty"`
	}
	modules := map[string][]modVuln{}
	type vuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		Aliases  []string  `json:"aliases,omitempty"`
	}
	var vulns []vuln
	for _, f := range files {
		dt, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var e map[string]any
		if err := json.Unmarshal(dt, &e); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		for _, k := range []string{"modified", "published"} {
			if s, _ := e[k].(string); s == "" || strings.HasPrefix(s, "0001-") {
				e[k] = modified.Format(time.RFC3339)
			}
		}
		dt, err = json.Marshal(e)
		if err != nil {
			return err
		}
		var entry struct {
			ID       string   `json:"id"`
			Aliases  []string `json:"aliases"`
			Affected []struct {
				Package struct{ Name string } `json:"package"`
				Ranges  []struct {
					Events []map[string]string `json:"events"`
				} `json:"ranges"`
			} `json:"affected"`
		}
		if err := json.Unmarshal(dt, &entry); err != nil {
			return err
		}
		db["ID/"+entry.ID+".json"] = dt
		vulns = append(vulns, vuln{entry.ID, modified, entry.Aliases})
		for _, a := range entry.Affected {
			fixed := ""
			for _, r := range a.Ranges {
				for _, ev := range r.Events {
					if v := ev["fixed"]; v != "" {
						fixed = v
					}
				}
			}
			modules[a.Package.Name] = append(modules[a.Package.Name], modVuln{entry.ID, modified, fixed})
		}
	}
	type module struct {
		Path  string    `json:"path"`
		Vulns []modVuln `json:"vulns"`
	}
	var index []module
	for _, p := range slices.Sorted(mapKeys(modules)) {
		index = append(index, module{p, modules[p]})
	}
	slices.SortFunc(vulns, func(a, b vuln) int { return strings.Compare(a.ID, b.ID) })
	for name, v := range map[string]any{"index/db.json": map[string]time.Time{"modified": modified}, "index/modules.json": index, "index/vulns.json": vulns} {
		if db[name], err = json.Marshal(v); err != nil {
			return err
		}
	}
	tmp := out + ".tmp"
	os.RemoveAll(tmp)
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, name := range slices.Sorted(mapKeys(db)) {
		if err := writeTestbedFile(filepath.Join(tmp, "db", name), db[name]); err != nil {
			return err
		}
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		w.Write(db[name])
		w.Close()
		if err := writeTestbedFile(filepath.Join(tmp, "db", name+".gz"), gz.Bytes()); err != nil {
			return err
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return err
		}
		fw.Write(db[name])
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := writeTestbedFile(filepath.Join(tmp, "vulndb.zip"), zbuf.Bytes()); err != nil {
		return err
	}
	os.RemoveAll(out)
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "vulnerability database golang.org/x/vulndb@%s: %d entries, modified %s, in %s\n", version, len(vulns), modified.Format(time.RFC3339), out)
	return nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func writeTestbedFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, data, 0o644)
}

// serveVulnDB serves the database directory dir (its vulndb.zip and, under
// db/, the layout with .json.gz files) over HTTP on addr, as
// https://vuln.go.dev serves the public one.
func serveVulnDB(addr, dir string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/vulndb.zip", withETag(dir, http.FileServer(http.Dir(dir))))
	mux.Handle("/", withETag(filepath.Join(dir, "db"), http.FileServer(http.Dir(filepath.Join(dir, "db")))))
	return http.Serve(l, mux)
}

// withETag gives each file an ETag (of its size and modification time),
// as the public database's storage does: BuildKit's HTTP source asks again
// with If-None-Match, and a file that did not change is not sent again.
func withETag(root string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(r.URL.Path))); err == nil && fi.Mode().IsRegular() {
			w.Header().Set("ETag", fmt.Sprintf(`"%x-%x"`, fi.ModTime().UnixNano(), fi.Size()))
		}
		h.ServeHTTP(w, r)
	})
}
