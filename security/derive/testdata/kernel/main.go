// Command kernel calls the kernel directly through golang.org/x/sys/unix,
// as third-party libraries do, so that tests can check that the system
// calls derived from its binary cover what it makes when run.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

func main() {
	var st unix.Statfs_t
	check("statfs", unix.Statfs("/", &st))
	var ts unix.Timespec
	check("clock_getres", unix.ClockGetres(unix.CLOCK_MONOTONIC, &ts))
	var u unix.Utsname
	check("uname", unix.Uname(&u))
	var si unix.Sysinfo_t
	check("sysinfo", unix.Sysinfo(&si))
	b := make([]byte, 8)
	_, err := unix.Getrandom(b, 0)
	check("getrandom", err)
	f, err := os.Create(filepath.Join(os.TempDir(), "kernel.lock"))
	check("create", err)
	check("flock", unix.Flock(int(f.Fd()), unix.LOCK_EX))
	check("fstatfs", unix.Fstatfs(int(f.Fd()), &st))
	f.Close()
	os.Remove(f.Name())
	r, _, e := syscall.Syscall(syscall.SYS_GETPPID, 0, 0, 0)
	if e != 0 {
		check("getppid", e)
	}
	variable()
	fmt.Println("ok", r > 0)
}

func check(what string, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
		os.Exit(1)
	}
}
