//go:build libseccomp

package seccompbpf

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"unsafe"

	"github.com/slimfile/slimfile/security"
)

// kernelCase is a call whose result tells ALLOW from the profile's EPERM
// and ENOSYS, and that does nothing when allowed.
type kernelCase struct {
	name string
	nr   int
	args [6]uint64
}

var kernelCases = []kernelCase{
	{"getpid", 39, [6]uint64{}},
	{"read(-1)", 0, [6]uint64{^uint64(0)}},                       // EBADF when allowed
	{"socket(AF_INET, SOCK_DGRAM)", 41, [6]uint64{2, 2}},         // a descriptor
	{"socket(AF_PACKET)", 41, [6]uint64{17, 3}},                  //
	{"socket(AF_INET+1<<32)", 41, [6]uint64{1<<32 | 2, 2}},       // the high half counts
	{"prctl(PR_SET_VMA, bad)", 157, [6]uint64{0x53564d41, 1000}}, // EINVAL when allowed
	{"prctl(PR_SET_DUMPABLE)", 157, [6]uint64{4, 1}},
	{"personality(query)", 135, [6]uint64{0xffffffff}},
	{"unshare(0)", 272, [6]uint64{}},
	{"ptrace(-1)", 101, [6]uint64{^uint64(0)}},
	{"clone(CLONE_NEWUSER)", 56, [6]uint64{0x10000000 | 0x11}},
}

// TestKernel loads the amd64 filter into a child of this test, makes the
// calls there and checks that the kernel answers as Eval does.
func TestKernel(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the kernel check runs on amd64")
	}
	f := compile(t, security.GoSeccomp(), "amd64")
	if os.Getenv("SECCOMPBPF_CHILD") == "1" {
		kernelChild(f) // does not return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKernel$")
	cmd.Env = append(os.Environ(), "SECCOMPBPF_CHILD=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the child: %v: %s", err, out)
	}
	var errnos []int
	if err := json.Unmarshal(out, &errnos); err != nil {
		t.Fatalf("the child's answer %q: %v", out, err)
	}
	if errnos == nil {
		t.Skip("this machine does not let a process load a seccomp filter")
	}
	for i, c := range kernelCases {
		r, got := f.Eval(c.nr, c.args), errnos[i]
		switch {
		case r.Action == ActErrno && got != r.Errno,
			r.Action == ActAllow && (got == eperm || got == enosys):
			t.Errorf("%s: the kernel gave errno %d, Eval %v", c.name, got, r)
		case r.Action != ActErrno && r.Action != ActAllow:
			t.Errorf("%s: Eval %v, want ALLOW or ERRNO", c.name, r)
		}
	}
}

// kernelChild loads f on this thread (the calls are made from it) and
// writes the errno of each case as JSON, or null if it cannot load f.
func kernelChild(f *Filter) {
	runtime.LockOSThread()
	prog := f.Program()
	fprog := struct {
		len    uint16
		filter *Instruction
	}{uint16(len(prog)), &prog[0]}
	const prSetNoNewPrivs, prSetSeccomp, seccompModeFilter = 38, 22, 2
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0); e != 0 {
		fmt.Print("null")
		os.Exit(0)
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetSeccomp, seccompModeFilter, uintptr(unsafe.Pointer(&fprog))); e != 0 {
		fmt.Print("null")
		os.Exit(0)
	}
	runtime.KeepAlive(prog)
	errnos := make([]int, len(kernelCases))
	for i, c := range kernelCases {
		a := c.args
		r, _, e := syscall.RawSyscall6(uintptr(c.nr), uintptr(a[0]), uintptr(a[1]), uintptr(a[2]), uintptr(a[3]), uintptr(a[4]), uintptr(a[5]))
		errnos[i] = int(e)
		if c.nr == 41 && e == 0 {
			syscall.Close(int(r))
		}
	}
	b, _ := json.Marshal(errnos)
	os.Stdout.Write(b)
	os.Exit(0)
}
