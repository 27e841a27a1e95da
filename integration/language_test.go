package integration

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/slimfile/slimfile/integration/oci"
)

// twoTargets is a repository with two binaries, built as two targets of
// one Slimfile; they share top-level settings and override some.
var twoTargets = map[string]string{
	"Slimfile": `slimfile: 1
args:
  # version stamped into the binaries
  VERSION: dev
  GREETING: hello
build:
  tags: [extra]
  ldflags: ["-X main.version=${VERSION}"]
image:
  env: {GREETING: "${GREETING}", SHARED: "yes"}
  labels: {team: platform}
targets:
  api:
    main: ./cmd/api
    image:
      env: {ROLE: api}
      files:
        - {src: config/api.yaml, dst: /etc/api/config.yaml, mode: "0640"}
      cmd: ["-mode", "${TARGETARCH}"]
  worker:
    main: ./cmd/worker
    binary: worker-${TARGETARCH}
    build:
      tags: []
    image:
      user: root
      certs: false
`,
	"go.mod":             "module example.com/two\n\ngo 1.22\n",
	"config/api.yaml":    "listen: :8080\n",
	"internal/v/v.go":    "package v\n\nvar Tag = \"plain\"\n",
	"internal/v/tag.go":  "//go:build extra\n\npackage v\n\nfunc init() { Tag = \"extra\" }\n",
	"cmd/api/main.go":    "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"strings\"\n\n\t\"example.com/two/internal/v\"\n)\n\nvar version = \"unset\"\n\nfunc main() {\n\tcfg, err := os.ReadFile(\"/etc/api/config.yaml\")\n\tfmt.Printf(\"api %s %s %s %s %q %v\\n\", version, v.Tag, os.Getenv(\"GREETING\")+\"/\"+os.Getenv(\"SHARED\")+\"/\"+os.Getenv(\"ROLE\"), strings.Join(os.Args[1:], \" \"), cfg, err)\n}\n",
	"cmd/worker/main.go": "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\n\t\"example.com/two/internal/v\"\n)\n\nvar version = \"unset\"\n\nfunc main() {\n\t_, err := os.Stat(\"/etc/ssl/certs/ca-certificates.crt\")\n\tfmt.Printf(\"worker %s %s uid=%d certs=%v\\n\", version, v.Tag, os.Getuid(), err == nil)\n}\n",
}

func TestTargetsArgsAndFiles(t *testing.T) {
	t.Parallel()
	dir := module(t, twoTargets)

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
	dir := module(t, twoTargets)
	call := func(what string, extra ...string) string {
		args := append([]string{"buildx", "build", "--builder", "slimfile", "--call=" + what, "-f", dir + "/Slimfile"}, extra...)
		out, err := exec.Command("docker", append(args, dir)...).CombinedOutput()
		if err != nil {
			t.Fatalf("--call=%s: %v\n%s", what, err, out)
		}
		return string(out)
	}
	targets := call("targets")
	for _, want := range []string{"api (default)", "api.binaries", "api.profiles", "worker", "worker.binaries", "worker.profiles"} {
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
	dir := module(t, twoTargets)
	b, err := buildctl(t, dir, "--opt", "target=apii")
	if err == nil {
		t.Fatal("built an unknown target")
	}
	if !strings.Contains(b.out, `target "apii" is not defined; this Slimfile has: api, api.binaries, api.profiles, worker`) {
		t.Errorf("error does not list the targets:\n%s", tail(b.out, 20))
	}
}
