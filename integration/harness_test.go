// Integration tests: real Slimfiles built by a real buildkitd through the
// `# syntax=` forwarding, with buildctl and with docker buildx, exported as
// OCI layouts, inspected and run. They need the test bed
// (integration/testbed/up.sh, which `make test` runs) and are skipped
// unless SLIMFILE_INTEGRATION=1.
package integration

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slimfile/slimfile/integration/oci"
)

// frontend is the frontend image the Slimfiles' syntax lines name.
var frontend = os.Getenv("SLIMFILE_FRONTEND")

// builder is the docker buildx builder on the test bed's buildkitd
// (BUILDKIT_HOST), which the env file names.
var builder = cmp.Or(os.Getenv("BUILDX_BUILDER"), "slimfile")

// emptied is the test bed's buildkitd (and its buildx builder) for the
// tests that empty their builder's cache: emptied under the other tests'
// builds, BuildKit can lose snapshots that those builds still use. The
// tests that use it are not parallel, as each empties it.
var emptied = struct{ addr, builder string }{os.Getenv("SLIMFILE_EMPTY_BUILDKIT_HOST"), os.Getenv("SLIMFILE_EMPTY_BUILDX_BUILDER")}

func TestMain(m *testing.M) {
	if os.Getenv("SLIMFILE_INTEGRATION") != "1" {
		fmt.Println("integration tests skipped: SLIMFILE_INTEGRATION is not 1 (run `make test`)")
		os.Exit(0)
	}
	if frontend == "" || os.Getenv("BUILDKIT_HOST") == "" || emptied.addr == "" || emptied.builder == "" {
		fmt.Println("SLIMFILE_INTEGRATION=1 but the test bed environment is missing: source the env file that integration/testbed/up.sh prints")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// module writes a Go module with the given files into a temporary
// directory. A "Slimfile" entry gets the frontend's syntax line first.
func module(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if name == "Slimfile" {
			content = "# syntax=" + frontend + "\n" + content
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// build is the outcome of one build.
type build struct {
	out      string    // the command's output as printed
	progress *progress // what the build's rawjson progress said
	layout   *oci.Layout
}

// failure is what a failed build says of its failure, as plain progress
// ends with it: the output and the error of each step that failed, then
// the error the client printed after the stream (buildx and buildctl print
// the Slimfile lines around its position first).
func (b *build) failure() string {
	var s strings.Builder
	for _, st := range b.progress.failed() {
		s.WriteString(st.logs.String())
		s.WriteString(st.err + "\n")
	}
	s.WriteString(b.progress.text)
	return s.String()
}

// tail is the last n lines of the build's progress, rendered, for a
// failure message.
func (b *build) tail(n int) string { return tail(b.progress.String(), n) }

// buildctl builds dir's Slimfile with buildctl into an OCI layout.
func buildctl(t *testing.T, dir string, extra ...string) (*build, error) {
	t.Helper()
	return buildctlOn(t, os.Getenv("BUILDKIT_HOST"), dir, extra...)
}

// buildctlOn is buildctl on the buildkitd at addr.
func buildctlOn(t *testing.T, addr, dir string, extra ...string) (*build, error) {
	t.Helper()
	dest := filepath.Join(t.TempDir(), "image.tar")
	args := append([]string{"--addr", addr, "build", rawjson, "--frontend", "dockerfile.v0",
		"--local", "context=" + dir, "--local", "dockerfile=" + dir, "--opt", "filename=Slimfile",
		"--output", "type=oci,dest=" + dest}, extra...)
	return run(t, dest, "buildctl", args...)
}

// buildx builds dir's Slimfile with `docker buildx build -f Slimfile`.
func buildx(t *testing.T, dir string, extra ...string) (*build, error) {
	t.Helper()
	return buildxOn(t, builder, dir, extra...)
}

// buildxOn is buildx with the buildx builder named builder.
func buildxOn(t *testing.T, builder, dir string, extra ...string) (*build, error) {
	t.Helper()
	dest := filepath.Join(t.TempDir(), "image.tar")
	args := append([]string{"buildx", "build", "--builder", builder, rawjson,
		"-f", filepath.Join(dir, "Slimfile"), "--output", "type=oci,dest=" + dest}, extra...)
	args = append(args, dir)
	return run(t, dest, "docker", args...)
}

// buildxCall runs docker buildx build --call=what (a subrequest: targets,
// outline, check) on the module in dir and returns its output.
func buildxCall(dir, what string, extra ...string) (string, error) {
	args := append([]string{"buildx", "build", "--builder", builder, "--call=" + what, "-f", filepath.Join(dir, "Slimfile")}, extra...)
	out, err := exec.Command("docker", append(args, dir)...).CombinedOutput()
	return string(out), err
}

// run runs a build command that prints rawjson progress and opens the OCI
// layout it exports to dest ("" for none).
func run(t *testing.T, dest, name string, args ...string) (*build, error) {
	t.Helper()
	var buf bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	p, perr := readProgress(buf.Bytes())
	b := &build{out: buf.String(), progress: p}
	if perr != nil {
		return b, fmt.Errorf("%s %s: %v (%v)\n%s", name, strings.Join(args, " "), perr, err, tail(buf.String(), 20))
	}
	if err != nil {
		return b, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(p.String(), 60))
	}
	if dest == "" {
		return b, nil
	}
	if b.layout, err = oci.Open(dest); err != nil {
		return b, err
	}
	return b, nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func mustBuild(t *testing.T, b *build, err error) map[string]v1.Image {
	t.Helper()
	if err != nil {
		t.Fatalf("%v%s", err, builderErrors())
	}
	imgs, err := b.layout.Images()
	if err != nil {
		t.Fatal(err)
	}
	return imgs
}

// builderErrors is the last errors the test bed's buildkitd daemons
// logged (of every build running then, not only the one that failed), for
// the message of a build that was meant to succeed: what BuildKit says of
// its own failures is often only in its log, which a CI run does not keep.
func builderErrors() string {
	logs, _ := filepath.Glob(filepath.Join(os.Getenv("SLIMFILE_STATE"), "buildkitd*.log"))
	var s strings.Builder
	for _, name := range logs {
		dt, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		var errs []string
		for _, l := range strings.Split(string(dt), "\n") {
			if strings.Contains(l, "level=error") {
				errs = append(errs, l)
			}
		}
		if len(errs) > 0 {
			fmt.Fprintf(&s, "\nthe last errors in %s:\n%s", filepath.Base(name), tail(strings.Join(errs, "\n"), 15))
		}
	}
	return s.String()
}

// localGoVersion is this machine's Go version ("1.26.8"): the test bed's
// golang image holds it.
func localGoVersion() string {
	return strings.TrimPrefix(strings.Fields(runtime.Version())[0], "go")
}

// prune empties the cache of the emptied builder.
func prune(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("buildctl", "--addr", emptied.addr, "prune", "--all").CombinedOutput(); err != nil {
		t.Fatalf("prune: %v\n%s", err, out)
	}
}

// toolchainWithCA builds the test bed's golang image with an extra trusted
// CA certificate, pushes it to the loopback registry and returns its
// reference pinned by digest.
func toolchainWithCA(t *testing.T, caPEM []byte) string {
	t.Helper()
	goVersion := localGoVersion()
	dir := t.TempDir()
	files := map[string]string{
		"ca.pem": string(caPEM),
		"Dockerfile": "FROM golang:" + goVersion + "-alpine\nCOPY ca.pem /ca.pem\n" +
			"RUN cat /ca.pem >> /etc/ssl/certs/ca-certificates.crt && rm /ca.pem\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repo := os.Getenv("SLIMFILE_REGISTRY") + "/test/golang-with-ca"
	name := repo + ":" + fmt.Sprint(time.Now().UnixNano())
	meta := filepath.Join(dir, "metadata.json")
	cmd := exec.Command("buildctl", "build", "--frontend", "dockerfile.v0", "--local", "context="+dir, "--local", "dockerfile="+dir,
		"--output", "type=image,name="+name+",push=true,registry.insecure=true", "--metadata-file", meta)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building a toolchain with a test CA: %v\n%s", err, tail(string(out), 30))
	}
	var md map[string]any
	dt, err := os.ReadFile(meta)
	if err == nil {
		err = json.Unmarshal(dt, &md)
	}
	dgst, _ := md["containerimage.digest"].(string)
	if err != nil || dgst == "" {
		t.Fatalf("no image digest in %s: %v", dt, err)
	}
	return repo + "@" + dgst
}

// runImage unpacks img and runs its entrypoint with args, chrooted as the
// image user; it returns combined output.
func runImage(t *testing.T, img v1.Image, args ...string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "rootfs")
	if err := oci.Unpack(img, root); err != nil {
		t.Fatal(err)
	}
	cmd, err := oci.Command(img, root, args...)
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("running %v: %v\n%s", cmd.Args, err, out)
	}
	return string(out)
}

// syncBuffer collects the output of a process that is still running,
// for the test to read meanwhile.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// exampleModule copies examples/<name> into a temporary directory with its
// syntax line pointing at the test bed's frontend.
func exampleModule(t *testing.T, name string) string {
	t.Helper()
	return copyModule(t, filepath.Join("..", "examples", name))
}

// copyModule copies the module in src (a Slimfile beside it) into a
// temporary directory, with its syntax line pointing at the test bed's
// frontend.
func copyModule(t *testing.T, src string) string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		dt, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		content := string(dt)
		if rel == "Slimfile" {
			lines := strings.SplitN(content, "\n", 2)
			if !strings.HasPrefix(lines[0], "# syntax=") {
				t.Fatalf("%s/Slimfile must start with a # syntax= line", src)
			}
			content = lines[1]
		}
		files[rel] = content
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return module(t, files)
}

// freeAddr is a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func get(url string) (string, error) {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	dt, err := io.ReadAll(resp.Body)
	return string(dt), err
}

func checkMode(t *testing.T, files map[string]oci.File, name string, mode int64, uid int) {
	t.Helper()
	f, ok := files[name]
	if !ok {
		t.Errorf("%s missing", name)
		return
	}
	if got := f.Header.Mode & 0o7777; got != mode {
		t.Errorf("%s mode %o, want %o", name, got, mode)
	}
	if f.Header.Uid != uid {
		t.Errorf("%s uid %d, want %d", name, f.Header.Uid, uid)
	}
}

// goModTidy writes go.sum the way a developer would.
func goModTidy(t *testing.T, dir string) {
	t.Helper()
	cmd := exec.Command("go", "mod", "tidy")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy: %v\n%s", err, out)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// localOutput builds output (a --target value) of dir's Slimfile into a
// local directory with buildctl.
func localOutput(t *testing.T, dir, output string, extra ...string) (string, *build, error) {
	t.Helper()
	dest := t.TempDir()
	args := append([]string{"build", rawjson, "--frontend", "dockerfile.v0",
		"--local", "context=" + dir, "--local", "dockerfile=" + dir, "--opt", "filename=Slimfile",
		"--opt", "target=" + output, "--output", "type=local,dest=" + dest}, extra...)
	b, err := run(t, "", "buildctl", args...)
	return dest, b, err
}

// spdxStatement is the part of an in-toto SPDX attestation the test reads.
type spdxStatement struct {
	PredicateType string `json:"predicateType"`
	Predicate     struct {
		SPDXVersion string `json:"spdxVersion"`
		Packages    []struct {
			Name        string `json:"name"`
			VersionInfo string `json:"versionInfo"`
			Comment     string `json:"comment"`
		} `json:"packages"`
	} `json:"predicate"`
}

// sbomOf finds the SPDX statement attached to the image with manifest
// digest d in the layout, beside which buildx's provenance must be.
func sbomOf(t *testing.T, l *oci.Layout, d v1.Hash) *spdxStatement {
	t.Helper()
	if attestationOf(t, l, d, "https://slsa.dev/provenance/") == nil {
		t.Errorf("no provenance attestation beside the SBOM of %s", d)
	}
	var st spdxStatement
	if err := json.Unmarshal(attestationOf(t, l, d, "https://spdx.dev/Document"), &st); err != nil {
		t.Fatalf("SPDX statement: %v", err)
	}
	return &st
}

// attestationOf is the in-toto statement whose predicate type starts with
// pt, attached to the image with manifest digest d in the layout; it
// fails the test when there is none, but for provenance, which it
// returns as nil.
func attestationOf(t *testing.T, l *oci.Layout, d v1.Hash, pt string) []byte {
	t.Helper()
	m, err := l.Index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, desc := range m.Manifests {
		if desc.Annotations["vnd.docker.reference.type"] != "attestation-manifest" || desc.Annotations["vnd.docker.reference.digest"] != d.String() {
			continue
		}
		att, err := l.Index.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		am, err := att.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		for _, ld := range am.Layers {
			if !strings.HasPrefix(ld.Annotations["in-toto.io/predicate-type"], pt) {
				continue
			}
			layer, err := att.LayerByDigest(ld.Digest)
			if err != nil {
				t.Fatal(err)
			}
			rc, err := layer.Compressed() // in-toto JSON is stored as is
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			dt, _ := io.ReadAll(rc)
			return dt
		}
	}
	if strings.HasPrefix(pt, "https://slsa.dev/provenance/") {
		return nil
	}
	t.Fatalf("no %s attestation for %s", pt, d)
	return nil
}

// lineOf is the number of the first line of dir's Slimfile (its syntax
// line is line 1) that starts with prefix.
func lineOf(t *testing.T, dir, prefix string) int {
	t.Helper()
	dt, err := os.ReadFile(filepath.Join(dir, "Slimfile"))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(dt), "\n") {
		if strings.HasPrefix(l, prefix) {
			return i + 1
		}
	}
	t.Fatalf("no line %q in %s/Slimfile", prefix, dir)
	return 0
}
