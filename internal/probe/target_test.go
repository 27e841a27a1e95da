package probe

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestRefusesNonLoopback(t *testing.T) {
	for _, a := range []string{"10.0.0.1:80", "192.168.1.10:8080", "8.8.8.8:53", "0.0.0.0:80", "[::]:80", "[2001:db8::1]:443", "[fe80::1%eth0]:80", "[::ffff:10.1.2.3]:80"} {
		addr := netip.MustParseAddrPort(a)
		_, err := ELF("amd64", "", Target{Addr: addr, HTTP: "/"})
		if err == nil {
			t.Errorf("%s: accepted", a)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, addr.String()) || !strings.Contains(msg, "dials out of the container is a mistake") {
			t.Errorf("%s: error %q does not name the address and say why", a, msg)
		}
	}
}

func TestRefusesBadTargets(t *testing.T) {
	lo := netip.MustParseAddrPort("127.0.0.1:8080")
	for _, c := range []struct {
		name          string
		arch, variant string
		target        Target
		want          string
	}{
		{"no address", "amd64", "", Target{HTTP: "/"}, "no address"},
		{"port 0", "amd64", "", Target{Addr: netip.MustParseAddrPort("127.0.0.1:0")}, "no port"},
		{"negative timeout", "amd64", "", Target{Addr: lo, Timeout: -time.Second}, "out of range"},
		{"path without /", "amd64", "", Target{Addr: lo, HTTP: "healthz"}, "does not start with /"},
		{"space in path", "amd64", "", Target{Addr: lo, HTTP: "/a b"}, "printable ASCII"},
		{"CRLF in path", "amd64", "", Target{Addr: lo, HTTP: "/\r\nX-Evil: 1"}, "printable ASCII"},
		{"CRLF in Host", "amd64", "", Target{Addr: lo, HTTP: "/", Host: "a\r\nX-Evil: 1"}, "printable ASCII"},
		{"fragment", "amd64", "", Target{Addr: lo, HTTP: "/health#top"}, "fragment"},
		{"Host without HTTP", "amd64", "", Target{Addr: lo, Host: "a"}, "TCP probe"},
		{"request too long", "amd64", "", Target{Addr: lo, HTTP: "/" + strings.Repeat("a", maxRequest)}, "over the probe's"},
		{"unknown arch", "mips64", "", Target{Addr: lo}, "no health check probe for architecture"},
		{"unknown arm variant", "arm", "v9", Target{Addr: lo}, "variant"},
	} {
		_, err := ELF(c.arch, c.variant, c.target)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
	if Syscalls("mips64") != nil {
		t.Error("Syscalls lists calls for an architecture ELF refuses")
	}
}

// TestDeterministic: the same target gives the same bytes; another target
// other bytes; and every arm variant the same probe.
func TestDeterministic(t *testing.T) {
	for _, arch := range Arches() {
		a, _ := ELF(arch, "", httpTarget)
		b, _ := ELF(arch, "", httpTarget)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two probes of one target differ", arch)
		}
		other := httpTarget
		other.Timeout++
		if c, _ := ELF(arch, "", other); bytes.Equal(a, c) {
			t.Errorf("%s: the timeout does not change the probe", arch)
		}
	}
	v7, _ := ELF("arm", "v7", httpTarget)
	for _, v := range []string{"", "v5", "v6", "v8"} {
		if b, err := ELF("arm", v, httpTarget); err != nil || !bytes.Equal(b, v7) {
			t.Errorf("arm %q: %v, or not the v7 probe", v, err)
		}
	}
}

// TestMappedIsIPv4: ::ffff:127.0.0.1 and 127.0.0.1 give the same probe,
// as do ::1 with and without a zone.
func TestMappedIsIPv4(t *testing.T) {
	v4, _ := ELF("amd64", "", Target{Addr: netip.MustParseAddrPort("127.0.0.1:80"), HTTP: "/"})
	mapped, err := ELF("amd64", "", Target{Addr: netip.MustParseAddrPort("[::ffff:127.0.0.1]:80"), HTTP: "/"})
	if err != nil || !bytes.Equal(v4, mapped) {
		t.Errorf("::ffff:127.0.0.1: %v, or not the 127.0.0.1 probe", err)
	}
	v6, _ := ELF("amd64", "", Target{Addr: netip.MustParseAddrPort("[::1]:80")})
	zoned, err := ELF("amd64", "", Target{Addr: netip.MustParseAddrPort("[::1%lo]:80")})
	if err != nil || !bytes.Equal(v6, zoned) {
		t.Errorf("::1%%lo: %v, or not the ::1 probe", err)
	}
}

func TestTimeoutRounding(t *testing.T) {
	for _, c := range []struct {
		in        time.Duration
		sec, usec int64
	}{
		{0, 10, 0},
		{time.Nanosecond, 0, 1},
		{1500 * time.Millisecond, 1, 500000},
		{time.Second + 1, 1, 1},
	} {
		r, err := resolve(Target{Addr: netip.MustParseAddrPort("127.0.0.1:1"), Timeout: c.in})
		if err != nil {
			t.Errorf("%v: %v", c.in, err)
		} else if r.sec != c.sec || r.usec != c.usec {
			t.Errorf("%v: %d s %d µs, want %d s %d µs", c.in, r.sec, r.usec, c.sec, c.usec)
		}
	}
}
