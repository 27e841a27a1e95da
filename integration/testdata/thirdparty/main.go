// Command thirdparty does what real services built on third-party code do,
// where that code calls the kernel itself: golang.org/x/sys/unix for
// filesystem, clock and lock queries, a pure-Go SQLite database (its own
// libc layer), /proc readers, os/exec, the DNS resolver, signals, and an
// HTTP server that shuts down gracefully. Each check prints one line that
// does not depend on the run, so that a run under a seccomp profile can be
// compared with the same run without one.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	_ "modernc.org/sqlite"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: thirdparty all NAME | serve ADDR | child")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "all":
		all(os.Args[2])
	case "serve":
		if err := serve(os.Args[2]); err != nil {
			fmt.Println("serve:", err)
			os.Exit(1)
		}
	case "child":
		fmt.Println("child ok")
	}
}

func all(name string) {
	failed := false
	check := func(what string, err error) {
		if err != nil {
			failed = true
			fmt.Printf("%s: %v\n", what, err)
			return
		}
		fmt.Printf("%s: ok\n", what)
	}
	var st unix.Statfs_t
	check("statfs", unix.Statfs(os.TempDir(), &st))
	var ts unix.Timespec
	check("clock_getres", unix.ClockGetres(unix.CLOCK_MONOTONIC, &ts))
	var u unix.Utsname
	check("uname", unix.Uname(&u))
	var si unix.Sysinfo_t
	check("sysinfo", unix.Sysinfo(&si))
	_, err := unix.Getrandom(make([]byte, 16), 0)
	check("getrandom", err)
	var ru unix.Rusage
	check("getrusage", unix.Getrusage(unix.RUSAGE_SELF, &ru))
	// Reading the kernel clock's state, as node_exporter's timex
	// collector does (modes 0: no privilege needed).
	var tx unix.Timex
	_, err = unix.Adjtimex(&tx)
	check("adjtimex", err)

	lockPath := filepath.Join(os.TempDir(), "thirdparty.lock")
	f, err := os.Create(lockPath)
	check("create", err)
	if err == nil {
		check("flock", unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB))
		lk := unix.Flock_t{Type: unix.F_WRLCK}
		check("fcntl lock", unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk))
		check("fstatfs", unix.Fstatfs(int(f.Fd()), &st))
		f.Close()
	}

	for _, p := range []string{"/proc/self/stat", "/proc/self/status", "/proc/self/mountinfo", "/proc/loadavg", "/proc/meminfo"} {
		_, err := os.ReadFile(p)
		check("read "+p, err)
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err == nil && len(fds) == 0 {
		err = errors.New("no descriptors")
	}
	check("list /proc/self/fd", err)

	check("sqlite", sqlite(filepath.Join(os.TempDir(), "thirdparty.db")))

	out, err := exec.Command(os.Args[0], "child").Output()
	if err == nil && string(out) != "child ok\n" {
		err = fmt.Errorf("child said %q", out)
	}
	check("os/exec", err)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	addrs, err := (&net.Resolver{PreferGo: true}).LookupHost(ctx, name)
	cancel()
	if err == nil {
		fmt.Printf("dns %s: %s\n", name, strings.Join(addrs, ","))
	} else {
		check("dns", err)
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	err = syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	if err == nil {
		select {
		case <-sig:
		case <-time.After(5 * time.Second):
			err = errors.New("SIGUSR1 not received")
		}
	}
	check("signal", err)
	check("variable", variable())
	if failed {
		os.Exit(1)
	}
}

// sqlite creates a database in WAL mode (shared memory, locks, fsync),
// writes and reads it back.
func sqlite(path string) error {
	os.Remove(path)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range []string{"PRAGMA journal_mode=WAL", "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)",
		"INSERT INTO t (name) VALUES ('a'), ('b'), ('c')"} {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil {
		return err
	}
	if n != 3 {
		return fmt.Errorf("%d rows, want 3", n)
	}
	return nil
}

// serve serves HTTP on addr until SIGTERM, then shuts down gracefully.
func serve(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Addr: addr, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from uid %d\n", os.Getuid())
	})}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	fmt.Println("shut down cleanly")
	return nil
}
