package integration

// image.healthcheck and image.ca where users meet them: the health check
// run by Docker Engine 20.10 and Podman 4.3 inside a container confined by
// the image's own seccomp profile, beside the same container unconfined;
// the CA bundle trusted by the program's own TLS client.

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slimfile/slimfile/integration/oci"
)

// probePath is where the image keeps the frontend's health probe.
const probePath = "usr/local/bin/slimfile-healthcheck"

// healthTargets are examples/healthy's targets, one per kind of check,
// with the command each image's health check runs.
var healthTargets = []struct{ target, test string }{
	{"http", "CMD /usr/local/bin/slimfile-healthcheck"},
	{"tcp", "CMD /usr/local/bin/slimfile-healthcheck"},
	{"exec", "CMD /usr/local/bin/healthy health"},
}

// TestHealthcheck builds examples/healthy's three targets for linux/amd64
// and runs each image in Docker and Podman twice: as it is, where the
// check must turn healthy, and with UNHEALTHY=1, where the service answers
// 503 and closes its TCP port and the check must turn unhealthy. Docker
// runs them under the image's profile, with and without
// no-new-privileges, and unconfined: the probe's calls must be in the
// profile, or the confined check would fail where the unconfined one
// passes. Podman applies the image's label itself (--seccomp-policy=image).
func TestHealthcheck(t *testing.T) {
	t.Parallel()
	d, _ := dockerEngine(t)
	p := podmanEngine(t, "")
	dir := exampleModule(t, "healthy")
	for _, c := range healthTargets {
		t.Run(c.target, func(t *testing.T) {
			t.Parallel()
			b, err := buildctl(t, dir, "--opt", "target="+c.target, "--opt", "platform=linux/amd64")
			img := mustBuild(t, b, err)["linux/amd64"]
			checkHealthConfig(t, img, c.test)
			profile, err := oci.WriteSeccompLabel(img, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			tag := loaded(t, d, img, "healthy-"+c.target)
			for _, sec := range []struct {
				name string
				opts []string
			}{
				{"image profile", []string{"--security-opt", "seccomp=" + profile}},
				{"image profile, no-new-privileges", []string{"--security-opt", "seccomp=" + profile, "--security-opt", "no-new-privileges"}},
				{"unconfined", []string{"--security-opt", "seccomp=unconfined"}},
			} {
				t.Run("docker/"+sec.name, func(t *testing.T) {
					t.Parallel()
					dockerHealth(t, d, tag, c.target, sec.opts)
				})
			}
			t.Run("podman", func(t *testing.T) {
				t.Parallel()
				podmanHealth(t, p, loaded(t, p, img, "healthy-"+c.target))
			})
		})
	}
}

// checkHealthConfig checks img's health check (Test is test, the
// interval and timeout are the Slimfile's) and that the image holds the
// probe, executable by the image's user and a few hundred bytes, exactly
// when the check runs it.
func checkHealthConfig(t *testing.T, img v1.Image, test string) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	h := cf.Config.Healthcheck
	if h == nil {
		t.Fatal("the image config has no Healthcheck")
	}
	if got := strings.Join(h.Test, " "); got != test {
		t.Errorf("Healthcheck.Test %q, want %q", got, test)
	}
	if h.Interval != 10*time.Second || h.Timeout != 3*time.Second {
		t.Errorf("Healthcheck interval %v, timeout %v; the Slimfile says 10s and 3s", h.Interval, h.Timeout)
	}
	files, err := oci.Files(img)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := files[probePath]
	if wantProbe := strings.Contains(test, "slimfile-healthcheck"); ok != wantProbe {
		t.Fatalf("probe in the image: %v, want %v", ok, wantProbe)
	}
	if ok {
		checkMode(t, files, probePath, 0o755, 0)
		if n := f.Header.Size; n == 0 || n > 2048 {
			t.Errorf("the probe is %d bytes, want a few hundred", n)
		}
	}
}

// healthWait is how long a container may take to reach a health status
// with checks every second: the image's start period is 5 s and its
// retries 3, and a loaded machine may add as much.
const healthWait = 60 * time.Second

// dockerHealth runs tag detached without a network (the check runs inside
// the container, on its loopback), checking every second, healthy and
// told to be unhealthy, and waits for each to reach its status.
func dockerHealth(t *testing.T, d *oci.Engine, tag, target string, opts []string) {
	t.Helper()
	for _, c := range []struct {
		env, want string
	}{{"", "healthy"}, {"UNHEALTHY=1", "unhealthy"}} {
		name := uniqueName("slimfile-healthy")
		args := append([]string{"run", "-d", "--name", name, "--network", "none", "--health-interval", "1s"}, opts...)
		if c.env != "" {
			args = append(args, "-e", c.env)
		}
		t.Cleanup(func() { d.Run("rm", "-f", name) })
		if _, err := d.Run(append(args, tag)...); err != nil {
			t.Fatalf("the container did not start: %v", err)
		}
		health := waitHealth(t, d, name, c.want)
		if c.want == "unhealthy" && target == "exec" && !slices.ContainsFunc(health.Log, func(r healthResult) bool { return strings.Contains(r.Output, "503") }) {
			t.Errorf("the exec check's output does not say 503: %+v", health.Log)
		}
	}
}

// healthResult and healthState are the health part of docker inspect's
// container state.
type healthResult struct {
	ExitCode int
	Output   string
}

type healthState struct {
	Status string
	Log    []healthResult
}

// waitHealth waits for container name's health status to be want, and
// fails if it settles on the other one or never gets there.
func waitHealth(t *testing.T, e *oci.Engine, name, want string) healthState {
	t.Helper()
	var h healthState
	for deadline := time.Now().Add(healthWait); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		out, err := e.Run("inspect", "-f", "{{json .State.Health}}", name)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &h); err != nil {
			t.Fatalf("docker inspect .State.Health: %q: %v", out, err)
		}
		switch h.Status {
		case want:
			return h
		case "healthy", "unhealthy":
			logs, _ := e.Run("logs", name)
			t.Fatalf("health %s, want %s; checks %+v\n%s", h.Status, want, h.Log, logs)
		}
		if st, _ := e.Run("inspect", "-f", "{{.State.Status}}", name); strings.TrimSpace(st) == "exited" {
			logs, _ := e.Run("logs", name)
			t.Fatalf("the container exited:\n%s", logs)
		}
	}
	t.Fatalf("health still %q after %v, want %s; checks %+v", h.Status, healthWait, want, h.Log)
	return h
}

// podmanHealth runs tag in Podman under the image's own label, without a
// network, healthy and told to be unhealthy, and runs the health check
// with `podman healthcheck run` (the test bed has no systemd for Podman's
// timers): exit 0 for the one, 1 for the other. Podman reads HEALTHCHECK
// from Docker-format images only; loaded() writes a Docker archive, as
// docker save does.
func podmanHealth(t *testing.T, p *oci.Engine, tag string) {
	t.Helper()
	for _, c := range []struct {
		env  string
		want int
	}{{"", 0}, {"UNHEALTHY=1", 1}} {
		name := uniqueName("slimfile-healthy")
		args := []string{"run", "-d", "--name", name, "--network", "none", "--seccomp-policy=image"}
		if c.env != "" {
			args = append(args, "-e", c.env)
		}
		t.Cleanup(func() { p.Run("rm", "-f", name) })
		if _, err := p.Run(append(args, tag)...); err != nil {
			t.Fatalf("the container did not start: %v", err)
		}
		// The check runs once the service listens (with UNHEALTHY too, where
		// it answers 503), so that a failure is the service's answer.
		for deadline := time.Now().Add(healthWait); ; time.Sleep(100 * time.Millisecond) {
			if logs, _ := p.Run("logs", name); strings.Contains(logs, "listening on") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the service does not say it listens after %v", healthWait)
			}
		}
		cmd := p.Command("healthcheck", "run", name)
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != c.want {
			logs, _ := p.Run("logs", name)
			t.Fatalf("podman healthcheck run (%s): exit %d, want %d: %s\n%s", c.env, code, c.want, out, logs)
		}
	}
}

// TestImageCA: image.ca appends a certificate from the build context to
// the toolchain's bundle, so the program trusts a server signed by it and
// still every public CA; with certs: false the bundle is that certificate
// alone; without image.ca the same program refuses the server.
func TestImageCA(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "internal service")
	}))
	t.Cleanup(srv.Close)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})

	dir := exampleModule(t, "healthy")
	if err := os.MkdirAll(filepath.Join(dir, "certs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "certs", "internal.pem"), caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	slimfile := "# syntax=" + frontend + "\nslimfile: 1\n" +
		"image:\n  ca: [certs/internal.pem]\n" +
		"targets:\n  with:\n  plain:\n    image: {ca: []}\n  alone:\n    image: {certs: false}\n"
	if err := os.WriteFile(filepath.Join(dir, "Slimfile"), []byte(slimfile), 0o644); err != nil {
		t.Fatal(err)
	}
	images := map[string]v1.Image{}
	for _, target := range []string{"with", "plain", "alone"} {
		b, err := buildctl(t, dir, "--opt", "target="+target, "--opt", "platform=linux/amd64")
		images[target] = mustBuild(t, b, err)["linux/amd64"]
	}
	bundles := map[string][]*x509.Certificate{}
	for target, img := range images {
		files, err := oci.Files(img)
		if err != nil {
			t.Fatal(err)
		}
		f, ok := files["etc/ssl/certs/ca-certificates.crt"]
		if !ok {
			t.Fatalf("%s: no /etc/ssl/certs/ca-certificates.crt", target)
		}
		bundles[target] = parseBundle(t, target, f.Data)
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(cf.Config.Env, "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt") {
			t.Errorf("%s: env %q has no SSL_CERT_FILE", target, cf.Config.Env)
		}
	}
	plain, with, alone := bundles["plain"], bundles["with"], bundles["alone"]
	if len(plain) < 50 {
		t.Fatalf("the toolchain's bundle has %d certificates", len(plain))
	}
	if len(with) != len(plain)+1 || !with[len(with)-1].Equal(srv.Certificate()) {
		t.Errorf("with image.ca: %d certificates, want the toolchain's %d and then the test CA", len(with), len(plain))
	} else {
		for i := range plain {
			if !with[i].Equal(plain[i]) {
				t.Errorf("certificate %d of the toolchain's bundle changed", i)
				break
			}
		}
	}
	if len(alone) != 1 || !alone[0].Equal(srv.Certificate()) {
		t.Errorf("certs: false with image.ca: %d certificates, want the test CA alone", len(alone))
	}

	for target, want := range map[string]string{
		"with":  "200 OK internal service",
		"alone": "200 OK internal service",
		"plain": "certificate signed by unknown authority",
	} {
		root := filepath.Join(t.TempDir(), "rootfs")
		if err := oci.Unpack(images[target], root); err != nil {
			t.Fatal(err)
		}
		cmd, err := oci.Command(images[target], root, "fetch", srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		// The refusal exits 1, with the error on the output.
		if got, err := cmd.CombinedOutput(); !strings.Contains(string(got), want) {
			t.Errorf("%s: healthy fetch %s: %q (%v), want %q", target, srv.URL, got, err, want)
		}
	}
}

// parseBundle parses a PEM bundle, which must hold certificates only.
func parseBundle(t *testing.T, name string, data []byte) []*x509.Certificate {
	t.Helper()
	var certs []*x509.Certificate
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			if len(bytes.TrimSpace(rest)) > 0 {
				t.Fatalf("%s: %d bytes after the last certificate", name, len(bytes.TrimSpace(rest)))
			}
			return certs
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatalf("%s: certificate %d: %v", name, len(certs)+1, err)
		}
		certs = append(certs, c)
	}
}

// TestImageCARefusesKey: a private key in image.ca fails the build at the
// line that names it, before any step runs.
func TestImageCARefusesKey(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	srv.Close()
	key, err := x509.MarshalPKCS8PrivateKey(srv.TLS.Certificates[0].PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := module(t, map[string]string{
		"Slimfile":         "slimfile: 1\nimage:\n  ca:\n    - certs/ca.pem\n    - certs/server.key\n",
		"go.mod":           "module example.com/cakey\n\ngo 1.22\n",
		"main.go":          "package main\n\nfunc main() {}\n",
		"certs/ca.pem":     string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})),
		"certs/server.key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})),
	})
	b, err := buildx(t, dir)
	if err == nil {
		t.Fatal("the build succeeded with a private key in image.ca")
	}
	for _, want := range []string{"image.ca: certs/server.key: block 1 is a PRIVATE KEY, not a CERTIFICATE", ">>>     - certs/server.key", fmt.Sprintf("Slimfile:%d", lineOf(t, dir, "    - certs/server.key"))} {
		if !strings.Contains(b.failure(), want) {
			t.Errorf("error lacks %q:\n%s", want, b.tail(30))
		}
	}
	if steps := b.progress.named("[linux/"); len(steps) > 0 {
		t.Errorf("steps ran before the error: %v", steps[0].name)
	}
}
