package probe

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"
)

// maxRequest bounds the HTTP request, so that its length is an immediate
// operand on every architecture (the smallest field is ppc64le's and
// s390x's signed 16 bits).
const maxRequest = 4096

// resolved is a Target checked and turned into what the probe holds.
type resolved struct {
	addr    netip.Addr // IPv4 (4 bytes) or IPv6, without a zone
	port    uint16
	request []byte // nil in TCP mode
	sec     int64  // the timeout, in seconds and microseconds
	usec    int64
}

func resolve(t Target) (*resolved, error) {
	if !t.Addr.IsValid() {
		return nil, errors.New("probe: the target has no address")
	}
	ip := t.Addr.Addr().Unmap().WithZone("")
	if !ip.IsLoopback() {
		return nil, fmt.Errorf("probe: %s is not a loopback address (127.0.0.0/8 or ::1): a health check runs inside the container and checks it, so one that dials out of the container is a mistake", t.Addr)
	}
	if t.Addr.Port() == 0 {
		return nil, fmt.Errorf("probe: %s has no port", t.Addr)
	}
	r := &resolved{addr: ip, port: t.Addr.Port()}

	timeout := t.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	if timeout < 0 || timeout > math.MaxInt32*time.Second {
		return nil, fmt.Errorf("probe: timeout %v is out of range (0 to %v)", t.Timeout, math.MaxInt32*time.Second)
	}
	usec := (timeout + time.Microsecond - 1) / time.Microsecond // round up: never less than asked
	r.sec, r.usec = int64(usec/1e6), int64(usec%1e6)

	if t.HTTP == "" {
		if t.Host != "" {
			return nil, fmt.Errorf("probe: Host %q is set for a TCP probe (no HTTP path)", t.Host)
		}
		return r, nil
	}
	if t.HTTP[0] != '/' {
		return nil, fmt.Errorf("probe: HTTP path %q does not start with /", t.HTTP)
	}
	if err := headerToken("HTTP path", t.HTTP); err != nil {
		return nil, err
	}
	if strings.Contains(t.HTTP, "#") {
		return nil, fmt.Errorf("probe: HTTP path %q has a fragment (#...), which a client never sends", t.HTTP)
	}
	host := t.Host
	if host == "" {
		host = netip.AddrPortFrom(ip, r.port).String()
	}
	if err := headerToken("Host", host); err != nil {
		return nil, err
	}
	req := "GET " + t.HTTP + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\nUser-Agent: slimfile-probe\r\n\r\n"
	if len(req) > maxRequest {
		return nil, fmt.Errorf("probe: the HTTP request would be %d bytes, over the probe's %d", len(req), maxRequest)
	}
	r.request = []byte(req)
	return r, nil
}

// headerToken refuses what would break the request line or a header: a
// space, a control character (CR and LF would let the value write headers
// of its own) or a byte outside ASCII (a path must be percent-encoded).
func headerToken(what, s string) error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("probe: %s %q holds byte %#02x at %d: only printable ASCII without spaces goes in a request (percent-encode the rest)", what, s, c, i)
		}
	}
	return nil
}
