package integration

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/net/dns/dnsmessage"
	"gopkg.in/yaml.v3"

	"github.com/slimfile/slimfile/integration/oci"
	"github.com/slimfile/slimfile/security"
)

// dnsAddr is where the test's DNS server listens: a loopback address of
// its own, on port 53 because resolv.conf cannot name another port.
const dnsAddr = "127.0.0.153:53"

// startDNS answers A queries for every name with 127.0.0.1 over UDP until
// the test ends.
func startDNS(t *testing.T) {
	t.Helper()
	pc, err := net.ListenPacket("udp", dnsAddr)
	if err != nil {
		t.Fatalf("DNS server: %v", err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
			b.EnableCompression()
			b.StartQuestions()
			b.Question(q)
			b.StartAnswers()
			if q.Type == dnsmessage.TypeA {
				b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60},
					dnsmessage.AResource{A: [4]byte{127, 0, 0, 1}})
			}
			msg, err := b.Finish()
			if err == nil {
				pc.WriteTo(msg, addr)
			}
		}
	}()
}

// confinedRun runs an image's probe under runc and reports its output.
type confinedRun struct {
	t      *testing.T
	img    v1.Image
	rootfs string
	runc   *oci.Runc
	binds  map[string]string
	n      int
}

func newConfinedRun(t *testing.T, img v1.Image, binds map[string]string) *confinedRun {
	root := filepath.Join(t.TempDir(), "rootfs")
	if err := oci.Unpack(img, root); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "runc")
	return &confinedRun{t: t, img: img, rootfs: root, runc: &oci.Runc{State: state}, binds: binds}
}

// command prepares one container run of the probe with args.
func (c *confinedRun) command(profile string, args ...string) (*exec.Cmd, string, *syncBuffer) {
	c.t.Helper()
	c.n++
	id := fmt.Sprintf("slimfile-%d-%d", os.Getpid(), time.Now().UnixNano())
	cmd, err := c.runc.Command(c.img, c.rootfs, filepath.Join(c.t.TempDir(), "bundle"), id,
		oci.RunOptions{Args: args, Seccomp: profile, Binds: c.binds})
	if err != nil {
		c.t.Fatal(err)
	}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	c.t.Cleanup(func() { c.runc.Delete(id) })
	return cmd, id, out
}

// run runs the probe to its end and returns its output; it fails the test
// when the probe fails.
func (c *confinedRun) run(profile string, args ...string) string {
	c.t.Helper()
	cmd, _, out := c.command(profile, args...)
	if err := cmd.Run(); err != nil {
		c.t.Fatalf("probe %v under runc: %v\n%s", args, err, out)
	}
	return out.String()
}

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

// TestSeccompDefaultConfinesRealPrograms builds the probe program
// (security/testdata/probe) for amd64 and arm64 and runs it with runc under
// the seccomp profile of its own image label, as uid 65532 on a read-only
// root: it serves HTTP and stops cleanly on SIGTERM, resolves a name and
// fetches over TLS, writes /tmp, runs a child, and is refused ptrace,
// mount and unshare. ptrace succeeds without the profile, so the profile
// is what refuses it. arm64 runs through qemu-user, whose own
// system calls the filter then sees.
func TestSeccompDefaultConfinesRealPrograms(t *testing.T) {
	t.Parallel()
	dir := copyModule(t, filepath.Join("..", "security", "testdata", "probe"))
	b, err := buildctl(t, dir, "--opt", "platform=linux/amd64,linux/arm64")
	imgs := mustBuild(t, b, err)
	want, err := security.Seccomp("default", nil)
	if err != nil {
		t.Fatal(err)
	}

	startDNS(t)
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello over TLS to %s\n", r.Host)
	}))
	t.Cleanup(tlsSrv.Close)
	etc := t.TempDir()
	resolv := filepath.Join(etc, "resolv.conf")
	ca := filepath.Join(etc, "ca.pem")
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw})
	if err := os.WriteFile(resolv, []byte("nameserver "+strings.Split(dnsAddr, ":")[0]+"\noptions attempts:1 timeout:2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(tlsSrv.Listener.Addr().String())
	// The name is resolved by the test's DNS server; the certificate of
	// httptest's server is valid for example.com.
	url := "https://example.com:" + port + "/"

	for _, platform := range []string{"linux/amd64", "linux/arm64"} {
		t.Run(strings.ReplaceAll(platform, "/", "_"), func(t *testing.T) {
			img := imgs[platform]
			cf, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			label := cf.Config.Labels[security.SeccompLabel]
			if label != string(want) {
				t.Fatalf("label %s is not the default profile:\n%.300s", security.SeccompLabel, label)
			}
			if got := cf.Config.Labels[security.AppArmorLabel]; got != "slimfile-probe" {
				t.Errorf("label %s = %q, want slimfile-probe", security.AppArmorLabel, got)
			}
			c := newConfinedRun(t, img, map[string]string{"/etc/resolv.conf": resolv, "/etc/ssl/certs/ca-certificates.crt": ca})

			// An HTTP server, /tmp from a handler, SIGTERM.
			addr := freeAddr(t)
			cmd, id, out := c.command(label, "serve", addr)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			body, err := waitGet(t, "http://"+addr+"/hello", done)
			if err != nil {
				t.Fatalf("serve: %v\n%s", err, out)
			}
			if !strings.Contains(body, "uid 65532") {
				t.Errorf("/hello: %q", body)
			}
			if body, err := get("http://" + addr + "/tmp"); err != nil || body != "tmp ok\n" {
				t.Errorf("/tmp: %q %v", body, err)
			}
			if err := c.runc.Kill(id, "TERM"); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err != nil || !strings.Contains(out.String(), "shut down cleanly") {
					t.Errorf("after SIGTERM: %v\n%s", err, out)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("no exit 30 s after SIGTERM:\n%s", out)
			}

			// A client: pure-Go DNS over UDP, then TLS.
			if got := c.run(label, "fetch", url); !strings.Contains(got, "200 OK hello over TLS to example.com:"+port) {
				t.Errorf("fetch: %s", got)
			}
			if got := c.run(label, "child"); got != "child: tmp ok\n" {
				t.Errorf("child: %q", got)
			}

			// What a service must never do: refused with EPERM under the
			// profile; calls it does not list fail with ENOSYS. mount and
			// unshare would fail without capabilities anyway; ptrace and
			// personality succeed in the same container without the
			// profile, so their refusals are the profile's. qemu-user does not emulate
			// ptrace (ENOSYS either way), so arm64 shows the filter at work
			// through personality.
			confinedWant := []string{"ptrace: EPERM", "mount: EPERM", "unshare: EPERM", "personality: ENOSYS"}
			freeWant := []string{"ptrace: ok", "personality: ok"}
			if platform != "linux/amd64" {
				confinedWant, freeWant = confinedWant[1:], freeWant[1:]
			}
			confined := c.run(label, "forbidden")
			for _, want := range confinedWant {
				if !strings.Contains(confined, want) {
					t.Errorf("under the profile, want %q:\n%s", want, confined)
				}
			}
			free := c.run("", "forbidden")
			for _, want := range freeWant {
				if !strings.Contains(free, want) {
					t.Errorf("without a profile, want %q:\n%s", want, free)
				}
			}
		})
	}
}

// waitGet polls url until it answers 200, the server exits, or 30 s pass.
func waitGet(t *testing.T, url string, exited <-chan error) (string, error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return "", fmt.Errorf("the server exited: %v", err)
		default:
		}
		if body, err := get(url); err == nil {
			return body, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", fmt.Errorf("%s did not answer in 30 s", url)
}

// localOutput builds output (a --target value) of dir's Slimfile into a
// local directory with buildctl.
func localOutput(t *testing.T, dir, output string, extra ...string) (string, string, error) {
	t.Helper()
	dest := t.TempDir()
	args := append([]string{"build", "--progress=plain", "--frontend", "dockerfile.v0",
		"--local", "context=" + dir, "--local", "dockerfile=" + dir, "--opt", "filename=Slimfile",
		"--opt", "target=" + output, "--output", "type=local,dest=" + dest}, extra...)
	out, err := exec.Command("buildctl", args...).CombinedOutput()
	return dest, string(out), err
}

const userSeccomp = `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
  "syscalls": [
    {"names": ["read", "write", "futex"], "action": "SCMP_ACT_ALLOW"}
  ]
}
`

const userAppArmor = `# A user's own profile.
profile my-api flags=(attach_disconnected) {
  /{,**} r,
  network inet stream,
}
`

// TestProfilesOutputAndLabels: each target's profiles output holds the
// seccomp profile its image label carries, an AppArmor profile that
// apparmor_parser accepts, and a securityContext that names both; user
// profile files are shipped as written; docker and none do what they say.
func TestProfilesOutputAndLabels(t *testing.T) {
	t.Parallel()
	dir := module(t, map[string]string{
		"Slimfile": "slimfile: 1\nmain: .\nplatforms: [linux/amd64]\ntargets:\n  api: {}\n" +
			"  custom:\n    security:\n      seccomp: profiles/app.json\n      apparmor: profiles/app.apparmor\n" +
			"  loose:\n    image: {user: root}\n    security: {seccomp: docker, apparmor: none}\n",
		"go.mod":                "module example.com/svc/v3\n\ngo 1.22\n",
		"main.go":               "package main\n\nfunc main() {}\n",
		"profiles/app.json":     userSeccomp,
		"profiles/app.apparmor": userAppArmor,
	})
	defaultProfile, _ := security.Seccomp("default", nil)
	dockerProfile, _ := security.Seccomp("docker", nil)
	var compactUser bytes.Buffer
	if err := json.Compact(&compactUser, []byte(userSeccomp)); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		target, seccomp, apparmorName string
		uid                           int
	}{
		{"api", string(defaultProfile), "slimfile-svc", 65532},
		{"custom", compactUser.String(), "my-api", 65532},
		{"loose", string(dockerProfile), "", 0},
	} {
		t.Run(c.target, func(t *testing.T) {
			t.Parallel()
			b, err := buildctl(t, dir, "--opt", "target="+c.target)
			cf, err := mustBuild(t, b, err)["linux/amd64"].ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if got := cf.Config.Labels[security.SeccompLabel]; got != c.seccomp {
				t.Errorf("seccomp label:\n%.200s\nwant\n%.200s", got, c.seccomp)
			}
			if got, ok := cf.Config.Labels[security.AppArmorLabel]; got != c.apparmorName || ok != (c.apparmorName != "") {
				t.Errorf("AppArmor label %q (set: %t), want %q", got, ok, c.apparmorName)
			}

			dest, out, err := localOutput(t, dir, c.target+".profiles")
			if err != nil {
				t.Fatalf("%v\n%s", err, tail(out, 30))
			}
			exported, err := os.ReadFile(filepath.Join(dest, "seccomp.json"))
			if err != nil {
				t.Fatal(err)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, exported); err != nil || compact.String() != c.seccomp {
				t.Errorf("seccomp.json is not the label's profile (%v)", err)
			}
			if c.target == "custom" && string(exported) != userSeccomp {
				t.Errorf("the user's seccomp file was not shipped as written:\n%s", exported)
			}
			aa := filepath.Join(dest, "apparmor.profile")
			if c.apparmorName == "" {
				if _, err := os.Stat(aa); err == nil {
					t.Error("apparmor: none exported a profile")
				}
			} else if out, err := exec.Command("apparmor_parser", "-Q", "-K", aa).CombinedOutput(); err != nil {
				t.Errorf("apparmor_parser -Q rejects the profile: %v\n%s", err, out)
			}

			var sc struct {
				SecurityContext struct {
					RunAsNonRoot             bool  `yaml:"runAsNonRoot"`
					RunAsUser                int   `yaml:"runAsUser"`
					ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
					AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
					Capabilities             struct {
						Drop []string `yaml:"drop"`
					} `yaml:"capabilities"`
					SeccompProfile  map[string]string `yaml:"seccompProfile"`
					AppArmorProfile map[string]string `yaml:"appArmorProfile"`
				} `yaml:"securityContext"`
			}
			dt, err := os.ReadFile(filepath.Join(dest, "securitycontext.yaml"))
			if err == nil {
				err = yaml.Unmarshal(dt, &sc)
			}
			if err != nil {
				t.Fatal(err)
			}
			s := sc.SecurityContext
			wantAA := map[string]string{"type": "Localhost", "localhostProfile": c.apparmorName}
			if c.apparmorName == "" {
				wantAA = map[string]string{"type": "Unconfined"}
			}
			if s.RunAsUser != c.uid || s.RunAsNonRoot != (c.uid != 0) || !s.ReadOnlyRootFilesystem ||
				s.AllowPrivilegeEscalation == nil || *s.AllowPrivilegeEscalation ||
				strings.Join(s.Capabilities.Drop, ",") != "ALL" ||
				!maps.Equal(s.SeccompProfile, map[string]string{"type": "Localhost", "localhostProfile": "slimfile/svc.json"}) ||
				!maps.Equal(s.AppArmorProfile, wantAA) {
				t.Errorf("securitycontext.yaml:\n%s", dt)
			}
		})
	}
}

// TestBadProfilesPointAtLine: a profile file with a misspelt system call,
// or one that is missing, fails at its Slimfile line and builds nothing.
func TestBadProfilesPointAtLine(t *testing.T) {
	t.Parallel()
	dir := module(t, map[string]string{
		"Slimfile": "slimfile: 1\nmain: .\nplatforms: [linux/amd64]\ntargets:\n" +
			"  bad:\n    security:\n      seccomp: profiles/bad.json\n" +
			"  missing:\n    security:\n      apparmor: profiles/missing\n",
		"go.mod":            "module example.com/bad\n\ngo 1.22\n",
		"main.go":           "package main\n\nfunc main() {}\n",
		"profiles/bad.json": `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["opne"], "action": "SCMP_ACT_ALLOW"}]}`,
	})
	for _, c := range []struct{ target, box, want string }{
		{"bad", "8 | >>>       seccomp: profiles/bad.json",
			`security.seccomp: profiles/bad.json: syscalls[0].names[0]: unknown system call "opne" (did you mean "open"?)`},
		{"missing", "11 | >>>       apparmor: profiles/missing", "security.apparmor: no file profiles/missing in the build context"},
		{"missing.profiles", "11 | >>>       apparmor: profiles/missing", "security.apparmor: no file profiles/missing in the build context"},
	} {
		b, err := buildctl(t, dir, "--opt", "target="+c.target)
		if err == nil {
			t.Fatalf("%s: built with a bad profile", c.target)
		}
		for _, want := range []string{c.box, c.want} {
			if !strings.Contains(b.out, want) {
				t.Errorf("%s: output lacks %q:\n%s", c.target, want, tail(b.out, 20))
			}
		}
		if strings.Contains(b.out, "go build") {
			t.Errorf("%s: a build step ran before the profile was checked:\n%s", c.target, tail(b.out, 40))
		}
	}
}
