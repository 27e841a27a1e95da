package integration

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slimfile/slimfile/integration/oci"
)

func TestTargetsArgsAndFiles(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "two-binaries")

	b, err := buildx(t, dir, "--target", "api", "--build-arg", "VERSION=1.2.3", "--platform", "linux/arm64")
	imgs := mustBuild(t, b, err)
	api := imgs["linux/arm64"]
	out := runImage(t, api)
	want := `api 1.2.3 extra hello/yes/api -mode arm64 "listen: :8080\n" <nil>`
	if strings.TrimSpace(out) != want {
		t.Errorf("api output:\n got %q\nwant %q", strings.TrimSpace(out), want)
	}
	files, err := oci.Files(api)
	if err != nil {
		t.Fatal(err)
	}
	checkMode(t, files, "etc/api/config.yaml", 0o640, 0)
	if g := files["etc/api/config.yaml"].Header.Gid; g != 65532 {
		t.Errorf("etc/api/config.yaml group %d, want the nonroot group 65532", g)
	}
	checkMode(t, files, "etc/api", 0o755, 0)
	cf, _ := api.ConfigFile()
	if cf.Config.Labels["team"] != "platform" {
		t.Errorf("labels %v lack team=platform", cf.Config.Labels)
	}

	b, err = buildctl(t, dir, "--opt", "target=worker", "--opt", "platform=linux/amd64")
	imgs = mustBuild(t, b, err)
	worker := imgs["linux/amd64"]
	if out := strings.TrimSpace(runImage(t, worker)); out != "worker dev plain uid=0 certs=false" {
		t.Errorf("worker output %q", out)
	}
	cf, _ = worker.ConfigFile()
	if !slices.Equal(cf.Config.Entrypoint, []string{"/usr/local/bin/worker-amd64"}) || cf.Config.User != "0:0" {
		t.Errorf("worker entrypoint %v user %q", cf.Config.Entrypoint, cf.Config.User)
	}
	if slices.ContainsFunc(cf.Config.Env, func(kv string) bool { return strings.HasPrefix(kv, "SSL_CERT_FILE=") }) {
		t.Errorf("certs: false but env %v sets SSL_CERT_FILE", cf.Config.Env)
	}
}

// TestCallTargetsAndOutline: --call=targets and --call=outline answer
// through docker buildx.
func TestCallTargetsAndOutline(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "two-binaries")
	call := func(what string, extra ...string) string {
		out, err := buildxCall(dir, what, extra...)
		if err != nil {
			t.Fatalf("--call=%s: %v\n%s", what, err, out)
		}
		return out
	}
	targets := call("targets")
	for _, want := range []string{"api (default)", "api.binaries", "api.profiles", "api.debug", "worker", "worker.binaries", "worker.profiles", "worker.debug"} {
		if !strings.Contains(targets, want) {
			t.Errorf("--call=targets lacks %q:\n%s", want, targets)
		}
	}
	outline := call("outline", "--build-arg", "GREETING=hi")
	for _, want := range []string{"VERSION", "dev", "version stamped into the binaries", "GREETING", "hi"} {
		if !strings.Contains(outline, want) {
			t.Errorf("--call=outline lacks %q:\n%s", want, outline)
		}
	}
}

// TestUnknownTarget names the targets there are.
func TestUnknownTarget(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "two-binaries")
	b, err := buildctl(t, dir, "--opt", "target=apii")
	if err == nil {
		t.Fatal("built an unknown target")
	}
	if !strings.Contains(b.failure(), `target "apii" is not defined; this Slimfile has: api, api.binaries, api.profiles, api.vulns, api.report, api.debug, worker`) {
		t.Errorf("error does not list the targets:\n%s", b.tail(20))
	}
}

// TestLabelsAnnotationsAndIgnore: --label merges with image.labels,
// image.annotations land on the manifest, and .dockerignore keeps files out
// of the build as it does for a Dockerfile.
func TestLabelsAnnotationsAndIgnore(t *testing.T) {
	t.Parallel()
	dir := module(t, map[string]string{
		"Slimfile": `slimfile: 1
image:
  labels: {team: platform, tier: backend}
  annotations: {org.opencontainers.image.description: "a ${TARGETARCH} service"}
`,
		"go.mod":        "module example.com/ignored\n\ngo 1.22\n",
		"main.go":       "package main\n\nfunc main() { println(\"ok\") }\n",
		"broken.go":     "package main\n\nthis does not compile\n",
		".dockerignore": "broken.go\n",
	})
	b, err := buildx(t, dir, "--label", "tier=frontend", "--label", "owner=me", "--platform", "linux/amd64,linux/arm64")
	imgs := mustBuild(t, b, err)
	for p, img := range imgs {
		cf, _ := img.ConfigFile()
		want := map[string]string{"team": "platform", "tier": "frontend", "owner": "me"}
		for k, v := range want {
			if cf.Config.Labels[k] != v {
				t.Errorf("%s: label %s=%q, want %q (labels %v)", p, k, cf.Config.Labels[k], v, cf.Config.Labels)
			}
		}
		m, err := img.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		arch := strings.TrimPrefix(p, "linux/")
		if got := m.Annotations["org.opencontainers.image.description"]; got != "a "+arch+" service" {
			t.Errorf("%s: manifest annotation %q", p, got)
		}
	}
}

// TestSeveralErrorsThroughBuildx: every problem is reported at once, each
// with its line, before any step runs.
func TestSeveralErrorsThroughBuildx(t *testing.T) {
	t.Parallel()
	dir := module(t, map[string]string{
		"Slimfile": `slimfile: 1
args: {VERSION: dev}
main: ./cmd/${VERSON}
image:
  user: nobody
  expose: ["http"]
build:
  cgo: maybe
`,
		"go.mod":  "module example.com/several\n\ngo 1.22\n",
		"main.go": "package main\n\nfunc main() {}\n",
	})
	b, err := buildx(t, dir)
	if err == nil {
		t.Fatal("built a Slimfile with errors")
	}
	for _, want := range []string{
		"4 problems in Slimfile",
		"Slimfile:4:7: ${VERSON} refers to an arg that is not declared; declare it under args: (or did you mean ${VERSION}?)",
		`Slimfile:6:9: "nobody" must be "nonroot", "root" or uid[:gid] in numbers`,
		`Slimfile:7:12: "http" is not a port such as 8080 or 53/udp`,
		"Slimfile:9:8: build.cgo must be true or false",
		">>> main: ./cmd/${VERSON}",
		">>>   user: nobody",
	} {
		if !strings.Contains(b.failure(), want) {
			t.Errorf("error lacks %q:\n%s", want, b.tail(50))
		}
	}
	// go.mod may have been read beside the Slimfile (a read changes
	// nothing); no toolchain was resolved and no Go step ran.
	for _, step := range []string{"resolve toolchain", "go mod download", "go build"} {
		if steps := b.progress.mentioning(step); len(steps) > 0 {
			t.Errorf("%q ran before the errors were reported:\n%s", steps, b.tail(50))
		}
	}
}

// TestOutlineListsCredentials: with private modules, --call=outline names
// the optional netrc secret and SSH agent.
func TestOutlineListsCredentials(t *testing.T) {
	t.Parallel()
	dir := module(t, map[string]string{
		"Slimfile": "slimfile: 1\nbuild:\n  private: [example.com/private/*]\n",
		"go.mod":   "module example.com/priv\n\ngo 1.22\n",
	})
	out, err := buildxCall(dir, "outline")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"netrc", "default"} {
		if !strings.Contains(out, want) {
			t.Errorf("outline lacks %q:\n%s", want, out)
		}
	}
}

// TestCallCheck: docker buildx build --call=check answers as it does for a
// Dockerfile: warnings boxed at their line and exit status 1, a build
// error at its line, and for a clean Slimfile (the example's) no warning
// and status 0.
func TestCallCheck(t *testing.T) {
	t.Parallel()
	check := func(dir string) (string, error) { return buildxCall(dir, "check") }
	if out, err := check(exampleModule(t, "hello")); err != nil || !strings.Contains(out, "no warnings found") {
		t.Errorf("examples/hello: %v\n%s", err, out)
	}
	warned := module(t, map[string]string{
		"Slimfile": "slimfile: 1\nimage:\n  user: root\nsecurity:\n  seccomp: none\n",
		"go.mod":   "module example.com/x\n\ngo 1.22\n",
		"main.go":  "package main\n\nfunc main() {}\n",
	})
	out, err := check(warned)
	if err == nil {
		t.Errorf("--call=check exited 0 with warnings:\n%s", out)
	}
	for _, want := range []string{"WARNING: RootUser", ">>>   user: root", "WARNING: SeccompDisabled", ">>>   seccomp: none"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	broken := module(t, map[string]string{
		"Slimfile": "slimfile: 1\nmian: .\n",
		"go.mod":   "module example.com/x\n\ngo 1.22\n",
		"main.go":  "package main\n\nfunc main() {}\n",
	})
	out, err = check(broken)
	if err == nil || !strings.Contains(out, `did you mean "main"`) || !strings.Contains(out, ">>> mian: .") {
		t.Errorf("a Slimfile with an error: %v\n%s", err, out)
	}
}

// TestCallCheckIgnoreFile: --call=check warns, at the Slimfile's line, when
// the build context's .dockerignore (written for a release Dockerfile that
// copies one binary) hides go.mod and the main package; the Slimfile's own
// ignore file, which BuildKit prefers, silences it.
func TestCallCheckIgnoreFile(t *testing.T) {
	t.Parallel()
	dir := module(t, map[string]string{
		"Slimfile":        "slimfile: 1\nmain: ./cmd/api\n",
		".dockerignore":   "*\n!api\n",
		"go.mod":          "module example.com/x\n\ngo 1.22\n",
		"cmd/api/main.go": "package main\n\nfunc main() {}\n",
	})
	out, err := buildxCall(dir, "check")
	if err == nil {
		t.Errorf("--call=check exited 0 with warnings:\n%s", out)
	}
	for _, want := range []string{"WARNING: IgnoreFileHidesInput", "excludes go.mod", "excludes cmd/api", ">>> main: ./cmd/api", "Slimfile.dockerignore"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "Slimfile.dockerignore"), []byte("**/*_test.go\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := buildxCall(dir, "check"); err != nil || !strings.Contains(out, "no warnings found") {
		t.Errorf("with Slimfile.dockerignore: %v\n%s", err, out)
	}
}
