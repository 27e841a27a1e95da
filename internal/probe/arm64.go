package probe

import (
	"debug/elf"
	"encoding/binary"
)

var archARM64 = arch{
	machine: elf.EM_AARCH64,
	class:   elf.ELFCLASS64,
	order:   binary.LittleEndian,
	program: arm64Program,
}

// System call numbers (include/uapi/asm-generic/unistd.h).
var arm64Sys = sysnums{read: 63, rtSigaction: 134, rtSigprocmask: 135, setitimer: 103, socket: 198, connect: 203, sendto: 206, exitGroup: 94}

// arm64Program: svc #0 takes the number in x8 and the arguments in x0 to
// x5, returns in x0 (-errno on failure) and keeps every other register.
// State lives in x19 (the socket), x20, x21 and x22.
func arm64Program(asm *asm, d *rodata) {
	a, s := a64{asm}, arm64Sys

	a.label("fail")            // the SIGALRM handler, and where every failure branches
	a.movz(0, 1)               // mov x0, #1: exit status
	a.label("exit")            //
	a.movz(8, s.exitGroup)     // mov x8, #SYS_exit_group
	a.svc()                    // svc #0
	a.label("entry")           //
	a.movz(8, s.rtSigaction)   // mov x8, #SYS_rt_sigaction
	a.movz(0, sigalrm)         // mov x0, #SIGALRM
	a.adr(1, d.sigaction)      // adr x1, sigaction
	a.movz(2, 0)               // mov x2, #0: no old action
	a.movz(3, sigsetSize)      // mov x3, #8: sizeof(sigset_t)
	a.svc()                    // svc #0
	a.cbnz(0, "fail")          // cbnz x0, fail
	a.movz(8, s.rtSigprocmask) // mov x8, #SYS_rt_sigprocmask
	a.movz(0, sigUnblock)      // mov x0, #SIG_UNBLOCK
	a.adr(1, d.sigset)         // adr x1, sigset: {SIGALRM}
	a.movz(2, 0)               // mov x2, #0: no old set
	a.movz(3, sigsetSize)      // mov x3, #8: sizeof(sigset_t)
	a.svc()                    // svc #0
	a.cbnz(0, "fail")          // cbnz x0, fail
	a.movz(8, s.setitimer)     // mov x8, #SYS_setitimer
	a.movz(0, itimerReal)      // mov x0, #ITIMER_REAL
	a.adr(1, d.itimer)         // adr x1, itimer
	a.movz(2, 0)               // mov x2, #0: no old value
	a.svc()                    // svc #0
	a.cbnz(0, "fail")          // cbnz x0, fail: no timer, no probe
	a.movz(8, s.socket)        // mov x8, #SYS_socket
	a.movz(0, d.family)        // mov x0, #AF_INET or AF_INET6
	a.movz(1, sockStream)      // mov x1, #SOCK_STREAM
	a.movz(2, 0)               // mov x2, #0: protocol
	a.svc()                    // svc #0
	a.mov(19, 0)               // mov x19, x0: the socket (an error makes connect fail)
	a.movz(8, s.connect)       // mov x8, #SYS_connect
	a.mov(0, 19)               // mov x0, x19
	a.adr(1, d.sockaddr)       // adr x1, sockaddr
	a.movz(2, d.sockaddrLen)   // mov x2, #sizeof(sockaddr)
	a.svc()                    // svc #0
	a.cbnz(0, "fail")          // cbnz x0, fail: refused, unreachable
	if d.http() {
		arm64HTTP(a, d)
	}
	a.label("ok") //
	a.movz(0, 0)  // mov x0, #0: exit status
	a.b("exit")   // b exit
}

// arm64HTTP sends the request and checks the status line; it falls through
// to "ok" when the status is 2xx or 3xx.
func arm64HTTP(a a64, d *rodata) {
	s := arm64Sys
	a.adr(20, d.request)         // adr x20, request: the next byte to send
	a.movz(21, d.requestLen)     // mov x21, #len: bytes left
	a.label("send")              //
	a.movz(8, s.sendto)          // mov x8, #SYS_sendto
	a.mov(0, 19)                 // mov x0, x19: the socket
	a.mov(1, 20)                 // mov x1, x20
	a.mov(2, 21)                 // mov x2, x21
	a.movz(3, msgNoSignal)       // mov x3, #MSG_NOSIGNAL
	a.movz(4, 0)                 // mov x4, #0: no address
	a.movz(5, 0)                 // mov x5, #0: of no length
	a.svc()                      // svc #0
	a.cmpImm(0, 0)               // cmp x0, #0
	a.bcond(condLE, "fail")      // b.le fail: an error (or nothing sent)
	a.add(20, 20, 0)             // add x20, x20, x0
	a.subs(21, 21, 0)            // subs x21, x21, x0
	a.bcond(condNE, "send")      // b.ne send: until all is sent
	a.subImm(a64SP, a64SP, 16)   // sub sp, sp, #16: the status line's 13 bytes and a spare
	a.addImm(20, a64SP, 0)       // mov x20, sp: where the next byte goes
	a.addImm(21, a64SP, 13)      // add x21, sp, #13: the spare, for every byte past the 13th
	a.label("recv")              //
	a.movz(8, s.read)            // mov x8, #SYS_read
	a.mov(0, 19)                 // mov x0, x19: the socket
	a.mov(1, 20)                 // mov x1, x20
	a.movz(2, 1)                 // mov x2, #1: a byte at a time, so as not to read past '\n'
	a.svc()                      // svc #0
	a.cmpImm(0, 1)               // cmp x0, #1
	a.bcond(condNE, "fail")      // b.ne fail: EOF or an error before the line ended
	a.ldrb(0, 20, 0)             // ldrb w0, [x20]
	a.cmpImm(0, '\n')            // cmp x0, #'\n'
	a.bcond(condEQ, "check")     // b.eq check: the status line is complete
	a.cmp(20, 21)                // cmp x20, x21
	a.bcond(condEQ, "recv")      // b.eq recv: at the spare, stay there
	a.addImm(20, 20, 1)          // add x20, x20, #1
	a.b("recv")                  // b recv
	a.label("check")             // compare the line with the pattern (see rodata)
	a.addImm(20, a64SP, 0)       // mov x20, sp: the line's first byte
	a.adr(21, d.pattern)         // adr x21, pattern: its lo bytes; the spans follow
	a.addImm(22, 21, patternLen) // add x22, x21, #12: the end of the lo bytes
	a.label("compare")           //
	a.ldrbPost(0, 20, 1)         // ldrb w0, [x20], #1: a byte of the line
	a.ldrb(1, 21, patternLen)    // ldrb w1, [x21, #12]: span
	a.ldrbPost(2, 21, 1)         // ldrb w2, [x21], #1: lo
	a.sub(0, 0, 2)               // sub x0, x0, x2: minus lo
	a.cmp(0, 1)                  // cmp x0, x1: against span
	a.bcond(condHS, "fail")      // b.hs fail: out of range (unsigned)
	a.cmp(21, 22)                // cmp x21, x22
	a.bcond(condNE, "compare")   // b.ne compare
	a.ldrb(0, 20, 0)             // ldrb w0, [x20]: the byte after the status code
	a.cmpImm(0, ' ')             // cmp x0, #' '
	a.bcond(condEQ, "ok")        // b.eq ok
	a.cmpImm(0, '\r')            // cmp x0, #'\r': "HTTP/1.1 200\r\n", no reason phrase
	a.bcond(condNE, "fail")      // b.ne fail: a fourth digit, or garbage
}

// a64 encodes the A64 instructions the arm64 probe uses; registers are
// numbers (x0 to x30; 31 is sp or xzr, as the instruction reads it).
type a64 struct{ *asm }

const a64SP = 31

// Condition codes of b.cond.
const (
	condEQ = 0x0
	condNE = 0x1
	condHS = 0x2 // unsigned ≥
	condLE = 0xd // signed ≤
)

// movz is movz xd, #imm16: a small constant.
func (a a64) movz(rd int, imm uint32) {
	fitsU(uint64(imm), 16, "arm64 movz immediate")
	a.u32(0xd2800000 | imm<<5 | uint32(rd))
}

// mov is mov xd, xm (orr xd, xzr, xm).
func (a a64) mov(rd, rm int) { a.u32(0xaa0003e0 | uint32(rm)<<16 | uint32(rd)) }

// adr is adr xd, addr: an address within 1 MiB of the instruction.
func (a a64) adr(rd int, addr uint64) {
	off := int64(addr - a.pc())
	fits(off, 21, 0, "arm64 adr offset")
	a.u32(0x10000000 | uint32(off&3)<<29 | uint32(off>>2&0x7ffff)<<5 | uint32(rd))
}

// addImm and subImm are add/sub xd, xn, #imm12 (xd and xn may be sp).
func (a a64) addImm(rd, rn int, imm uint32) {
	fitsU(uint64(imm), 12, "arm64 add immediate")
	a.u32(0x91000000 | imm<<10 | uint32(rn)<<5 | uint32(rd))
}

func (a a64) subImm(rd, rn int, imm uint32) {
	fitsU(uint64(imm), 12, "arm64 sub immediate")
	a.u32(0xd1000000 | imm<<10 | uint32(rn)<<5 | uint32(rd))
}

// add, sub and subs are xd = xn ± xm (subs also sets the flags).
func (a a64) add(rd, rn, rm int) { a.u32(0x8b000000 | uint32(rm)<<16 | uint32(rn)<<5 | uint32(rd)) }

func (a a64) sub(rd, rn, rm int) { a.u32(0xcb000000 | uint32(rm)<<16 | uint32(rn)<<5 | uint32(rd)) }

func (a a64) subs(rd, rn, rm int) { a.u32(0xeb000000 | uint32(rm)<<16 | uint32(rn)<<5 | uint32(rd)) }

// cmp is cmp xn, xm (subs xzr, xn, xm); cmpImm is cmp xn, #imm12.
func (a a64) cmp(rn, rm int) { a.subs(31, rn, rm) }

func (a a64) cmpImm(rn int, imm uint32) {
	fitsU(uint64(imm), 12, "arm64 cmp immediate")
	a.u32(0xf100001f | imm<<10 | uint32(rn)<<5)
}

// ldrb is ldrb wt, [xn, #imm12]; ldrbPost is ldrb wt, [xn], #imm9, which
// then adds imm to xn. Both zero-extend the byte to all of xt.
func (a a64) ldrb(rt, rn int, imm uint32) {
	fitsU(uint64(imm), 12, "arm64 ldrb offset")
	a.u32(0x39400000 | imm<<10 | uint32(rn)<<5 | uint32(rt))
}

func (a a64) ldrbPost(rt, rn int, imm int32) {
	fits(int64(imm), 9, 0, "arm64 ldrb post-index")
	a.u32(0x38400400 | uint32(imm)&0x1ff<<12 | uint32(rn)<<5 | uint32(rt))
}

// svc is svc #0, the system call.
func (a a64) svc() { a.u32(0xd4000001) }

// b, bcond and cbnz branch to a label within their reach (128 MiB, 1 MiB).
func (a a64) b(label string) {
	off := a.offset(label, a.pc())
	fits(off, 28, 2, "arm64 b offset")
	a.u32(0x14000000 | uint32(off>>2)&0x3ffffff)
}

func (a a64) bcond(cond uint32, label string) {
	off := a.offset(label, a.pc())
	fits(off, 21, 2, "arm64 b.cond offset")
	a.u32(0x54000000 | uint32(off>>2)&0x7ffff<<5 | cond)
}

// cbnz is cbnz xt, label: branch when xt is not zero.
func (a a64) cbnz(rt int, label string) {
	off := a.offset(label, a.pc())
	fits(off, 21, 2, "arm64 cbnz offset")
	a.u32(0xb5000000 | uint32(off>>2)&0x7ffff<<5 | uint32(rt))
}
