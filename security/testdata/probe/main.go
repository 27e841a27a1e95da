// Command probe does what a static Go service does, one mode at a time, so
// that tests can run it under a seccomp profile: serve HTTP until SIGTERM,
// fetch an HTTPS URL (pure-Go DNS, TLS), use /tmp, run a child process, and
// attempt system calls a service must never make.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe serve ADDR | fetch URL | tmp | child | forbidden | traceme")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2])
	case "fetch":
		err = fetch(os.Args[2])
	case "tmp":
		err = tmp()
	case "child":
		err = child()
	case "forbidden":
		forbidden()
	case "traceme":
		traceme()
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}

// serve answers /hello on addr and shuts down cleanly on SIGTERM.
func serve(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from pid %d, uid %d\n", os.Getpid(), os.Getuid())
	})
	mux.HandleFunc("/tmp", func(w http.ResponseWriter, r *http.Request) {
		if err := tmp(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "tmp ok")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	fmt.Println("listening on", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	fmt.Println("shut down cleanly")
	return nil
}

// fetch resolves the URL's host with the pure-Go resolver and GETs it
// over TLS, trusting the CA bundle named by SSL_CERT_FILE.
func fetch(url string) error {
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12},
		DialContext:     (&net.Dialer{Resolver: &net.Resolver{PreferGo: true}}).DialContext,
	}}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	fmt.Printf("%s %s", resp.Status, body)
	return nil
}

// tmp writes, renames, reads and removes a file and a directory in /tmp.
func tmp() error {
	dir, err := os.MkdirTemp("", "probe")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "a")
	if err := os.WriteFile(p, []byte("written"), 0o600); err != nil {
		return err
	}
	if err := os.Rename(p, p+".b"); err != nil {
		return err
	}
	b, err := os.ReadFile(p + ".b")
	if err != nil {
		return err
	}
	if string(b) != "written" {
		return fmt.Errorf("read back %q", b)
	}
	fmt.Println("tmp ok")
	return nil
}

// child runs this program again (mode tmp) and waits for it.
func child() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	out, err := exec.Command(exe, "tmp").CombinedOutput()
	if err != nil {
		return fmt.Errorf("child: %v: %s", err, out)
	}
	fmt.Printf("child: %s", out)
	return nil
}

// forbidden attempts what a service must never do and prints each result
// as "name: errno" ("name: ok" when the call succeeded).
func forbidden() {
	report := func(name string, err error) {
		var errno syscall.Errno
		switch {
		case err == nil:
			fmt.Printf("%s: ok\n", name)
		case errors.As(err, &errno):
			fmt.Printf("%s: %s\n", name, errnoName(errno))
		default:
			fmt.Printf("%s: %v\n", name, err)
		}
	}
	// PTRACE_TRACEME succeeds for any process that is not traced already.
	// Asked here, it would make the container's parent (runc, conmon, the
	// shim) the tracer of this thread, and the Go runtime's next signal to
	// it would stop it there for good (a CI run hung so under runc): a
	// child asks instead, whose tracer is this process.
	if exe, err := os.Executable(); err != nil {
		report("ptrace", err)
	} else if out, err := exec.Command(exe, "traceme").Output(); err != nil {
		report("ptrace", err)
	} else {
		fmt.Printf("ptrace: %s\n", strings.TrimSpace(string(out)))
	}
	// Mount on a fresh directory, undone at once, so that a run with
	// privileges and no profile harms nothing.
	if dir, err := os.MkdirTemp("", "mnt"); err != nil {
		report("mount", err)
	} else {
		err := syscall.Mount("none", dir, "tmpfs", 0, "")
		report("mount", err)
		if err == nil {
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
		os.Remove(dir)
	}
	report("unshare", syscall.Unshare(syscall.CLONE_NEWUTS))
	_, _, e := syscall.RawSyscall(syscall.SYS_PERSONALITY, 0xffffffff, 0, 0)
	report("personality", errnoErr(e))
}

// traceme asks to be traced by its parent (forbidden), with every signal
// blocked on its thread so that none stops it, prints "ok" or the errno's
// name and exits.
func traceme() {
	runtime.LockOSThread()
	all := ^uint64(0)
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0 /* SIG_BLOCK */, uintptr(unsafe.Pointer(&all)), 0, 8, 0, 0)
	_, _, e := syscall.RawSyscall(syscall.SYS_PTRACE, syscall.PTRACE_TRACEME, 0, 0)
	if e == 0 {
		os.Stdout.WriteString("ok\n")
	} else {
		os.Stdout.WriteString(errnoName(e) + "\n")
	}
	os.Exit(0)
}

func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func errnoName(e syscall.Errno) string {
	switch e {
	case syscall.EPERM:
		return "EPERM"
	case syscall.ENOSYS:
		return "ENOSYS"
	case syscall.EACCES:
		return "EACCES"
	case syscall.EINVAL:
		return "EINVAL"
	}
	return fmt.Sprintf("errno %d", int(e))
}
