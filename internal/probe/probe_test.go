package probe

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// probeCase is one run of a probe and the exit status it must end with.
type probeCase struct {
	name string
	t    Target
	want int
	// within, when set, bounds how long the probe may take (the timeout
	// cases), and the probe must take at least Timeout.
	within time.Duration
}

// TestProbe runs every architecture's probes against servers on loopback:
// net/http for the status codes, and a raw server for what net/http does
// not do (a byte at a time, garbled and partial status lines, a reset, no
// answer at all), over IPv4 and ::1, in HTTP and TCP mode.
func TestProbe(t *testing.T) {
	const timeout = 5 * time.Second // far over any healthy run; the timeout cases set their own
	mux := http.NewServeMux()
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		if code/100 == 3 {
			w.Header().Set("Location", "/elsewhere") // not followed: a 3xx is healthy
		}
		w.WriteHeader(code)
	})
	h4 := httptest.NewServer(mux)
	t.Cleanup(h4.Close)
	addr4 := netip.MustParseAddrPort(h4.Listener.Addr().String())

	const exactPath = "/exact?probe=1&x=%20y"
	const exactHost = "service.example:8080"
	raw := newRawServer(t, map[string]func(net.Conn, string){
		"/trickle-200": trickle("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
		"/trickle-503": trickle("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"),
		"/http10-301":  answer("HTTP/1.0 301 Moved Permanently\r\nLocation: /x\r\n\r\n"),
		"/no-reason":   answer("HTTP/1.1 200\r\n\r\n"),
		"/bare-lf":     answer("HTTP/1.1 204 No Content\n\n"),
		"/long-reason": answer("HTTP/1.1 200 " + strings.Repeat("Very ", 400) + "OK\r\n\r\n"),
		"/four-digits": answer("HTTP/1.1 2000 OK\r\n\r\n"),
		"/partial":     answer("HTTP/1.1 20"),
		"/no-eol":      answer("HTTP/1.1 200 OK"),
		"/http2":       answer("HTTP/2 200\r\n\r\n"),
		"/lowercase":   answer("http/1.1 200 OK\r\n\r\n"),
		"/status-199":  answer("HTTP/1.1 199 Informational\r\n\r\n"),
		"/status-400":  answer("HTTP/1.1 400 Bad Request\r\n\r\n"),
		"/empty-line":  answer("\r\n"),
		"/eof":         answer(""),
		"/reset": func(c net.Conn, _ string) {
			c.(*net.TCPConn).SetLinger(0) // close with RST
		},
		"/silent": func(c net.Conn, _ string) {
			c.Read(make([]byte, 1)) // until the probe is gone (or the test ends)
		},
		"/exact": func(c net.Conn, req string) {
			want := "GET " + exactPath + " HTTP/1.1\r\nHost: " + exactHost + "\r\nConnection: close\r\nUser-Agent: slimfile-probe\r\n\r\n"
			if req != want {
				t.Errorf("probe sent\n%q\nwant\n%q", req, want)
				c.Write([]byte("HTTP/1.1 400 Wrong\r\n\r\n"))
				return
			}
			c.Write([]byte("HTTP/1.1 200 OK\r\n\r\n"))
		},
		"/default-host": func(c net.Conn, req string) {
			host := c.LocalAddr().String() // what the probe connected to
			if !strings.Contains(req, "\r\nHost: "+host+"\r\n") {
				t.Errorf("probe sent\n%q\nwant Host: %s", req, host)
				c.Write([]byte("HTTP/1.1 400 Wrong\r\n\r\n"))
				return
			}
			c.Write([]byte("HTTP/1.1 200 OK\r\n\r\n"))
		},
	})
	raw4 := raw.listen("127.0.0.1")
	tcp := newRawServer(t, map[string]func(net.Conn, string){"": func(net.Conn, string) {}})
	tcp4 := tcp.listen("127.0.0.1")
	closed4 := closedPort(t, "127.0.0.1")

	get := func(addr netip.AddrPort, path string) Target {
		return Target{Addr: addr, HTTP: path, Timeout: timeout}
	}
	cases := []probeCase{
		{name: "200", t: get(addr4, "/status/200"), want: 0},
		{name: "204", t: get(addr4, "/status/204"), want: 0},
		{name: "302 (not followed)", t: get(addr4, "/status/302"), want: 0},
		{name: "404", t: get(addr4, "/status/404"), want: 1},
		{name: "500", t: get(addr4, "/status/500"), want: 1},
		{name: "a byte at a time, 200", t: get(raw4, "/trickle-200"), want: 0},
		{name: "a byte at a time, 503", t: get(raw4, "/trickle-503"), want: 1},
		{name: "HTTP/1.0 301", t: get(raw4, "/http10-301"), want: 0},
		{name: "no reason phrase", t: get(raw4, "/no-reason"), want: 0},
		{name: "bare LF", t: get(raw4, "/bare-lf"), want: 0},
		{name: "long reason phrase", t: get(raw4, "/long-reason"), want: 0},
		{name: "four-digit status", t: get(raw4, "/four-digits"), want: 1},
		{name: "partial status line then EOF", t: get(raw4, "/partial"), want: 1},
		{name: "status line without end then EOF", t: get(raw4, "/no-eol"), want: 1},
		{name: "HTTP/2", t: get(raw4, "/http2"), want: 1},
		{name: "lowercase", t: get(raw4, "/lowercase"), want: 1},
		{name: "1xx", t: get(raw4, "/status-199"), want: 1},
		{name: "400", t: get(raw4, "/status-400"), want: 1},
		{name: "empty line", t: get(raw4, "/empty-line"), want: 1},
		{name: "EOF", t: get(raw4, "/eof"), want: 1},
		{name: "reset", t: get(raw4, "/reset"), want: 1},
		{name: "the exact request", t: Target{Addr: raw4, HTTP: exactPath, Host: exactHost, Timeout: timeout}, want: 0},
		{name: "default Host", t: get(raw4, "/default-host"), want: 0},
		{name: "HTTP to a closed port", t: get(closed4, "/"), want: 1},
		{name: "TCP", t: Target{Addr: tcp4, Timeout: timeout}, want: 0},
		{name: "TCP to a closed port", t: Target{Addr: closed4, Timeout: timeout}, want: 1},
		{name: "TCP to 127.0.0.2, closed", t: Target{Addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.2"), closed4.Port()), Timeout: timeout}, want: 1},
		{name: "no answer: timeout", t: Target{Addr: raw4, HTTP: "/silent", Timeout: time.Second}, want: 1, within: 2 * time.Second},
		{name: "no answer: sub-second timeout", t: Target{Addr: raw4, HTTP: "/silent", Timeout: 300 * time.Millisecond}, want: 1, within: 1300 * time.Millisecond},
	}
	if l, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Logf("no IPv6 loopback, so no ::1 cases: %v", err)
	} else {
		h6 := httptest.NewUnstartedServer(mux)
		h6.Listener.Close()
		h6.Listener = l
		h6.Start()
		t.Cleanup(h6.Close)
		addr6 := netip.MustParseAddrPort(l.Addr().String())
		raw6, tcp6, closed6 := raw.listen("::1"), tcp.listen("::1"), closedPort(t, "::1")
		cases = append(cases,
			probeCase{name: "::1 200", t: get(addr6, "/status/200"), want: 0},
			probeCase{name: "::1 404", t: get(addr6, "/status/404"), want: 1},
			probeCase{name: "::1 a byte at a time", t: get(raw6, "/trickle-200"), want: 0},
			probeCase{name: "::1 default Host", t: get(raw6, "/default-host"), want: 0},
			probeCase{name: "::1 HTTP to a closed port", t: get(closed6, "/"), want: 1},
			probeCase{name: "::1 TCP", t: Target{Addr: tcp6, Timeout: timeout}, want: 0},
			probeCase{name: "::1 TCP to a closed port", t: Target{Addr: closed6, Timeout: timeout}, want: 1},
			probeCase{name: "::1 no answer: timeout", t: Target{Addr: raw6, HTTP: "/silent", Timeout: time.Second}, want: 1, within: 2 * time.Second},
		)
	}
	// An IPv4-mapped address is IPv4.
	cases = append(cases, probeCase{name: "::ffff:127.0.0.1 200", t: get(netip.AddrPortFrom(netip.AddrFrom16(addr4.Addr().As16()), addr4.Port()), "/status/200"), want: 0})

	for _, arch := range Arches() {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			r := newRunner(t, arch)
			t.Logf("running %s probes by %s", arch, r.how)
			for _, c := range cases {
				probe, err := ELF(arch, "", c.t)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				code, took, err := r.run(probe, c.t.Timeout+10*time.Second)
				switch {
				case err != nil:
					t.Errorf("%s: %v", c.name, err)
				case code != c.want:
					t.Errorf("%s: exit status %d after %v, want %d", c.name, code, took.Round(time.Millisecond), c.want)
				case c.within != 0 && (took > c.within || took < c.t.Timeout):
					t.Errorf("%s: took %v, want between the timeout %v and %v", c.name, took.Round(time.Millisecond), c.t.Timeout, c.within)
				}
			}
		})
	}
}

// TestTimeoutDespiteInheritedSignals starts probes with SIGALRM blocked,
// and ignored, as a runtime could leave them (both survive execve): the
// timeout must still end the probe, with status 1.
func TestTimeoutDespiteInheritedSignals(t *testing.T) {
	perl, err := exec.LookPath("perl")
	if err != nil {
		t.Skip("no perl to set the signal state with")
	}
	raw := newRawServer(t, map[string]func(net.Conn, string){
		"/silent": func(c net.Conn, _ string) { c.Read(make([]byte, 1)) },
	})
	target := Target{Addr: raw.listen("127.0.0.1"), HTTP: "/silent", Timeout: time.Second}
	const setup = `use POSIX; my $how = shift;
		if ($how eq "block") { sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGALRM)) or die "sigprocmask: $!" }
		else { $SIG{ALRM} = "IGNORE" }
		exec @ARGV or die "exec: $!"`
	for _, arch := range Arches() {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			r := newRunner(t, arch)
			probe, err := ELF(arch, "", target)
			if err != nil {
				t.Fatal(err)
			}
			for how, state := range map[string]string{"block": "blocked", "ignore": "ignored"} {
				r.wrap = []string{perl, "-e", setup, how}
				code, took, err := r.run(probe, 10*time.Second)
				if err != nil || code != 1 || took > 2*time.Second {
					t.Errorf("SIGALRM %s: exit status %d after %v (%v), want 1 within 2s", state, code, took.Round(time.Millisecond), err)
				}
			}
		})
	}
}

// trickle is a handler that writes resp a byte at a time, each in a TCP
// segment of its own, so that no read of the probe sees more than one.
func trickle(resp string) func(net.Conn, string) {
	return func(c net.Conn, _ string) {
		c.(*net.TCPConn).SetNoDelay(true)
		for i := 0; i < len(resp); i++ {
			if _, err := c.Write([]byte{resp[i]}); err != nil {
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
}
