package probe

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// qemuNames are the names qemu-user gives the architectures.
var qemuNames = map[string]string{
	"amd64": "x86_64", "386": "i386", "arm64": "aarch64", "arm": "arm",
	"riscv64": "riscv64", "ppc64le": "ppc64le", "s390x": "s390x",
}

// runner runs the probes of one architecture on this machine.
type runner struct {
	arch string
	dir  string
	qemu string   // a qemu-user binary to run the probe with; "" to exec it
	wrap []string // a command that execs its arguments, to run it under
	how  string   // for the log
}

// newRunner finds how this machine runs arch's probes: by exec (natively,
// or through qemu-user registered with binfmt_misc), else with a
// qemu-user binary on PATH; it skips the test when there is no way.
func newRunner(t *testing.T, arch string) *runner {
	t.Helper()
	r := &runner{arch: arch, dir: t.TempDir(), how: "exec"}
	// A probe of a closed port tells whether the kernel execs the file.
	probe, err := ELF(arch, "", Target{Addr: closedPort(t, "127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = r.run(probe, 30*time.Second)
	if err == nil {
		return r
	}
	// ENOEXEC, or a binfmt_misc entry whose interpreter is missing.
	execErr := err
	for _, name := range []string{"qemu-" + qemuNames[arch] + "-static", "qemu-" + qemuNames[arch]} {
		if p, err := exec.LookPath(name); err == nil {
			r.qemu, r.how = p, name
			return r
		}
	}
	t.Skipf("this machine runs no %s executable (exec: %v), and has no qemu-%s-static on PATH", arch, execErr, qemuNames[arch])
	return nil
}

var probeSeq struct {
	sync.Mutex
	n int
}

// run writes probe to a new file and runs it; it returns the exit status
// (-1 when a signal ended it) and how long it took. limit kills it.
func (r *runner) run(probe []byte, limit time.Duration) (int, time.Duration, error) {
	probeSeq.Lock()
	probeSeq.n++
	path := filepath.Join(r.dir, "probe-"+r.arch+"-"+strconv.Itoa(probeSeq.n))
	probeSeq.Unlock()
	if err := os.WriteFile(path, probe, 0o755); err != nil {
		return 0, 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for try := 0; ; try++ {
		argv := append(slices.Clip(r.wrap), path)
		if r.qemu != "" {
			argv = append(slices.Clip(r.wrap), r.qemu, path)
		}
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		// No argv[1], an empty environment: the probe needs neither.
		cmd.Env = []string{}
		begin := time.Now()
		err := cmd.Run()
		took := time.Since(begin)
		// A parallel test's fork may still hold the file open for
		// writing (golang.org/issue/22315): try again.
		if errors.Is(err, syscall.ETXTBSY) && try < 20 {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), took, nil
		}
		if err != nil {
			return 0, took, err
		}
		return 0, took, nil
	}
}

// closedPort is a port on host that nothing listens on (one that was
// listened on a moment ago).
func closedPort(t *testing.T, host string) netip.AddrPort {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	ap := l.Addr().(*net.TCPAddr).AddrPort()
	l.Close()
	return ap
}

// rawServer serves every connection to a listener on host with the
// handler that the request's path names (the connection, after the
// request is read). The path "" names what to do without reading.
type rawServer struct {
	t        *testing.T
	handlers map[string]func(c net.Conn, req string)
	done     chan struct{}
	wg       sync.WaitGroup
}

func newRawServer(t *testing.T, handlers map[string]func(c net.Conn, req string)) *rawServer {
	s := &rawServer{t: t, handlers: handlers, done: make(chan struct{})}
	t.Cleanup(func() { close(s.done); s.wg.Wait() })
	return s
}

// listen starts serving on host (127.0.0.1 or ::1) and returns the address.
func (s *rawServer) listen(host string) netip.AddrPort {
	s.t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		s.t.Fatal(err)
	}
	s.wg.Add(2)
	go func() { defer s.wg.Done(); <-s.done; l.Close() }()
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.wg.Add(2)
			go func() { defer s.wg.Done(); <-s.done; c.Close() }()
			go func() { defer s.wg.Done(); defer c.Close(); s.serve(c) }()
		}
	}()
	return l.Addr().(*net.TCPAddr).AddrPort()
}

func (s *rawServer) serve(c net.Conn) {
	if h, ok := s.handlers[""]; ok {
		h(c, "")
		return
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	var req strings.Builder
	for !strings.HasSuffix(req.String(), "\r\n\r\n") {
		line, err := br.ReadString('\n')
		req.WriteString(line)
		if err != nil {
			return
		}
	}
	c.SetReadDeadline(time.Time{})
	path, _, _ := strings.Cut(strings.TrimPrefix(req.String(), "GET "), " ")
	path, _, _ = strings.Cut(path, "?")
	h, ok := s.handlers[path]
	if !ok {
		c.Write([]byte("HTTP/1.1 599 No such test\r\n\r\n"))
		return
	}
	h(c, req.String())
}

// answer is a handler that writes resp and closes.
func answer(resp string) func(net.Conn, string) {
	return func(c net.Conn, _ string) { c.Write([]byte(resp)) }
}
