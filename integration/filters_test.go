//go:build libseccomp

package integration

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/slimfile/slimfile/integration/seccompbpf"
)

// TestFiltersPerArchitecture compiles each platform's label of the probe
// image to BPF as runc does (libseccomp, for that architecture alone) and
// evaluates it as the kernel would: every call found in that platform's
// binary is allowed; what the container runtime calls before the program
// starts is allowed; the calls a service must never make get EPERM; a call
// neither the binary nor the runtime makes gets ENOSYS; and the argument
// filters refuse what they must (clone with a namespace flag, packet
// sockets, prctl options outside the list). This is where the arm64 and
// arm tables are checked: under qemu-user the kernel filters qemu's own
// x86-64 calls, not the program's.
func TestFiltersPerArchitecture(t *testing.T) {
	t.Parallel()
	dir := copyModule(t, filepath.Join("..", "security", "testdata", "probe"))
	b, err := buildctl(t, dir, "--opt", "platform=linux/amd64,linux/arm64,linux/arm/v7")
	imgs := mustBuild(t, b, err)
	allow := seccompbpf.Result{Action: seccompbpf.ActAllow}
	eperm := seccompbpf.Result{Action: seccompbpf.ActErrno, Errno: 1}
	enosys := seccompbpf.Result{Action: seccompbpf.ActErrno, Errno: 38}
	for platform, arch := range map[string]string{"linux/amd64": "amd64", "linux/arm64": "arm64", "linux/arm/v7": "arm"} {
		t.Run(arch, func(t *testing.T) {
			img := imgs[platform]
			c := newConfinedRun(t, img, nil)
			label, d := derivedFor(t, img, c.rootfs)
			f, err := seccompbpf.Compile(label, arch)
			if err != nil {
				t.Fatal(err)
			}
			want := func(w seccompbpf.Result, name string, args ...uint64) {
				t.Helper()
				var a [6]uint64
				copy(a[:], args)
				got, err := f.EvalName(name, a)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					return
				}
				if got.Action != w.Action || got.Errno != w.Errno {
					t.Errorf("%s%v: %s, want %s", name, args, got, w)
				}
			}
			filtered := map[string][]uint64{"clone": {0x11}, "socket": {2}, "prctl": {0x53564d41}}
			denied := map[string]bool{}
			for _, n := range []string{"ptrace", "mount", "umount2", "unshare", "setns", "bpf", "kexec_load", "init_module", "pivot_root", "chroot"} {
				denied[n] = true
				if _, err := f.Number(n); err == nil {
					want(eperm, n)
				}
			}
			for _, n := range d.Binary {
				if denied[n] {
					continue
				}
				want(allow, n, filtered[n]...)
			}
			// What runc and crun call between loading the filter and execve
			// without no_new_privs, by architecture's name.
			start := []string{"capget", "capset", "fchown", "chdir", "getppid", "close", "write", "openat", "getdents64", "fstatfs"}
			switch arch {
			case "arm":
				start = append(start, "setgroups32", "setresuid32", "setresgid32", "setuid32", "setgid32", "pselect6", "_newselect")
			default:
				start = append(start, "setgroups", "setresuid", "setresgid", "setuid", "setgid", "pselect6")
			}
			for _, n := range start {
				want(allow, n)
			}
			for _, opt := range []uint64{24, 8, 47} { // PR_CAPBSET_DROP, PR_SET_KEEPCAPS, PR_CAP_AMBIENT
				want(allow, "prctl", opt)
			}
			for _, n := range []string{"vhangup", "clone3", "io_setup", "mq_open"} {
				if !strings.Contains(strings.Join(d.Binary, " "), n) {
					want(enosys, n)
				}
			}
			want(enosys, "clone", 0x10000000|0x11) // CLONE_NEWUSER
			want(enosys, "clone", 0x20000|0x11)    // CLONE_NEWNS
			want(enosys, "socket", 17)             // AF_PACKET
			want(enosys, "prctl", 4)               // PR_SET_DUMPABLE
			want(enosys, "prctl", 0x59616d61)      // PR_SET_PTRACER
		})
	}
}
