package probe

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestRunc runs probes as the process of a runc container, as Docker and
// Podman run a health check: a root file system that holds the probe and
// nothing else, read-only, no capabilities, an empty environment, and
// Docker's default seccomp profile. The container shares the host's
// network, so that its loopback is the test server's. Besides the native
// architecture it runs those that binfmt_misc hands to qemu-user with a
// preloaded interpreter, which need nothing in the container.
func TestRunc(t *testing.T) {
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("no runc")
	}
	if os.Geteuid() != 0 {
		t.Skip("runc needs root")
	}
	raw := newRawServer(t, map[string]func(net.Conn, string){
		"/ok":  answer("HTTP/1.1 200 OK\r\n\r\n"),
		"/bad": answer("HTTP/1.1 503 Service Unavailable\r\n\r\n"),
	})
	addr := raw.listen("127.0.0.1")
	state := t.TempDir()
	n := 0 // containers run, for their names
	for _, arch := range []string{runtime.GOARCH, "arm64", "arm"} {
		if arch != runtime.GOARCH && !binfmtPreloaded(qemuNames[arch]) {
			t.Logf("%s: no binfmt_misc entry with a preloaded interpreter", arch)
			continue
		}
		t.Logf("%s: probes under runc", arch)
		for _, c := range []struct {
			target Target
			want   int
		}{
			{Target{Addr: addr, HTTP: "/ok", Timeout: 5 * time.Second}, 0},
			{Target{Addr: addr, HTTP: "/bad", Timeout: 5 * time.Second}, 1},
			{Target{Addr: addr}, 0},
			{Target{Addr: closedPort(t, "127.0.0.1")}, 1},
		} {
			probe, err := ELF(arch, "", c.target)
			if err != nil {
				t.Fatal(err)
			}
			n++
			bundle := runcBundle(t, probe)
			cmd := exec.Command(runc, "--root", state, "run", "--bundle", bundle, fmt.Sprintf("probe-test-%d-%d", os.Getpid(), n))
			out, err := cmd.CombinedOutput()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatalf("runc: %v\n%s", err, out)
			}
			if code != c.want {
				t.Errorf("%s %+v: exit status %d under runc, want %d\n%s", arch, c.target, code, c.want, out)
			}
		}
	}
}

// runcBundle writes an OCI bundle whose process is the probe.
func runcBundle(t *testing.T, probe []byte) string {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "rootfs")
	if err := os.MkdirAll(filepath.Join(root, "proc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "probe"), probe, 0o755); err != nil {
		t.Fatal(err)
	}
	spec := &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			Args:            []string{"/probe"},
			Env:             []string{},
			Cwd:             "/",
			NoNewPrivileges: true,
			Capabilities:    &specs.LinuxCapabilities{},
		},
		Root: &specs.Root{Path: "rootfs", Readonly: true},
		// runc itself needs /proc in the container (its exec FIFO).
		Mounts: []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc"}},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.MountNamespace}, {Type: specs.IPCNamespace}, {Type: specs.UTSNamespace}},
		},
	}
	var err error
	if spec.Linux.Seccomp, err = seccomp.GetDefaultProfile(spec); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// binfmtPreloaded tells whether binfmt_misc runs this qemu's executables
// with an interpreter it opened at registration (flag F), so that they run
// in a container that lacks it.
func binfmtPreloaded(qemu string) bool {
	b, err := os.ReadFile("/proc/sys/fs/binfmt_misc/qemu-" + qemu)
	if err != nil {
		return false
	}
	var enabled, fixed bool
	for _, l := range strings.Split(string(b), "\n") {
		enabled = enabled || l == "enabled"
		if flags, ok := strings.CutPrefix(l, "flags:"); ok {
			fixed = strings.Contains(flags, "F")
		}
	}
	return enabled && fixed
}
