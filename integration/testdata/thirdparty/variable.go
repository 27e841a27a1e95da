//go:build variable

package main

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// variable makes a system call whose number is known only at run time
// (getpid, computed from the arguments), as code that takes the number
// from a table or a caller does: it cannot be read from the binary.
//
//go:noinline
func variable() error {
	nr := uintptr(unix.SYS_GETPID + len(os.Args) - 3)
	if r, _, e := unix.Syscall(nr, 0, 0, 0); e != 0 {
		return e
	} else if int(r) != os.Getpid() {
		return errors.New("not getpid")
	}
	return nil
}
