package security

import (
	"github.com/opencontainers/runtime-spec/specs-go"
)

// This file is the reviewed data of the seccomp profiles. startGroups are
// in every profile the project makes: what the kernel, the vDSO and the
// container runtime call on the program's behalf. allowed is the standard
// library's part of the go profile (security.seccomp: go): what a static,
// CGO-free Go program may call on linux/amd64, arm64 and arm. The
// list was read off the Go sources (the runtime's assembly and every
// standard-library function linked into a service that serves HTTP, makes
// TLS requests with pure-Go DNS, handles signals, uses /tmp and runs a
// child), and TestDefaultCoversGo reads them again on every test run: a Go
// release that starts making a new system call fails that test until the
// call is reviewed here.
//
// Anything not listed fails with ENOSYS, the answer Go (and libc) treat as
// "this kernel lacks the call" and fall back from. What a service must never
// do is listed in denied and fails with EPERM.

// group is a set of system calls with the reason they are in the profile.
// When args is set, the calls are allowed only with one of those argument
// values (one rule per value).
type group struct {
	comment string
	names   []string
	args    []specs.LinuxSeccompArg
}

// Linux constants used in argument filters.
const (
	afUnix    = 1
	afInet    = 2
	afInet6   = 10
	afNetlink = 16
	prSetVMA  = 0x53564d41
	// prctl options container runtimes use while starting the program.
	prSetPdeathsig  = 1
	prGetPdeathsig  = 2
	prGetKeepcaps   = 7
	prSetKeepcaps   = 8
	prSetName       = 15
	prGetName       = 16
	prCapbsetRead   = 23
	prCapbsetDrop   = 24
	prSetNoNewPrivs = 38
	prGetNoNewPrivs = 39
	prCapAmbient    = 47
	// cloneNewMask is the CLONE_NEW* namespace flags clone takes.
	cloneNewMask = 0x7E020000
)

var allowed = []group{
	{comment: "Go runtime: threads and scheduling. clone without any CLONE_NEW* flag (threads and os/exec children); with one it gets the default ENOSYS, as clone3 does (Go then falls back to clone)",
		names: []string{"clone"},
		args:  []specs.LinuxSeccompArg{{Index: 0, Value: cloneNewMask, ValueTwo: 0, Op: specs.OpMaskedEqual}}},
	{comment: "Go runtime: threads and scheduling",
		names: []string{"futex", "futex_time64", "gettid", "getpid", "tgkill", "sched_yield", "sched_getaffinity",
			"nanosleep", "clock_nanosleep", "clock_nanosleep_time64", "exit", "exit_group", "restart_syscall"}},
	{comment: "Go runtime: setting the thread pointer (amd64)",
		names: []string{"arch_prctl"}},
	{comment: "Go runtime: memory (heap arenas, stacks, returning memory to the kernel)",
		names: []string{"mmap", "mmap2", "munmap", "madvise", "mprotect", "mincore", "brk"}},
	prctlGroup,
	{comment: "Go runtime and os/signal: signal handlers, masks and stacks; goroutine preemption (tgkill); kill, which the runtime uses to raise a signal in itself (it reaches the processes of the same user: in a container, its own)",
		names: []string{"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigreturn", "sigaltstack", "kill"}},
	{comment: "Go runtime: clocks, and the per-thread timers of the CPU profiler",
		names: []string{"clock_gettime", "clock_gettime64", "clock_getres", "clock_getres_time64", "gettimeofday",
			"timer_create", "timer_settime", "timer_settime64", "timer_delete", "setitimer"}},
	{comment: "Go runtime: the network poller",
		names: []string{"epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2", "eventfd2", "pipe2"}},
	{comment: "crypto/rand and the runtime's random seeds",
		names: []string{"getrandom"}},
	{comment: "os and internal/poll: reading configuration and certificates, files in /tmp",
		names: []string{"read", "write", "readv", "writev", "pread64", "pwrite64", "open", "openat", "close",
			"lseek", "_llseek", "fstat", "fstat64", "newfstatat", "fstatat64", "statx", "readlinkat", "getdents64",
			"fcntl", "fcntl64", "dup3", "access", "faccessat", "faccessat2", "mkdirat", "unlinkat", "renameat", "renameat2",
			"fsync", "fdatasync", "ftruncate", "ftruncate64", "fchmod", "fchmodat", "utimensat", "getcwd", "chdir"}},
	{comment: "older forms of the file calls above, with no more power than them; qemu-user makes them when it runs arm64 programs on amd64 hosts",
		names: []string{"readlink"}},
	{comment: "io.Copy between files and sockets without copying through user space",
		names: []string{"sendfile", "sendfile64", "splice", "copy_file_range"}},
	{comment: "net: sockets of the unix, inet and inet6 families, and netlink (net.Interfaces; any netlink protocol, which without capabilities can only read); no packet or other families",
		names: []string{"socket"},
		args: []specs.LinuxSeccompArg{{Index: 0, Value: afUnix, Op: specs.OpEqualTo}, {Index: 0, Value: afInet, Op: specs.OpEqualTo},
			{Index: 0, Value: afInet6, Op: specs.OpEqualTo}, {Index: 0, Value: afNetlink, Op: specs.OpEqualTo}}},
	{comment: "net: TCP and UDP clients and servers, DNS over UDP and TCP",
		names: []string{"connect", "bind", "listen", "accept", "accept4", "getsockname", "getpeername", "setsockopt", "getsockopt",
			"sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown", "socketpair"}},
	{comment: "os and syscall: who the process is and its limits (os.Getuid, os.Getppid, the RLIMIT_NOFILE raise at start)",
		names: []string{"getuid", "geteuid", "getgid", "getegid", "getuid32", "geteuid32", "getgid32", "getegid32",
			"getgroups", "getgroups32", "getppid", "uname", "prlimit64", "getrlimit", "ugetrlimit", "getrusage"}},
	{comment: "os/exec: running and waiting for a child",
		names: []string{"execve", "wait4", "waitid", "pidfd_open", "pidfd_send_signal"}},
	{comment: "container runtimes: runc loads the filter, then checks /proc/self/fd (fstatfs), closes its descriptors and calls execve to start the program",
		names: []string{"fstatfs", "fstatfs64", "close_range"}},
}

// prctlGroup allows prctl with the options Go and container runtimes use;
// any other option (PR_SET_DUMPABLE, PR_SET_PTRACER, PR_SET_MM, ...) gets
// ENOSYS.
var prctlGroup = group{comment: "prctl: the Go runtime naming its anonymous mappings (PR_SET_VMA; Go ignores a refusal); container runtimes keeping, dropping and reading capabilities, setting the parent-death signal, the thread name and no_new_privs while they start the program",
	names: []string{"prctl"},
	args: func() []specs.LinuxSeccompArg {
		var a []specs.LinuxSeccompArg
		for _, v := range []uint64{prSetVMA, prSetPdeathsig, prGetPdeathsig, prGetKeepcaps, prSetKeepcaps, prSetName, prGetName,
			prCapbsetRead, prCapbsetDrop, prSetNoNewPrivs, prGetNoNewPrivs, prCapAmbient} {
			a = append(a, specs.LinuxSeccompArg{Index: 0, Value: v, Op: specs.OpEqualTo})
		}
		return a
	}()}

// startGroups are in every profile: calls no code of the program makes
// itself, yet made in its process.
var startGroups = []group{
	{comment: "the kernel and the vDSO: signal return trampolines, restarting interrupted calls, the vDSO's fallbacks (clocks, getcpu, getrandom), and ending the process",
		names: []string{"rt_sigreturn", "sigreturn", "restart_syscall", "clock_gettime", "clock_gettime64", "gettimeofday", "time",
			"clock_getres", "clock_getres_time64", "getcpu", "getrandom", "exit", "exit_group"}},
	{comment: "container runtimes (runc, crun) between loading the filter and execve of the program. Without no-new-privileges the filter is loaded before the runtime drops privileges, so it changes user, groups and capabilities, closes descriptors, finds and starts the program under the filter",
		names: []string{"capget", "capset", "setgroups", "setgroups32", "setresuid", "setresuid32", "setresgid", "setresgid32",
			"setuid", "setuid32", "setgid", "setgid32", "getuid", "getuid32", "geteuid", "geteuid32", "getgid", "getgid32", "getegid", "getegid32",
			"getppid", "getpid", "gettid", "fchown", "fchown32", "chdir", "fchdir", "getcwd", "close", "close_range", "fcntl", "fcntl64",
			"fstat", "fstat64", "newfstatat", "fstatat64", "statx", "stat", "stat64", "openat", "read", "write", "getdents64",
			"fstatfs", "fstatfs64", "execve", "execveat", "futex", "futex_time64", "nanosleep", "clock_nanosleep", "clock_nanosleep_time64",
			"sched_yield", "sched_getaffinity", "tgkill", "rt_sigaction", "rt_sigprocmask", "sigaltstack", "mmap", "mmap2", "munmap", "madvise",
			"mprotect", "brk", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_wait", "pipe2", "arch_prctl", "set_tid_address",
			"set_robust_list", "rseq", "uname", "prlimit64", "getrlimit", "ugetrlimit", "access", "faccessat", "faccessat2", "readlinkat",
			"sendmsg", "recvmsg", "lseek", "_llseek", "dup3", "umask", "kill", "wait4",
			"pselect6", "pselect6_time64", "select", "_newselect"}},
	prctlGroup,
}

// probed are calls that programs and libraries try and fall back from when
// the kernel lacks them (ENOSYS). Every profile answers those it does not
// allow with ENOSYS by a rule of its own: Docker 20.10 drops a profile's
// defaultErrnoRet, so the default answer there is EPERM, which some
// fallbacks do not take.
var probed = []string{"clone3", "faccessat2", "fchmodat2", "openat2", "close_range", "epoll_pwait2", "statx",
	"copy_file_range", "pidfd_open", "pidfd_send_signal", "rseq", "futex_waitv", "membarrier", "getrandom",
	"memfd_secret", "process_madvise", "cachestat", "map_shadow_stack", "landlock_create_ruleset", "set_mempolicy_home_node"}

var denied = []group{
	{comment: "inspecting or controlling other processes",
		names: []string{"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd"}},
	{comment: "mounts, namespaces and root changes",
		names: []string{"mount", "umount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_tree", "move_mount",
			"fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "open_by_handle_at", "name_to_handle_at"}},
	{comment: "the kernel itself: modules, kexec, reboot, swap, the kernel log, accounting, quotas, I/O ports",
		names: []string{"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
			"swapon", "swapoff", "syslog", "acct", "quotactl", "iopl", "ioperm"}},
	{comment: "kernel attack surface a service does not need: BPF, perf events, the keyring, io_uring, userfaultfd",
		names: []string{"bpf", "perf_event_open", "keyctl", "add_key", "request_key",
			"io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd"}},
	// adjtimex and clock_adjtime are not here: with modes 0 they read the
	// clock's state (node_exporter's timex collector does), and the kernel
	// itself refuses to set anything without CAP_SYS_TIME.
	{comment: "setting the system clock",
		names: []string{"settimeofday", "clock_settime", "clock_settime64"}},
}

// unlisted are calls the Go standard library can make that the profile
// leaves to its default answer (ENOSYS), with the reason. syscall's child
// setup makes them only for SysProcAttr options a service does not set.
var unlisted = map[string]string{
	"setpgid":   "os/exec: SysProcAttr.Setpgid only",
	"setsid":    "os/exec: SysProcAttr.Setsid only",
	"ioctl":     "os/exec: SysProcAttr.Setctty and Foreground only; terminal checks (isatty) answer false without it",
	"clone3":    "os/exec tries clone3 (for a pidfd) and falls back to clone on ENOSYS",
	"fchmodat2": "os.Chmod of a symbolic link's own mode; Go falls back on ENOSYS",
}
