//go:build variable

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// variable makes a system call whose number is known only at run time:
// getpid, computed from the number of arguments.
//
//go:noinline
func variable() {
	nr := uintptr(len(os.Args) + unix.SYS_GETPID - 1)
	unix.Syscall(nr, 0, 0, 0)
}
