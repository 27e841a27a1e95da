package probe

import (
	"debug/elf"
	"encoding/binary"
)

// rodata is the probe's read-only data, which sits between the ELF headers
// and the code in the one segment, and where the code finds each item. The
// kernel reads the first four (the signal action, the signal set, the
// timer, the peer's address); the code compares the status line with the
// pattern and sends the request. Every item starts 8-byte aligned (s390x's larl, for one,
// can only address even bytes).
type rodata struct {
	bytes []byte // from the end of the ELF headers up to the code

	sigaction, sigset, itimer, sockaddr uint64 // addresses
	pattern, request                    uint64 // addresses; 0 in TCP mode
	code                                uint64 // address of the code, just after the data

	family      uint32 // AF_INET or AF_INET6
	sockaddrLen uint32
	requestLen  uint32 // 0 in TCP mode: the probe only connects
}

// http tells whether the probe sends a request (else it only connects).
func (d *rodata) http() bool { return d.requestLen != 0 }

// The status line pattern is checked a byte at a time: byte i of the line
// is good when line[i]-lo[i] < span[i], unsigned (span 1: exactly lo). The
// byte after it, which must be ' ' or '\r', is checked by the code. The
// pattern holds the 12 lo bytes followed by the 12 span bytes.
const patternLen = 12

var patternLo = [patternLen]byte{'H', 'T', 'T', 'P', '/', '1', '.', '0', ' ', '2', '0', '0'}
var patternSpan = [patternLen]byte{1, 1, 1, 1, 1, 1, 1, 10, 1, 2, 10, 10} // "HTTP/1." digit ' ' [23] digit digit

// newRodata lays out the data for r at address start, in ar's word size and
// byte order.
func newRodata(ar *arch, start uint64, r *resolved) *rodata {
	d := &rodata{}
	o := ar.order
	word := func(b []byte, v uint64) []byte { // a C long
		if ar.class == elf.ELFCLASS32 {
			return o.AppendUint32(b, uint32(v))
		}
		return o.AppendUint64(b, v)
	}
	put := func(item []byte) uint64 {
		for len(d.bytes)%8 != 0 {
			d.bytes = append(d.bytes, 0)
		}
		at := start + uint64(len(d.bytes))
		d.bytes = append(d.bytes, item...)
		return at
	}

	// The kernel's struct sigaction: sa_handler, sa_flags, sa_restorer,
	// sa_mask (8 bytes). The handler is the code's first instruction,
	// known once the data's size is; placed last here. Where the kernel's
	// struct has no sa_restorer (arm64, riscv64), the zero word is the
	// first half of an empty sa_mask, so one layout serves all.
	var sa []byte
	sa = word(word(sa, 0), uint64(ar.saFlags))
	sa = word(sa, 0)
	sa = o.AppendUint64(sa, 0)
	d.sigaction = put(sa)

	// The sigset_t {SIGALRM}, to unblock it: a blocked signal mask is
	// inherited across execve, and the runtime that starts the probe
	// could have blocked it. Signal n is bit n-1 of the first C long.
	set := word(nil, 1<<(sigalrm-1))
	if ar.class == elf.ELFCLASS32 {
		set = word(set, 0)
	}
	d.sigset = put(set)

	// struct itimerval: it_interval {0, 0} (fire once), it_value {sec, usec}.
	var itv []byte
	itv = word(word(itv, 0), 0)
	itv = word(word(itv, uint64(r.sec)), uint64(r.usec))
	d.itimer = put(itv)

	// struct sockaddr_in or sockaddr_in6: the family in the host's byte
	// order, the port and address in the network's.
	var sock []byte
	if r.addr.Is4() {
		d.family = afInet
		sock = o.AppendUint16(sock, afInet)
		sock = binary.BigEndian.AppendUint16(sock, r.port)
		ip := r.addr.As4()
		sock = append(sock, ip[:]...)
		sock = append(sock, make([]byte, 8)...) // sin_zero
	} else {
		d.family = afInet6
		sock = o.AppendUint16(sock, afInet6)
		sock = binary.BigEndian.AppendUint16(sock, r.port)
		sock = append(sock, 0, 0, 0, 0) // sin6_flowinfo
		ip := r.addr.As16()
		sock = append(sock, ip[:]...)
		sock = append(sock, 0, 0, 0, 0) // sin6_scope_id
	}
	d.sockaddr, d.sockaddrLen = put(sock), uint32(len(sock))

	if r.request != nil {
		d.pattern = put(append(patternLo[:], patternSpan[:]...))
		d.request, d.requestLen = put(r.request), uint32(len(r.request))
	}

	d.code = put(nil)
	hd := d.sigaction - start
	if ar.class == elf.ELFCLASS32 {
		o.PutUint32(d.bytes[hd:], uint32(d.code))
	} else {
		o.PutUint64(d.bytes[hd:], d.code)
	}
	return d
}
