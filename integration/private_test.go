package integration

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	modpkg "golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

// privateProxy is a Go module proxy on loopback that serves one module and
// answers only requests with the right basic-auth credentials.
type privateProxy struct {
	addr, user, pass string
	path, version    string
	mod, zip         []byte
	caPEM            []byte // the server's self-signed certificate
	authorized       atomic.Int32
}

func newPrivateProxy(t *testing.T) *privateProxy {
	t.Helper()
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	p := &privateProxy{user: "slim", pass: "pw-" + hex.EncodeToString(secret), path: "example.com/private/greet", version: "v1.0.0"}
	p.mod = []byte("module " + p.path + "\n\ngo 1.21\n")
	dir := t.TempDir()
	for name, content := range map[string]string{
		"go.mod":   string(p.mod),
		"greet.go": "// Package greet is a private module.\npackage greet\n\n// Hello greets.\nfunc Hello() string { return \"hello from a private module\" }\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var zb bytes.Buffer
	if err := modzip.CreateFromDir(&zb, modpkg.Version{Path: p.path, Version: p.version}, dir); err != nil {
		t.Fatal(err)
	}
	p.zip = zb.Bytes()

	// HTTPS: the go command sends netrc credentials over https only.
	srv := httptest.NewTLSServer(p)
	t.Cleanup(srv.Close)
	p.addr = strings.TrimPrefix(srv.URL, "https://")
	p.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return p
}

func (p *privateProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, pw, ok := r.BasicAuth(); !ok || u != p.user || pw != p.pass {
		w.Header().Set("WWW-Authenticate", `Basic realm="private"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	p.authorized.Add(1)
	base := "/" + p.path + "/@v/"
	switch r.URL.Path {
	case base + "list":
		fmt.Fprintln(w, p.version)
	case base + p.version + ".info", "/" + p.path + "/@latest":
		fmt.Fprintf(w, `{"Version":%q,"Time":"2026-01-01T00:00:00Z"}`, p.version)
	case base + p.version + ".mod":
		w.Write(p.mod)
	case base + p.version + ".zip":
		w.Write(p.zip)
	default:
		http.NotFound(w, r)
	}
}

// goSum returns the go.sum lines of the served module.
func (p *privateProxy) goSum(t *testing.T) string {
	t.Helper()
	zf := filepath.Join(t.TempDir(), "m.zip")
	if err := os.WriteFile(zf, p.zip, 0o644); err != nil {
		t.Fatal(err)
	}
	zh, err := dirhash.HashZip(zf, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	mh, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(p.mod)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s %s %s\n%s %s/go.mod %s\n", p.path, p.version, zh, p.path, p.version, mh)
}

// TestExamplePrivateModule builds examples/private-module against its
// private module, served by an authenticated proxy: without the netrc
// secret the download is refused; with it the build works, and the
// password is in no layer, no exported cache blob, no attestation and no
// progress output. The module's source is in the exported cache unless
// SLIMFILE_CACHE_LAYERS=false.
func TestExamplePrivateModule(t *testing.T) {
	t.Parallel()
	p := newPrivateProxy(t)
	dir := exampleModule(t, "private-module")
	if sum, err := os.ReadFile(filepath.Join(dir, "go.sum")); err != nil || string(sum) != p.goSum(t) {
		t.Fatalf("examples/private-module/go.sum does not pin the module the test serves; want:\n%s", p.goSum(t))
	}
	// A cache namespace of its own: the builder's shared module cache may
	// hold the private module from an earlier run, and then no download
	// (and no credential) would be needed.
	ns := fmt.Sprintf("--build-arg=BUILDKIT_CACHE_MOUNT_NS=private-%d", time.Now().UnixNano())
	proxy := "--build-arg=PRIVATE_PROXY=https://" + p.addr
	netrc := filepath.Join(t.TempDir(), "netrc")
	if err := os.WriteFile(netrc, []byte(fmt.Sprintf("machine %s login %s password %s\n", p.addr, p.user, p.pass)), 0o600); err != nil {
		t.Fatal(err)
	}
	// A toolchain that trusts the proxy, given as the named context golang.
	golang := "--build-context=golang=docker-image://" + toolchainWithCA(t, p.caPEM)

	b, err := buildx(t, dir, "--platform", "linux/amd64", golang, proxy, ns)
	if err == nil {
		t.Fatal("the private module was downloaded without credentials")
	}
	if !strings.Contains(b.failure(), "401 Unauthorized") {
		t.Errorf("the failure does not show the proxy's refusal:\n%s", b.tail(30))
	}
	if p.authorized.Load() != 0 {
		t.Fatalf("the proxy authorized %d requests without the secret", p.authorized.Load())
	}

	cacheDir := filepath.Join(t.TempDir(), "cache")
	b, err = buildx(t, dir, "--platform", "linux/amd64", golang, proxy, ns, "--secret", "id=netrc,src="+netrc,
		"--cache-to", "type=local,dest="+cacheDir+",mode=max")
	imgs := mustBuild(t, b, err)
	if p.authorized.Load() == 0 {
		t.Error("the proxy saw no authorized request")
	}
	if out := strings.TrimSpace(runImage(t, imgs["linux/amd64"])); out != "hello from a private module" {
		t.Errorf("output %q", out)
	}
	for _, root := range []string{b.layout.Dir, cacheDir} {
		if where := findSecret(t, root, p.pass); where != "" {
			t.Errorf("the netrc password is in %s", where)
		}
	}
	// As printed (logs are base64 there) and decoded: step names,
	// statuses, logs, warnings, errors.
	if strings.Contains(b.out, p.pass) || strings.Contains(b.progress.String(), p.pass) {
		t.Error("the netrc password is in the build output")
	}

	// The private module's source (a comment, which no binary holds) is
	// in the exported cache, in the module layer's zip, as docs/ci.md says;
	// SLIMFILE_CACHE_LAYERS=false keeps it out.
	const source = "// Package greet is a private module."
	if findSecret(t, cacheDir, source) == "" {
		t.Error("the private module's source is not in the exported cache: the search for the password saw no module layer")
	}
	mountsOnly := filepath.Join(t.TempDir(), "cache")
	b, err = buildx(t, dir, "--platform", "linux/amd64", golang, proxy, ns, "--secret", "id=netrc,src="+netrc,
		"--build-arg", "SLIMFILE_CACHE_LAYERS=false", "--cache-to", "type=local,dest="+mountsOnly+",mode=max")
	mustBuild(t, b, err)
	if where := findSecret(t, mountsOnly, source); where != "" {
		t.Errorf("with SLIMFILE_CACHE_LAYERS=false, the private module's source is in %s", where)
	}
}

// findSecret returns the first file under root whose bytes contain
// secret, looking into what they pack (containsSecret).
func findSecret(t *testing.T, root, secret string) string {
	t.Helper()
	found := ""
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || found != "" {
			return err
		}
		dt, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		if where := containsSecret(dt, secret, 0); where != "" {
			found = path + where
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no files under %s to search", root)
	}
	return found
}

// containsSecret tells where in dt secret is: in its bytes, or in what
// they pack, the way a layer does (gzip or zstd, tar), or a module zip
// in one: "" when nowhere, else the path inside.
func containsSecret(dt []byte, secret string, depth int) string {
	if bytes.Contains(dt, []byte(secret)) {
		return " (as is)"
	}
	if depth > 4 {
		return ""
	}
	var inner []byte
	if zr, err := gzip.NewReader(bytes.NewReader(dt)); err == nil {
		inner, _ = io.ReadAll(zr)
	} else if bytes.HasPrefix(dt, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		if zr, err := zstd.NewReader(bytes.NewReader(dt)); err == nil {
			inner, _ = io.ReadAll(zr)
			zr.Close()
		}
	}
	if inner != nil {
		if where := containsSecret(inner, secret, depth+1); where != "" {
			return " (uncompressed)" + where
		}
		return ""
	}
	if len(dt) > 262 && string(dt[257:262]) == "ustar" {
		tr := tar.NewReader(bytes.NewReader(dt))
		for {
			h, err := tr.Next()
			if err != nil {
				return ""
			}
			b, _ := io.ReadAll(tr)
			if where := containsSecret(b, secret, depth+1); where != "" {
				return " " + h.Name + where
			}
		}
	}
	if zr, err := zip.NewReader(bytes.NewReader(dt), int64(len(dt))); err == nil {
		for _, f := range zr.File {
			r, err := f.Open()
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(r)
			r.Close()
			if where := containsSecret(b, secret, depth+1); where != "" {
				return " " + f.Name + where
			}
		}
	}
	return ""
}
