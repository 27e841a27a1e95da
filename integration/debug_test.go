package integration

// The debug variant (T.debug) where users meet it: the release image with a
// shell and core utilities, run with docker run --entrypoint /bin/sh in
// Docker Engine 20.10 under the image's own seccomp profile (with and
// without no-new-privileges) beside the same run unconfined, in Podman
// under the image's label, and on arm64 through qemu-user; and delve,
// which starts the program and stops it at a breakpoint for a client.

import (
	"debug/elf"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slimfile/slimfile/integration/oci"
)

// debugLabel marks a debug image (llb.DebugLabel).
const debugLabel = "com.github.slimfile.debug"

// debugScript is what a user looks at first in a container: what the
// image holds, who the shell runs as, the users; /bin/ls runs as a
// program of its own (fork and exec under the profile), the rest inside
// the shell.
const debugScript = `ls /usr/local/bin; id; cat /etc/passwd | base64 | base64 -d; /bin/ls /etc; echo "$((6 * 7))"`

// debugWant is what debugScript prints, in part.
var debugWant = []string{"hello\n", "uid=65532(nonroot) gid=65532(nonroot)", "nonroot:x:65532:65532", "passwd\n", "42\n"}

// TestDebugShell builds examples/hello's debug variant and its image for
// two platforms: the debug image is the release image's layers, unchanged,
// and one more with the tools, for the platform's architecture; its
// config runs the program as the release does. The shell then runs.
func TestDebugShell(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "hello")
	plats := "linux/amd64,linux/arm64"
	b, err := buildctl(t, dir, "--opt", "target=debug", "--opt", "platform="+plats)
	imgs := mustBuild(t, b, err)
	if len(b.progress.mentioning("for debugging only")) == 0 {
		t.Errorf("the build did not warn that the variant is for debugging only:\n%s", b.tail(30))
	}
	rb, err := buildctl(t, dir, "--opt", "platform="+plats)
	release := mustBuild(t, rb, err)
	for _, p := range []string{"linux/amd64", "linux/arm64"} {
		img := imgs[p]
		if img == nil {
			t.Fatalf("no %s debug image: %v", p, keys(imgs))
		}
		checkDebugOnRelease(t, p, release[p], img, false)
		files, err := oci.Files(img)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"sh", "ls", "cat", "ps", "id", "env", "find", "tar"} {
			f, ok := files["bin/"+name]
			if !ok || f.Header.Typeflag != '2' || f.Header.Linkname != "slimfile-debug" {
				t.Errorf("%s: /bin/%s is not a link to slimfile-debug: %+v", p, name, f.Header)
			}
		}
		checkMode(t, files, "bin/slimfile-debug", 0o755, 0)
		t.Logf("%s: /bin/slimfile-debug is %d bytes", p, files["bin/slimfile-debug"].Header.Size)
	}

	// arm64, through qemu-user, chrooted as the image's user.
	root := filepath.Join(t.TempDir(), "rootfs")
	if err := oci.Unpack(imgs["linux/arm64"], root); err != nil {
		t.Fatal(err)
	}
	checkELF(t, filepath.Join(root, "bin/slimfile-debug"), elf.EM_AARCH64)
	out := execImage(t, imgs["linux/arm64"], root, "/bin/sh", "-c", "ls /usr/local/bin; cat /etc/passwd | base64 | base64 -d; echo $((6 * 7))")
	for _, want := range []string{"hello\n", "nonroot:x:65532:65532", "42\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("arm64 sh: %q lacks %q", out, want)
		}
	}

	amd := imgs["linux/amd64"]
	profile, err := oci.WriteSeccompLabel(amd, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d, _ := dockerEngine(t)
	tag := loaded(t, d, amd, "hello-debug")
	shell := func(e *oci.Engine, tag string, opts ...string) (string, error) {
		args := append([]string{"run", "--rm", "--network", "none"}, opts...)
		return e.Run(append(args, "--entrypoint", "/bin/sh", tag, "-c", debugScript)...)
	}
	unconfined, err := shell(d, tag, "--security-opt", "seccomp=unconfined")
	if err != nil {
		t.Fatalf("docker run --entrypoint /bin/sh, unconfined: %v\n%s", err, unconfined)
	}
	for _, want := range debugWant {
		if !strings.Contains(unconfined, want) {
			t.Errorf("docker, unconfined: %q lacks %q", unconfined, want)
		}
	}
	for _, sec := range [][]string{
		{"--security-opt", "seccomp=" + profile},
		{"--security-opt", "seccomp=" + profile, "--security-opt", "no-new-privileges"},
	} {
		out, err := shell(d, tag, sec...)
		if err != nil || out != unconfined {
			t.Errorf("docker %v: %v\n%s\nunconfined:\n%s", sec, err, out, unconfined)
		}
	}
	// docker run -i: the shell reads its commands from stdin.
	cmd := d.Command("run", "--rm", "-i", "--network", "none", "--security-opt", "seccomp="+profile, "--entrypoint", "/bin/sh", tag)
	cmd.Stdin = strings.NewReader("ls /usr/local/bin\ncd /etc\ncat passwd\nexit 3\necho not reached\n")
	if out, err := cmd.CombinedOutput(); cmd.ProcessState.ExitCode() != 3 || !strings.Contains(string(out), "hello\n") || !strings.Contains(string(out), "nonroot:x:65532") || strings.Contains(string(out), "not reached") {
		t.Errorf("docker run -i --entrypoint /bin/sh: %v\n%s", err, out)
	}
	if out, err := d.Run("run", "--rm", "--network", "none", "--security-opt", "seccomp="+profile, "--entrypoint", "/bin/ps", tag); err != nil || !strings.Contains(out, "nonroot") || !strings.Contains(out, "/bin/ps") {
		t.Errorf("docker: ps: %v\n%s", err, out)
	}
	// Podman, beside its own run unconfined: its containers without a
	// network have no /etc/resolv.conf.
	p := podmanEngine(t, "")
	ptag := loaded(t, p, amd, "hello-debug")
	punconfined, err := shell(p, ptag, "--security-opt", "seccomp=unconfined")
	if err != nil {
		t.Fatalf("podman, unconfined: %v\n%s", err, punconfined)
	}
	if out, err := shell(p, ptag, "--seccomp-policy=image"); err != nil || out != punconfined {
		t.Errorf("podman under the image's label: %v\n%s\nunconfined:\n%s", err, out, punconfined)
	}
}

// checkDebugOnRelease checks that the debug image dbg of platform p is the
// release image rel with one layer more, and the same config but for the
// debug label, the history of that layer and, with delve, the entrypoint
// and its port.
func checkDebugOnRelease(t *testing.T, p string, rel, dbg v1.Image, delve bool) {
	t.Helper()
	rl, err := rel.Layers()
	if err != nil {
		t.Fatal(err)
	}
	dl, err := dbg.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(dl) != len(rl)+1 {
		t.Fatalf("%s: the debug image has %d layers, the release %d", p, len(dl), len(rl))
	}
	if !delve {
		for i := range rl {
			a, _ := rl[i].Digest()
			b, _ := dl[i].Digest()
			if a != b {
				t.Errorf("%s: layer %d is %s in the release, %s in the debug image", p, i, a, b)
			}
		}
	}
	rc, err := rel.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	dc, err := dbg.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if dc.Config.Labels[debugLabel] == "" {
		t.Errorf("%s: no %s label", p, debugLabel)
	}
	if len(dc.History) != len(rc.History)+1 || !strings.Contains(dc.History[len(dc.History)-1].CreatedBy, "debug") {
		t.Errorf("%s: history %+v", p, dc.History)
	}
	if dc.Config.User != rc.Config.User || !slices.Equal(dc.Config.Env, rc.Config.Env) || dc.Config.WorkingDir != rc.Config.WorkingDir {
		t.Errorf("%s: the debug config runs as %q with %v in %q, the release as %q with %v in %q", p,
			dc.Config.User, dc.Config.Env, dc.Config.WorkingDir, rc.Config.User, rc.Config.Env, rc.Config.WorkingDir)
	}
	if delve {
		want := append([]string{"/bin/dlv", "exec", "--headless", "--listen=:40000", "--api-version=2", "--accept-multiclient"}, rc.Config.Entrypoint[0], "--")
		if !slices.Equal(dc.Config.Entrypoint, append(want, rc.Config.Entrypoint[1:]...)) {
			t.Errorf("%s: entrypoint %q", p, dc.Config.Entrypoint)
		}
		if _, ok := dc.Config.ExposedPorts["40000/tcp"]; !ok {
			t.Errorf("%s: exposed ports %v lack 40000/tcp", p, dc.Config.ExposedPorts)
		}
	} else if !slices.Equal(dc.Config.Entrypoint, rc.Config.Entrypoint) {
		t.Errorf("%s: entrypoint %q, the release's %q", p, dc.Config.Entrypoint, rc.Config.Entrypoint)
	}
}

// checkELF checks that the file at path is an ELF executable for machine.
func checkELF(t *testing.T, path string, machine elf.Machine) *elf.File {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if f.Machine != machine {
		t.Errorf("%s is for %v, want %v", path, f.Machine, machine)
	}
	return f
}

// TestDebugDelve builds examples/api-migrate's api.debug (debug: {delve:
// true}) for two platforms: delve and the binary unstripped, with its
// DWARF, for each; on amd64 the image's own command starts the api under
// delve in Docker, under the image's profile (with and without
// no-new-privileges) and unconfined, and delve's own client (built for this machine from the same module) sets
// a breakpoint at main.main and runs to it.
func TestDebugDelve(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "api-migrate")
	plats := "linux/amd64,linux/arm64"
	b, err := buildctl(t, dir, "--opt", "target=api.debug", "--opt", "platform="+plats)
	imgs := mustBuild(t, b, err)
	rb, err := buildctl(t, dir, "--opt", "target=api", "--opt", "platform="+plats)
	release := mustBuild(t, rb, err)
	machines := map[string]elf.Machine{"linux/amd64": elf.EM_X86_64, "linux/arm64": elf.EM_AARCH64}
	for p, machine := range machines {
		img := imgs[p]
		if img == nil {
			t.Fatalf("no %s image: %v", p, keys(imgs))
		}
		checkDebugOnRelease(t, p, release[p], img, true)
		root := filepath.Join(t.TempDir(), "rootfs")
		if err := oci.Unpack(img, root); err != nil {
			t.Fatal(err)
		}
		checkELF(t, filepath.Join(root, "bin/dlv"), machine)
		bin := checkELF(t, filepath.Join(root, "usr/local/bin/api"), machine)
		if bin.Section(".symtab") == nil || bin.Section(".debug_info") == nil && bin.Section(".zdebug_info") == nil {
			t.Errorf("%s: /usr/local/bin/api has no symbol table or no DWARF", p)
		}
	}
	src, err := os.ReadFile(filepath.Join(dir, "cmd/api/main.go"))
	if err != nil {
		t.Fatal(err)
	}
	line := slices.Index(strings.Split(string(src), "\n"), "func main() {") + 1
	dlv, err := hostDlv()
	if err != nil {
		t.Fatal(err)
	}

	amd := imgs["linux/amd64"]
	cf, err := amd.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	profile, err := oci.WriteSeccompLabel(amd, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d, _ := dockerEngine(t)
	tag := loaded(t, d, amd, "api-debug")
	// Under the release image's profile, which refuses ptrace, delve
	// cannot start the program: the debug profile is what lets it.
	relProfile, err := oci.WriteSeccompLabel(release["linux/amd64"], t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if out, err := d.Run("run", "--rm", "--network", "none", "--security-opt", "seccomp="+relProfile, tag); err == nil || !strings.Contains(out, "operation not permitted") {
		t.Errorf("delve under the release profile: %v\n%s", err, out)
	}
	for _, sec := range []struct {
		name string
		opts []string
	}{
		{"image profile", []string{"--security-opt", "seccomp=" + profile}},
		{"image profile, no-new-privileges", []string{"--security-opt", "seccomp=" + profile, "--security-opt", "no-new-privileges"}},
		{"unconfined", []string{"--security-opt", "seccomp=unconfined"}},
	} {
		t.Run(sec.name, func(t *testing.T) {
			t.Parallel()
			// The image's entrypoint, on a port of the test's own: the
			// containers share the host's network. The client connects
			// to an address of the host that is not loopback, as one
			// through a published port does: delve takes connections to
			// loopback only from its own user (65532).
			_, port, err := net.SplitHostPort(freeAddr(t))
			if err != nil {
				t.Fatal(err)
			}
			addr := net.JoinHostPort(hostIP(t), port)
			entry := slices.Clone(cf.Config.Entrypoint)
			entry[slices.Index(entry, "--listen=:40000")] = "--listen=:" + port
			name := uniqueName("slimfile-dlv")
			args := append([]string{"run", "-d", "--name", name, "--network", "host"}, sec.opts...)
			args = append(args, "--entrypoint", entry[0], tag)
			args = append(args, entry[1:]...)
			args = append(args, "-addr", freeAddr(t))
			t.Cleanup(func() { d.Run("rm", "-f", name) })
			if out, err := d.Run(args...); err != nil {
				t.Fatalf("docker run: %v\n%s", err, out)
			}
			logs := func() string { out, _ := d.Run("logs", name); return out }
			waitListening(t, addr, logs)
			// delve's own client, as a user runs it.
			init := filepath.Join(t.TempDir(), "init")
			if err := os.WriteFile(init, []byte("break main.main\ncontinue\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(dlv, "connect", addr, "--init", init)
			cmd.Stdin = strings.NewReader("")
			out, err := cmd.CombinedOutput()
			want := fmt.Sprintf("[Breakpoint 1] main.main() github.com/slimfile/slimfile/examples/api-migrate/cmd/api/main.go:%d", line)
			if !strings.Contains(string(out), want) {
				t.Errorf("dlv connect %s (%v):\n%s\nwant %q\n%s", addr, err, out, want, logs())
			}
		})
	}
}

// hostDlv builds delve's command for this machine from the debug tools'
// module (the version the images carry), once per test process.
var hostDlv = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "slimfile-dlv-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "dlv")
	out, err := exec.Command("go", "build", "-C", "../internal/debugtools", "-o", bin, "github.com/go-delve/delve/cmd/dlv").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building dlv: %v\n%s", err, out)
	}
	return bin, nil
})

// waitListening waits for something to listen at addr.
func waitListening(t *testing.T, addr string, logs func() string) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var conn net.Conn
		if conn, err = net.DialTimeout("tcp", addr, time.Second); err == nil {
			conn.Close()
			return
		}
	}
	t.Fatalf("nothing listens on %s: %v\n%s", addr, err, logs())
}

// hostIP is an IPv4 address of this machine that is not loopback.
func hostIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	t.Fatal("this machine has no IPv4 address but loopback")
	return ""
}
