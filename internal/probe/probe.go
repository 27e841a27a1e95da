// Package probe writes the executable that an image's health check
// (HEALTHCHECK, which Docker and Podman run inside the container) runs in a
// scratch image, which has no shell and no curl to run. A Go program for
// this weighs about a megabyte; the probe is a static ELF executable of a
// few hundred bytes of machine code that this package encodes itself, with
// its target baked in: it parses nothing at run time and reads no argument,
// environment or file.
//
// What the probe does, on every architecture:
//
//	rt_sigaction(SIGALRM, {handler: exit(1)})
//	rt_sigprocmask(SIG_UNBLOCK, {SIGALRM})  // in case the runtime blocked it
//	setitimer(ITIMER_REAL, {Timeout})       // SIGALRM when the time is up
//	fd = socket(AF_INET or AF_INET6, SOCK_STREAM, 0)
//	connect(fd, Addr)                       // TCP mode: exit(0) here
//	sendto(fd, request, MSG_NOSIGNAL)       // until all is sent
//	read(fd, 1 byte)                        // until '\n', EOF or an error
//	exit(0) if the line is "HTTP/1.x 2xx" or "3xx" then ' ' or '\r', else 1
//
// Any call that fails, and any short answer, is exit(1). One timer bounds
// the whole probe (connect, send and receive), whatever the server does:
// SIGALRM interrupts whichever call is blocked, and its handler exits with
// status 1. That takes three calls, where per-socket timeouts would need
// SO_RCVTIMEO, SO_SNDTIMEO, a non-blocking connect and poll, and would
// still not bound a server that trickles a byte per timeout. (A plain
// alarm(2) without the handler would also do, as SIGALRM's default action
// kills the process, but arm64 and riscv64 have no alarm, and the exit
// status would be a signal rather than 1.) MSG_NOSIGNAL keeps a peer that
// hangs up from killing the probe with SIGPIPE. Reading a byte at a time
// costs a call per byte of the status line (about 17), and never reads
// past it: the probe keeps its first 13 bytes, and needs no buffer for
// the rest of the response.
//
// The file is one PT_LOAD segment, readable and executable, that holds the
// ELF header, the read-only data and the code, plus a PT_GNU_STACK without
// PF_X; the only writable memory is the stack, where the probe keeps the
// status line. It has no interpreter, no dynamic section and no section
// headers.
package probe

import (
	"debug/elf"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Target is what the probe checks.
type Target struct {
	// Addr is the loopback address and port to connect to: 127.0.0.0/8
	// or ::1 (an IPv4-mapped ::ffff:127.x.y.z is IPv4).
	Addr netip.AddrPort
	// HTTP, when set, is the request path (with query) of an HTTP/1.1 GET;
	// the probe sends
	//	"GET <path> HTTP/1.1\r\nHost: <host>\r\nConnection: close\r\nUser-Agent: slimfile-probe\r\n\r\n"
	// and succeeds when the status line is HTTP/1.x 2xx or 3xx. Empty: a
	// TCP connect alone.
	HTTP string
	// Host is the Host header value (the URL's host[:port]); empty means
	// Addr. Only with HTTP.
	Host string
	// Timeout bounds the whole probe (connect, write, read); 0 means 10s.
	Timeout time.Duration
}

// DefaultTimeout is the probe's time bound when Target.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// ELF returns the probe for the platform: arch is a GOARCH ("amd64",
// "arm64", "arm", "386", "ppc64le", "s390x", "riscv64") and variant its
// GOARM-style variant. The code uses only each architecture's baseline
// instructions, so one probe serves every variant: for arm, "" and v5 to
// v8 (ARM state, no movw/movt); for the others any variant. The probe's
// exit status is 0 when the target is healthy and 1 otherwise. The same
// arguments give the same bytes.
func ELF(arch, variant string, t Target) ([]byte, error) {
	ar, ok := archs[arch]
	if !ok {
		return nil, fmt.Errorf("probe: no health check probe for architecture %q (there is one for %s)", arch, strings.Join(Arches(), ", "))
	}
	if ar.variants != nil && !slices.Contains(ar.variants, variant) {
		return nil, fmt.Errorf("probe: no health check probe for %s variant %q (there is one for %q)", arch, variant, ar.variants)
	}
	r, err := resolve(t)
	if err != nil {
		return nil, err
	}
	hdr := elfHeaderSize(ar.class)
	d := newRodata(ar, baseAddr+uint64(hdr), r)
	code, labels := assemble(ar.order, d.code, func(a *asm) { ar.program(a, d) })
	return writeELF(ar, append(d.bytes, code...), labels["entry"]), nil
}

// Syscalls lists the system calls the probe of arch makes, by their Linux
// names as seccomp profiles spell them, in the order it makes them, so
// that the image's seccomp profile can allow them; nil for an arch ELF
// refuses. The first, execve, is the runtime's, which starts the probe
// under the container's profile. All are direct calls (on 386 too: no
// socketcall).
func Syscalls(arch string) []string {
	if _, ok := archs[arch]; !ok {
		return nil
	}
	return []string{"execve", "rt_sigaction", "rt_sigprocmask", "setitimer", "socket", "connect", "sendto", "read", "exit_group"}
}

// Arches lists the architectures ELF writes a probe for, sorted.
func Arches() []string {
	names := make([]string, 0, len(archs))
	for n := range archs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// arch is what ELF needs to know of an architecture.
type arch struct {
	machine elf.Machine
	class   elf.Class
	order   byteOrder
	flags   uint32 // e_flags: the ABI, where the kernel or qemu looks at it
	// saFlags are the sa_flags of the SIGALRM action: SA_RESTORER where
	// the kernel refuses to deliver a signal without a return address.
	saFlags uint32
	// variants accepted, or nil for any.
	variants []string
	// program emits the probe's code for d (see the package comment). Its
	// first instruction is the failure exit, which is also the SIGALRM
	// handler; it places the label "entry", where the kernel starts it.
	program func(a *asm, d *rodata)
}

// sysnums are an architecture's numbers of the calls the probe makes.
type sysnums struct {
	read, rtSigaction, rtSigprocmask, setitimer, socket, connect, sendto, exitGroup uint32
}

var archs = map[string]*arch{
	"amd64":   &archAMD64,
	"386":     &arch386,
	"arm64":   &archARM64,
	"arm":     &archARM,
	"riscv64": &archRISCV64,
	"ppc64le": &archPPC64LE,
	"s390x":   &archS390X,
}

// Constants of the Linux ABI, the same on every architecture here.
const (
	itimerReal  = 0      // ITIMER_REAL
	sigalrm     = 14     // SIGALRM
	sigUnblock  = 1      // SIG_UNBLOCK
	sigsetSize  = 8      // sizeof(sigset_t) as rt_sigaction takes it: 64 signals
	afInet      = 2      // AF_INET
	afInet6     = 10     // AF_INET6
	sockStream  = 1      // SOCK_STREAM
	msgNoSignal = 0x4000 // MSG_NOSIGNAL: EPIPE rather than SIGPIPE
	saRestorer  = 0x04000000
)
