// Helpers for tests that run an image's program under runc, confined by a
// seccomp profile, and for the DNS server those programs resolve names with.
package integration

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/net/dns/dnsmessage"

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
