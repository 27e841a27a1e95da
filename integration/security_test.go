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
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/slimfile/slimfile/integration/oci"
	"github.com/slimfile/slimfile/security"
)

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

			dest, _, err := localOutput(t, dir, c.target+".profiles")
			if err != nil {
				t.Fatal(err)
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
		dest, _, err := localOutput(t, dir, "api.profiles", "--opt", "platform=linux/amd64,linux/arm64")
		if err != nil {
			t.Fatal(err)
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
			if !strings.Contains(b.failure(), want) {
				t.Errorf("%s: error lacks %q:\n%s", c.target, want, b.tail(20))
			}
		}
		if steps := b.progress.mentioning("go build"); len(steps) > 0 {
			t.Errorf("%s: a build step ran before the profile was checked (%q):\n%s", c.target, steps, b.tail(40))
		}
	}
}
