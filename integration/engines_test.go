package integration

// The images as users run them, with real container engines: the test
// bed's dockerd (Debian's Docker Engine 20.10, its built-in BuildKit of
// 2021, runc) and Podman 4.3 (crun, its default runtime, and runc). Both
// run containers without no_new_privs unless told otherwise, so the
// runtime loads the seccomp filter before it drops capabilities and
// changes to the image's user: the image's profile must allow what the
// runtime calls between loading it and the execve of the program.

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/profiles/seccomp"

	"github.com/slimfile/slimfile/integration/oci"
)

// dockerEngine is the docker command line on the test bed's dockerd.
func dockerEngine(t *testing.T) (*oci.Engine, string) {
	t.Helper()
	ctx := os.Getenv("SLIMFILE_DOCKER_CONTEXT")
	if ctx == "" || os.Getenv("SLIMFILE_DOCKER_HOST") == "" {
		t.Fatal("no SLIMFILE_DOCKER_CONTEXT/SLIMFILE_DOCKER_HOST: the env file predates the test bed's dockerd; run integration/testbed/up.sh again")
	}
	return &oci.Engine{Name: "docker", Args: []string{"--context", ctx}}, ctx
}

// podmanEngine is podman with the test bed's configuration and OCI runtime
// runtime ("" for Podman's default, crun).
func podmanEngine(t *testing.T, runtime string) *oci.Engine {
	t.Helper()
	if os.Getenv("CONTAINERS_REGISTRIES_CONF") == "" || os.Getenv("CONTAINERS_CONF") == "" {
		t.Fatal("no CONTAINERS_REGISTRIES_CONF/CONTAINERS_CONF: the env file predates the test bed's Podman configuration; run integration/testbed/up.sh again")
	}
	e := &oci.Engine{Name: "podman"}
	if runtime != "" {
		e.Args = []string{"--runtime", runtime}
	}
	return e
}

// uniqueName is a container or image name no other run uses.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, os.Getpid(), time.Now().UnixNano())
}

// loaded loads img into e's image store under a fresh tag in repository
// localhost/slimfile-test/repo, removed when the test ends.
func loaded(t *testing.T, e *oci.Engine, img v1.Image, repo string) string {
	t.Helper()
	tag := "localhost/slimfile-test/" + repo + ":" + uniqueName("t")
	if err := e.Load(img, tag, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Run("rmi", "-f", tag) })
	return tag
}

// amd64Image builds the module in dir with buildctl for linux/amd64.
func amd64Image(t *testing.T, dir string) v1.Image {
	t.Helper()
	b, err := buildctl(t, dir, "--opt", "platform=linux/amd64")
	img := mustBuild(t, b, err)["linux/amd64"]
	if img == nil {
		t.Fatal("no linux/amd64 image")
	}
	return img
}

// serveHello runs examples/hello's image (tag) detached in engine e on the
// host network with the engine options opts, checks that it answers
// HTTP, stops it (SIGTERM) and checks that it shut down cleanly with
// status 0.
func serveHello(t *testing.T, e *oci.Engine, tag string, opts ...string) {
	t.Helper()
	name := uniqueName("slimfile-hello")
	addr := freeAddr(t)
	args := append([]string{"run", "-d", "--name", name, "--network", "host"}, opts...)
	args = append(args, tag, "-addr", addr)
	t.Cleanup(func() { e.Run("rm", "-f", name) })
	if _, err := e.Run(args...); err != nil {
		t.Fatalf("the container did not start: %v", err)
	}
	logs := func() string {
		out, _ := e.Run("logs", name)
		return out
	}
	var body string
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if body, err = get("http://" + addr + "/time?tz=Asia/Tokyo"); err == nil {
			break
		}
		if st, _ := e.Run("inspect", "-f", "{{.State.Status}}", name); strings.TrimSpace(st) == "exited" {
			break
		}
	}
	if err != nil || !strings.Contains(body, "+09:00") {
		t.Fatalf("GET /time?tz=Asia/Tokyo: %q, %v\n%s", body, err, logs())
	}
	if body, err := get("http://" + addr + "/"); err != nil || !strings.Contains(body, "hello from slimfile") {
		t.Errorf("GET /: %q, %v", body, err)
	}
	if _, err := e.Run("stop", "-t", "10", name); err != nil {
		t.Fatal(err)
	}
	code, err := e.Run("inspect", "-f", "{{.State.ExitCode}}", name)
	if err != nil {
		t.Fatal(err)
	}
	if out := logs(); strings.TrimSpace(code) != "0" || !strings.Contains(out, "shut down") {
		t.Errorf("after SIGTERM: exit status %s, logs:\n%s", strings.TrimSpace(code), out)
	}
}

// probeForbidden runs the probe image (tag) in engine e with opts, mode
// forbidden, as root with CAP_SYS_ADMIN, and returns its output. With that
// capability the engines' own default profiles allow mount and unshare, so
// their refusal is the image profile's; the image's user, 65532, would
// get no effective capabilities from docker run --cap-add.
func probeForbidden(t *testing.T, e *oci.Engine, tag string, opts ...string) string {
	t.Helper()
	args := append([]string{"run", "--rm", "--network", "host", "--user", "0", "--cap-add", "SYS_ADMIN"}, opts...)
	out, err := e.Run(append(args, tag, "forbidden")...)
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	return out
}

// refusedByProfile are the probe's answers under an image's profile, which
// refuses what a service must never call with EPERM whatever the
// capabilities.
var refusedByProfile = []string{"ptrace: EPERM", "mount: EPERM", "unshare: EPERM"}

// profileFile writes an engine's default profile to a file and returns
// its path. (The probe asks PTRACE_TRACEME from a child of its own, whose
// tracer it is: under a profile that allows ptrace, the engines' defaults,
// the container's parent never becomes a tracer that leaves it stopped.)
func profileFile(t *testing.T, profile []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "default.json")
	if err := os.WriteFile(p, profile, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDockerDriverBuild builds examples/hello with docker buildx through
// the docker driver, the BuildKit built into Docker Engine 20.10 (v0.8),
// loads it into the engine and runs it there: once with the frontend and
// toolchain images only in the registry, once with both in the engine's
// own image store too (pulled, as users' machines have them).
func TestDockerDriverBuild(t *testing.T) {
	t.Parallel()
	d, builder := dockerEngine(t)
	version, err := d.Run("version", "--format", "{{.Server.Version}}")
	if err != nil {
		t.Fatal(err)
	}
	inspect, err := d.Run("buildx", "inspect", builder)
	if err != nil {
		t.Fatal(err)
	}
	bk := "unknown"
	if m := regexp.MustCompile(`BuildKit version:\s*(\S+)`).FindStringSubmatch(inspect); m != nil {
		bk = m[1]
	}
	t.Logf("Docker Engine %s, builder %s (docker driver), BuildKit %s", strings.TrimSpace(version), builder, bk)

	dir := exampleModule(t, "hello")
	tag := "localhost/slimfile-test/hello:" + uniqueName("driver")
	t.Cleanup(func() { d.Run("rmi", "-f", tag) })
	build := func() (*progress, error) {
		cmd := d.Command("buildx", "build", "--builder", builder, rawjson,
			"-f", filepath.Join(dir, "Slimfile"), "-t", tag, "--load", dir)
		out, err := cmd.CombinedOutput()
		p, perr := readProgress(out)
		if err == nil {
			err = perr
		}
		if err != nil {
			return p, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, tail(p.String(), 60))
		}
		return p, nil
	}
	runs := func(t *testing.T) {
		t.Helper()
		// Docker Engine 20.10's BuildKit drops the sticky bit of a copy's
		// mode: the image's /tmp must still be 1777.
		if mode := savedMode(t, d, tag, "tmp/"); mode != 0o1777 {
			t.Errorf("/tmp of the image the docker driver built is %o, want 1777", mode)
		}
		label, err := d.Run("image", "inspect", "-f", `{{index .Config.Labels "`+oci.SeccompLabel+`"}}`, tag)
		if err != nil || !strings.Contains(label, "defaultAction") {
			t.Errorf("the loaded image has no seccomp label: %q %v", label, err)
		}
		out, err := d.Run("run", "--rm", "--network", "host", tag, "-self-test")
		if err != nil || !strings.Contains(out, "Tokyo is UTC+09:00") {
			t.Fatalf("self-test: %q %v", out, err)
		}
		serveHello(t, d, tag)
	}

	// Images the build resolves stay out of the engine's image store (a
	// run that was killed may have left them there).
	d.Run("rmi", "-f", frontend)
	if golang, err := d.Run("images", "-q", "golang"); err == nil && strings.TrimSpace(golang) != "" {
		d.Run(append([]string{"rmi", "-f"}, strings.Fields(golang)...)...)
	}
	p, err := build()
	if err != nil {
		t.Fatalf("docker-driver build: %v", err)
	}
	runs(t)

	// The same with the frontend and toolchain images in the engine's
	// store: Docker 20.10's BuildKit resolves images there first and then
	// reports no digest for them.
	resolve := p.named("resolve toolchain ")
	if len(resolve) == 0 {
		t.Fatalf("no toolchain in the build output:\n%s", tail(p.String(), 40))
	}
	toolchain := strings.Fields(strings.TrimPrefix(resolve[0].name, "resolve toolchain "))[0]
	t.Run("images in the engine's store", func(t *testing.T) {
		for _, ref := range []string{frontend, toolchain} {
			if _, err := d.Run("pull", "-q", ref); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Run("rmi", "-f", ref) })
		}
		if _, err := build(); err != nil {
			t.Fatalf("docker-driver build with the frontend and toolchain images in the engine's store: %v", err)
		}
		runs(t)
	})
}

// TestDockerRunsImageUnderItsProfile: docker run with the image's own
// seccomp profile (--security-opt seccomp=FILE, the label's content) and
// without no-new-privileges, as the engine runs containers by default,
// serves HTTP and stops cleanly, and the probe sees the profile refuse
// what a service must never call, which Docker's default profile allows
// with CAP_SYS_ADMIN; with no-new-privileges too.
func TestDockerRunsImageUnderItsProfile(t *testing.T) {
	t.Parallel()
	d, _ := dockerEngine(t)
	hello := amd64Image(t, exampleModule(t, "hello"))
	probe := amd64Image(t, copyModule(t, filepath.Join("..", "security", "testdata", "probe")))
	helloTag, probeTag := loaded(t, d, hello, "hello"), loaded(t, d, probe, "probe")
	helloProfile, err := oci.WriteSeccompLabel(hello, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	probeProfile, err := oci.WriteSeccompLabel(probe, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// The same probe under Docker's default profile (the one the engine
	// uses without --security-opt seccomp=...) may unshare.
	dockerDefault, err := json.Marshal(seccomp.DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	if out := probeForbidden(t, d, probeTag, "--security-opt", "seccomp="+profileFile(t, dockerDefault)); !strings.Contains(out, "unshare: ok") {
		t.Fatalf("under Docker's default profile, want unshare: ok:\n%s", out)
	}
	for _, c := range []struct {
		name string
		opts []string
	}{
		{"new privileges", nil},
		{"no-new-privileges", []string{"--security-opt", "no-new-privileges"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			serveHello(t, d, helloTag, append([]string{"--security-opt", "seccomp=" + helloProfile}, c.opts...)...)
			out := probeForbidden(t, d, probeTag, append([]string{"--security-opt", "seccomp=" + probeProfile}, c.opts...)...)
			for _, want := range refusedByProfile {
				if !strings.Contains(out, want) {
					t.Errorf("under the image's profile, want %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestPodmanAppliesImageLabel: podman run --seccomp-policy=image, which
// applies the image's io.containers.seccomp.profile label itself, without
// no-new-privileges, serves HTTP and stops cleanly, with crun (Podman's
// default) and runc; the probe proves that the label is what applied: it
// is refused unshare and mount, which Podman's own default profile allows
// with CAP_SYS_ADMIN. With no-new-privileges too.
func TestPodmanAppliesImageLabel(t *testing.T) {
	t.Parallel()
	hello := amd64Image(t, exampleModule(t, "hello"))
	probe := amd64Image(t, copyModule(t, filepath.Join("..", "security", "testdata", "probe")))
	p := podmanEngine(t, "")
	helloTag, probeTag := loaded(t, p, hello, "hello"), loaded(t, p, probe, "probe")
	podmanDefault, err := os.ReadFile("/usr/share/containers/seccomp.json")
	if err != nil {
		t.Fatal(err)
	}
	if out := probeForbidden(t, p, probeTag, "--security-opt", "seccomp="+profileFile(t, podmanDefault)); !strings.Contains(out, "unshare: ok") {
		t.Fatalf("under Podman's default profile, want unshare: ok:\n%s", out)
	}
	for _, runtime := range []string{"crun", "runc"} {
		for _, c := range []struct {
			name string
			opts []string
		}{
			{"new privileges", nil},
			{"no-new-privileges", []string{"--security-opt", "no-new-privileges"}},
		} {
			t.Run(runtime+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				e := podmanEngine(t, runtime)
				opts := append([]string{"--seccomp-policy=image"}, c.opts...)
				serveHello(t, e, helloTag, opts...)
				out := probeForbidden(t, e, probeTag, opts...)
				for _, want := range refusedByProfile {
					if !strings.Contains(out, want) {
						t.Errorf("under the image's label, want %q:\n%s", want, out)
					}
				}
			})
		}
	}
}

// savedMode is the mode (permission, setuid, setgid and sticky bits) of
// the entry name of the image tag's layers, as docker save writes them,
// the last layer that has it winning.
func savedMode(t *testing.T, d *oci.Engine, tag, name string) int64 {
	t.Helper()
	out := filepath.Join(t.TempDir(), "saved.tar")
	if _, err := d.Run("save", "-o", out, tag); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mode := int64(-1)
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if !strings.HasSuffix(h.Name, ".tar") {
			continue
		}
		lr := tar.NewReader(tr)
		for {
			lh, err := lr.Next()
			if err != nil {
				break
			}
			if lh.Name == name {
				mode = lh.Mode & 0o7777
			}
		}
	}
	if mode < 0 {
		t.Fatalf("no %s in the saved image %s", name, tag)
	}
	return mode
}
