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
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/net/dns/dnsmessage"
	"gopkg.in/yaml.v3"

	"github.com/slimfile/slimfile/integration/oci"
	"github.com/slimfile/slimfile/security"
)

// dnsHosts counts the loopback addresses given to DNS servers, one per
// test: port 53, because resolv.conf cannot name another port.
var dnsHosts atomic.Int32

// startDNS answers A queries for every name with 127.0.0.1 over UDP until
// the test ends, and returns a resolv.conf that names it.
func startDNS(t *testing.T) string {
	t.Helper()
	host := fmt.Sprintf("127.0.0.%d", 153+dnsHosts.Add(1))
	pc, err := net.ListenPacket("udp", host+":53")
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
	resolv := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(resolv, []byte("nameserver "+host+"\noptions attempts:1 timeout:2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return resolv
}

// confinedRun runs an image's probe under runc and reports its output.
type confinedRun struct {
	t      *testing.T
	img    v1.Image
	rootfs string
	runc   *oci.Runc
	binds  map[string]string
	n      int
	// newPrivs and caps are how the next runs start (oci.RunOptions).
	newPrivs bool
	caps     []string
}

// with is c running without no_new_privs when newPrivs is set, keeping
// caps.
func (c *confinedRun) with(newPrivs bool, caps ...string) *confinedRun {
	d := *c
	d.newPrivs, d.caps = newPrivs, caps
	return &d
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
		oci.RunOptions{Args: args, Seccomp: profile, Binds: c.binds, NewPrivileges: c.newPrivs, Caps: c.caps})
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

// derivedFor is the default profile derived from the binary of img (its
// entrypoint, in the unpacked rootfs), as the frontend's step derives it.
func derivedFor(t *testing.T, img v1.Image, rootfs string) ([]byte, *security.Derivation) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(filepath.Join(rootfs, cf.Config.Entrypoint[0]))
	if err != nil {
		t.Fatal(err)
	}
	p, d, err := security.DeriveSeccomp(bin)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b, d
}

// TestSeccompDefaultConfinesRealPrograms builds the probe program
// (security/testdata/probe) for amd64, arm64 and arm/v7. Each image's label
// is the profile derived from that platform's own binary, with nothing
// left to the fallback. On amd64 the probe runs with runc under its label,
// as uid 65532 on a read-only root, both with no_new_privs (as Kubernetes
// with allowPrivilegeEscalation: false) and without (as Docker and Podman
// by default), and every run is compared with the same run unconfined:
// it serves HTTP and stops cleanly on SIGTERM, resolves a name and fetches
// over TLS, writes /tmp, runs a child. ptrace, mount and unshare are
// refused with EPERM, also with CAP_SYS_ADMIN, with which they succeed
// unconfined: the refusal is the profile's. arm64 runs through qemu-user
// unconfined only: under qemu the kernel filters qemu's own x86-64 calls,
// so the arm tables are checked by evaluating the compiled filters
// (TestFiltersPerArchitecture).
func TestSeccompDefaultConfinesRealPrograms(t *testing.T) {
	t.Parallel()
	dir := copyModule(t, filepath.Join("..", "security", "testdata", "probe"))
	b, err := buildctl(t, dir, "--opt", "platform=linux/amd64,linux/arm64,linux/arm/v7")
	imgs := mustBuild(t, b, err)

	resolv := startDNS(t)
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello over TLS to %s\n", r.Host)
	}))
	t.Cleanup(tlsSrv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw})
	if err := os.WriteFile(ca, caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(tlsSrv.Listener.Addr().String())
	// The name is resolved by the test's DNS server; the certificate of
	// httptest's server is valid for example.com.
	url := "https://example.com:" + port + "/"

	for _, platform := range []string{"linux/amd64", "linux/arm64", "linux/arm/v7"} {
		t.Run(strings.ReplaceAll(platform, "/", "_"), func(t *testing.T) {
			img := imgs[platform]
			cf, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			c := newConfinedRun(t, img, map[string]string{"/etc/resolv.conf": resolv, "/etc/ssl/certs/ca-certificates.crt": ca})
			want, d := derivedFor(t, img, c.rootfs)
			label := cf.Config.Labels[security.SeccompLabel]
			if label != string(want) {
				t.Fatalf("label %s is not the profile derived from the binary:\n%.300s", security.SeccompLabel, label)
			}
			if d.Fallback != "" || d.Allowed >= d.Go || len(d.Binary) < 40 {
				t.Errorf("derivation: %d calls found, %d allowed (go: %d), fallback %q", len(d.Binary), d.Allowed, d.Go, d.Fallback)
			}
			if got := cf.Config.Labels[security.AppArmorLabel]; got != "slimfile-probe" {
				t.Errorf("label %s = %q, want slimfile-probe", security.AppArmorLabel, got)
			}
			if platform == "linux/arm/v7" {
				return // built and derived; its filter is evaluated in TestFiltersPerArchitecture
			}
			runs := []struct {
				name, profile string
				c             *confinedRun
			}{{"unconfined", "", c}}
			if platform == "linux/amd64" {
				runs = append(runs, struct {
					name, profile string
					c             *confinedRun
				}{"confined with no_new_privs", label, c}, struct {
					name, profile string
					c             *confinedRun
				}{"confined without no_new_privs", label, c.with(true)})
			}
			for _, r := range runs {
				t.Run(strings.ReplaceAll(r.name, " ", "_"), func(t *testing.T) {
					// An HTTP server, /tmp from a handler, SIGTERM.
					r.c.serveAndStop(t, r.profile, "/hello", func(addr, body string) {
						if !strings.Contains(body, "uid 65532") {
							t.Errorf("/hello: %q", body)
						}
						if body, err := get("http://" + addr + "/tmp"); err != nil || body != "tmp ok\n" {
							t.Errorf("/tmp: %q %v", body, err)
						}
					})
					// A client: pure-Go DNS over UDP, then TLS.
					if got := r.c.run(r.profile, "fetch", url); !strings.Contains(got, "200 OK hello over TLS to example.com:"+port) {
						t.Errorf("fetch: %s", got)
					}
					if got := r.c.run(r.profile, "child"); got != "child: tmp ok\n" {
						t.Errorf("child: %q", got)
					}
				})
			}
			if platform != "linux/amd64" {
				return
			}
			// What a service must never do: refused with EPERM under the
			// profile, with no_new_privs or without. With CAP_SYS_ADMIN, as
			// root, mount and unshare succeed unconfined: refused confined,
			// the refusal is the profile's; ptrace succeeds unconfined in
			// any container.
			for _, cc := range []*confinedRun{c, c.with(true)} {
				confined := cc.run(label, "forbidden")
				for _, want := range []string{"ptrace: EPERM", "mount: EPERM", "unshare: EPERM"} {
					if !strings.Contains(confined, want) {
						t.Errorf("under the profile (new privileges %t), want %q:\n%s", cc.newPrivs, want, confined)
					}
				}
			}
			admin := c.with(true, "CAP_SYS_ADMIN")
			if free := admin.run("", "forbidden"); !strings.Contains(free, "ptrace: ok") || !strings.Contains(free, "mount: ok") || !strings.Contains(free, "unshare: ok") {
				t.Errorf("without a profile, with CAP_SYS_ADMIN, want ptrace, mount and unshare ok:\n%s", free)
			}
			if confined := admin.run(label, "forbidden"); !strings.Contains(confined, "mount: EPERM") || !strings.Contains(confined, "unshare: EPERM") {
				t.Errorf("under the profile, with CAP_SYS_ADMIN, want mount and unshare EPERM:\n%s", confined)
			}
		})
	}
}

// serveAndStop runs the program's "serve ADDR" mode under profile, waits
// until path answers, hands the address and the answer to check, then
// sends SIGTERM and checks that the program says it shut down cleanly and
// exits 0.
func (c *confinedRun) serveAndStop(t *testing.T, profile, path string, check func(addr, body string)) {
	t.Helper()
	addr := freeAddr(t)
	cmd, id, out := c.command(profile, "serve", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	body, err := waitGet(t, "http://"+addr+path, done)
	if err != nil {
		t.Fatalf("serve: %v\n%s", err, out)
	}
	check(addr, body)
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
	dockerProfile, _ := security.Seccomp("docker", nil)
	var compactUser bytes.Buffer
	if err := json.Compact(&compactUser, []byte(userSeccomp)); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		target, seccomp, apparmorName string
		uid                           int
	}{
		{"api", "", "slimfile-svc", 65532}, // derived from the image's binary
		{"custom", compactUser.String(), "my-api", 65532},
		{"loose", string(dockerProfile), "", 0},
	} {
		t.Run(c.target, func(t *testing.T) {
			t.Parallel()
			b, err := buildctl(t, dir, "--opt", "target="+c.target)
			img := mustBuild(t, b, err)["linux/amd64"]
			cf, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if c.seccomp == "" {
				root := filepath.Join(t.TempDir(), "rootfs")
				if err := oci.Unpack(img, root); err != nil {
					t.Fatal(err)
				}
				want, _ := derivedFor(t, img, root)
				c.seccomp = string(want)
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
	// With several platforms, each gets a directory with the profile
	// derived from its own binary, for its own architecture.
	t.Run("platforms", func(t *testing.T) {
		t.Parallel()
		dest, out, err := localOutput(t, dir, "api.profiles", "--opt", "platform=linux/amd64,linux/arm64")
		if err != nil {
			t.Fatalf("%v\n%s", err, tail(out, 30))
		}
		for dir, arch := range map[string]string{"linux_amd64": "SCMP_ARCH_X86_64", "linux_arm64": "SCMP_ARCH_AARCH64"} {
			b, err := os.ReadFile(filepath.Join(dest, dir, "seccomp.json"))
			if err != nil {
				t.Fatal(err)
			}
			var p struct {
				ArchMap []struct{ Architecture string } `json:"archMap"`
			}
			if err := json.Unmarshal(b, &p); err != nil || len(p.ArchMap) != 1 || p.ArchMap[0].Architecture != arch {
				t.Errorf("%s/seccomp.json: archMap %+v (%v), want %s alone", dir, p.ArchMap, err, arch)
			}
			for _, f := range []string{"apparmor.profile", "securitycontext.yaml"} {
				if _, err := os.Stat(filepath.Join(dest, dir, f)); err != nil {
					t.Error(err)
				}
			}
		}
	})
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
