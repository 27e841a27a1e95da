package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/registry"
)

// goTagRe matches the golang image tags a Slimfile default can ask for:
// 1.26, 1.26.8, 1.26.8-alpine, 1.26-alpine3.22, ...
var goTagRe = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+))?(?:-alpine[0-9.]*)?$`)

// serveRegistry serves an OCI registry on addr. Blobs live on disk under dir;
// manifests are kept in memory and journaled to dir, then replayed at start,
// so a restarted registry still holds what was pushed.
//
// Requests for library/golang:<version>[-alpine] with a version not newer
// than this machine's Go are answered with the toolchain image built from
// that Go (see pushToolchain): the test bed has exactly one Go, and a module
// whose go.mod names an older release builds with it just as it would with
// that release's image.
func serveRegistry(addr, dir string) error {
	if dir == "" {
		return fmt.Errorf("registry: -dir is required")
	}
	blobDir, manDir := filepath.Join(dir, "blobs"), filepath.Join(dir, "manifests")
	for _, d := range []string{blobDir, manDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	quiet := log.New(io.Discard, "", 0)
	reg := registry.New(registry.WithBlobHandler(registry.NewDiskBlobHandler(blobDir)), registry.Logger(quiet))
	j := &journal{dir: manDir, next: reg}
	if err := j.replay(); err != nil {
		return err
	}
	log.Printf("registry listening on %s, data in %s", addr, dir)
	return http.ListenAndServe(addr, j)
}

// journal records every successful manifest PUT and rewrites golang tags.
type journal struct {
	dir  string
	next http.Handler
}

func (j *journal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	repo, ref, ok := manifestPath(r.URL.Path)
	if ok && (r.Method == http.MethodGet || r.Method == http.MethodHead) && repo == "library/golang" {
		if alias := goAlias(ref); alias != "" {
			r.URL.Path = "/v2/" + repo + "/manifests/" + alias
		}
	}
	if !ok || r.Method != http.MethodPut {
		j.next.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	j.next.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
	if rec.Code/100 == 2 {
		if err := j.record(repo, ref, r.Header.Get("Content-Type"), body); err != nil {
			log.Printf("journal: %v", err)
		}
	}
}

type entry struct {
	Repo        string `json:"repo"`
	Ref         string `json:"ref"`
	ContentType string `json:"contentType"`
	Body        []byte `json:"body"`
}

func (j *journal) record(repo, ref, ct string, body []byte) error {
	dt, err := json.Marshal(entry{repo, ref, ct, body})
	if err != nil {
		return err
	}
	name := strings.NewReplacer("/", "_", ":", "_").Replace(repo + "@" + ref)
	tmp := filepath.Join(j.dir, name+".tmp")
	if err := os.WriteFile(tmp, dt, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(j.dir, name+".json"))
}

// replay feeds the journaled manifests back, digests first so that tags and
// indexes find their children.
func (j *journal) replay() error {
	files, err := filepath.Glob(filepath.Join(j.dir, "*.json"))
	if err != nil {
		return err
	}
	var byDigest, byTag []entry
	for _, f := range files {
		dt, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var e entry
		if err := json.Unmarshal(dt, &e); err != nil {
			log.Printf("journal: skipping %s: %v", f, err)
			continue
		}
		if strings.HasPrefix(e.Ref, "sha256:") {
			byDigest = append(byDigest, e)
		} else {
			byTag = append(byTag, e)
		}
	}
	for _, e := range append(byDigest, byTag...) {
		req := httptest.NewRequest(http.MethodPut, "/v2/"+e.Repo+"/manifests/"+e.Ref, bytes.NewReader(e.Body))
		req.Header.Set("Content-Type", e.ContentType)
		rec := httptest.NewRecorder()
		j.next.ServeHTTP(rec, req)
		if rec.Code/100 != 2 {
			log.Printf("journal: replay %s:%s: %d %s", e.Repo, e.Ref, rec.Code, rec.Body.String())
		}
	}
	return nil
}

// manifestPath splits /v2/<repo>/manifests/<ref>.
func manifestPath(p string) (repo, ref string, ok bool) {
	rest, ok := strings.CutPrefix(p, "/v2/")
	if !ok {
		return "", "", false
	}
	i := strings.LastIndex(rest, "/manifests/")
	if i < 0 {
		return "", "", false
	}
	return rest[:i], rest[i+len("/manifests/"):], true
}

// goAlias returns the canonical toolchain tag for a golang tag that this
// machine's Go can stand in for, or "".
func goAlias(tag string) string {
	m := goTagRe.FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	local := goTagRe.FindStringSubmatch(goVersion())
	if local == nil || cmpVersion(m[1:4], local[1:4]) > 0 {
		return ""
	}
	return toolchainTag()
}

func cmpVersion(a, b []string) int {
	for i := range a {
		var x, y int
		fmt.Sscan(a[i]+" ", &x)
		fmt.Sscan(b[i]+" ", &y)
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// goVersion is this machine's Go version without its "go" prefix (and
// without the experiments some builds append: "go1.26.8 X:...").
func goVersion() string {
	return strings.TrimPrefix(strings.Fields(runtime.Version())[0], "go")
}

// toolchainTag is the tag the toolchain image is pushed under.
func toolchainTag() string {
	return goVersion() + "-alpine"
}
