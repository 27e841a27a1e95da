package probe

import (
	"debug/elf"
	"encoding/binary"
)

// archPPC64LE is 64-bit little-endian POWER, which is ELFv2: e_flags must
// say so, or the kernel and qemu take e_entry and the signal handler for
// ELFv1 function descriptors. The code uses only instructions of the
// original PowerPC ISA.
var archPPC64LE = arch{
	machine: elf.EM_PPC64,
	class:   elf.ELFCLASS64,
	order:   binary.LittleEndian,
	flags:   2, // EF_PPC64_ABI v2
	program: ppc64leProgram,
}

// System call numbers (arch/powerpc/kernel/syscalls/syscall.tbl).
var ppc64leSys = sysnums{read: 3, rtSigaction: 173, rtSigprocmask: 174, setitimer: 104, socket: 326, connect: 328, sendto: 335, exitGroup: 234}

// Condition register bits of cr0, as bc tests them.
const (
	crLT = 0
	crGT = 1
	crEQ = 2
	crSO = 3 // summary overflow: a system call failed
)

// ppc64leProgram: sc takes the number in r0 and the arguments in r3 to r8,
// and returns in r3; on failure it sets cr0's SO bit and r3 is the
// positive errno, so every call's result is tested with bso. It may
// clobber r0 and r4 to r12, so state lives in r14 (the socket) to r17 and
// the arguments are set again before every call.
func ppc64leProgram(asm *asm, d *rodata) {
	a, s := ppc{asm}, ppc64leSys

	a.label("fail")              // the SIGALRM handler, and where every failure branches
	a.li(3, 1)                   // li r3, 1: exit status
	a.label("exit")              //
	a.li(0, s.exitGroup)         // li r0, SYS_exit_group
	a.sc()                       // sc
	a.label("entry")             //
	a.li(0, s.rtSigaction)       // li r0, SYS_rt_sigaction
	a.li(3, sigalrm)             // li r3, SIGALRM
	a.li(4, uint32(d.sigaction)) // lis r4, sigaction@h; ori r4, r4, sigaction@l
	a.li(5, 0)                   // li r5, 0: no old action
	a.li(6, sigsetSize)          // li r6, 8: sizeof(sigset_t)
	a.sc()                       // sc
	a.bc(bcTrue, crSO, "fail")   // bso fail
	a.li(0, s.rtSigprocmask)     // li r0, SYS_rt_sigprocmask
	a.li(3, sigUnblock)          // li r3, SIG_UNBLOCK
	a.li(4, uint32(d.sigset))    // lis r4, sigset@h; ori r4, r4, sigset@l: {SIGALRM}
	a.li(5, 0)                   // li r5, 0: no old set
	a.li(6, sigsetSize)          // li r6, 8: sizeof(sigset_t)
	a.sc()                       // sc
	a.bc(bcTrue, crSO, "fail")   // bso fail
	a.li(0, s.setitimer)         // li r0, SYS_setitimer
	a.li(3, itimerReal)          // li r3, ITIMER_REAL
	a.li(4, uint32(d.itimer))    // lis r4, itimer@h; ori r4, r4, itimer@l
	a.li(5, 0)                   // li r5, 0: no old value
	a.sc()                       // sc
	a.bc(bcTrue, crSO, "fail")   // bso fail: no timer, no probe
	a.li(0, s.socket)            // li r0, SYS_socket
	a.li(3, d.family)            // li r3, AF_INET or AF_INET6
	a.li(4, sockStream)          // li r4, SOCK_STREAM
	a.li(5, 0)                   // li r5, 0: protocol
	a.sc()                       // sc
	a.bc(bcTrue, crSO, "fail")   // bso fail: r3 would be an errno, not a socket
	a.mr(14, 3)                  // mr r14, r3: the socket
	a.li(0, s.connect)           // li r0, SYS_connect
	a.mr(3, 14)                  // mr r3, r14
	a.li(4, uint32(d.sockaddr))  // lis r4, sockaddr@h; ori r4, r4, sockaddr@l
	a.li(5, d.sockaddrLen)       // li r5, sizeof(sockaddr)
	a.sc()                       // sc
	a.bc(bcTrue, crSO, "fail")   // bso fail: refused, unreachable
	if d.http() {
		ppc64leHTTP(a, d)
	}
	a.label("ok") //
	a.li(3, 0)    // li r3, 0: exit status
	a.b("exit")   // b exit
}

// ppc64leHTTP sends the request and checks the status line; it falls
// through to "ok" when the status is 2xx or 3xx.
func ppc64leHTTP(a ppc, d *rodata) {
	s := ppc64leSys
	a.li(15, uint32(d.request))    // lis r15, request@h; ori r15, r15, request@l: the next byte to send
	a.li(16, d.requestLen)         // li r16, len: bytes left
	a.label("send")                //
	a.li(0, s.sendto)              // li r0, SYS_sendto
	a.mr(3, 14)                    // mr r3, r14: the socket
	a.mr(4, 15)                    // mr r4, r15
	a.mr(5, 16)                    // mr r5, r16
	a.li(6, msgNoSignal)           // li r6, MSG_NOSIGNAL
	a.li(7, 0)                     // li r7, 0: no address
	a.li(8, 0)                     // li r8, 0: of no length
	a.sc()                         // sc
	a.bc(bcTrue, crSO, "fail")     // bso fail
	a.cmpdi(3, 0)                  // cmpdi r3, 0
	a.bc(bcFalse, crGT, "fail")    // ble fail: nothing sent
	a.add(15, 15, 3)               // add r15, r15, r3
	a.subfDot(16, 3, 16)           // subf. r16, r3, r16: r16 -= r3, and compare with 0
	a.bc(bcFalse, crEQ, "send")    // bne send: until all is sent
	a.addi(1, 1, -16)              // addi r1, r1, -16: the status line's 13 bytes and a spare
	a.mr(15, 1)                    // mr r15, r1: where the next byte goes
	a.addi(16, 1, 13)              // addi r16, r1, 13: the spare, for every byte past the 13th
	a.label("recv")                //
	a.li(0, s.read)                // li r0, SYS_read
	a.mr(3, 14)                    // mr r3, r14: the socket
	a.mr(4, 15)                    // mr r4, r15
	a.li(5, 1)                     // li r5, 1: a byte at a time, so as not to read past '\n'
	a.sc()                         // sc
	a.bc(bcTrue, crSO, "fail")     // bso fail
	a.cmpdi(3, 1)                  // cmpdi r3, 1
	a.bc(bcFalse, crEQ, "fail")    // bne fail: EOF before the line ended
	a.lbz(3, 15, 0)                // lbz r3, 0(r15)
	a.cmpdi(3, '\n')               // cmpdi r3, '\n'
	a.bc(bcTrue, crEQ, "check")    // beq check: the status line is complete
	a.cmpd(15, 16)                 // cmpd r15, r16
	a.bc(bcTrue, crEQ, "recv")     // beq recv: at the spare, stay there
	a.addi(15, 15, 1)              // addi r15, r15, 1
	a.b("recv")                    // b recv
	a.label("check")               // compare the line with the pattern (see rodata)
	a.mr(15, 1)                    // mr r15, r1: the line's first byte
	a.li(16, uint32(d.pattern))    // lis r16, pattern@h; ori r16, r16, pattern@l: its lo bytes; the spans follow
	a.addi(17, 16, patternLen)     // addi r17, r16, 12: the end of the lo bytes
	a.label("compare")             //
	a.lbz(3, 15, 0)                // lbz r3, 0(r15): a byte of the line
	a.lbz(4, 16, 0)                // lbz r4, 0(r16): lo
	a.lbz(5, 16, patternLen)       // lbz r5, 12(r16): span
	a.subf(3, 4, 3)                // subf r3, r4, r3: minus lo
	a.cmpld(3, 5)                  // cmpld r3, r5: against span (unsigned)
	a.bc(bcFalse, crLT, "fail")    // bge fail: out of range
	a.addi(15, 15, 1)              // addi r15, r15, 1
	a.addi(16, 16, 1)              // addi r16, r16, 1
	a.cmpd(16, 17)                 // cmpd r16, r17
	a.bc(bcFalse, crEQ, "compare") // bne compare
	a.lbz(3, 15, 0)                // lbz r3, 0(r15): the byte after the status code
	a.cmpdi(3, ' ')                // cmpdi r3, ' '
	a.bc(bcTrue, crEQ, "ok")       // beq ok
	a.cmpdi(3, '\r')               // cmpdi r3, '\r': "HTTP/1.1 200\r\n", no reason phrase
	a.bc(bcFalse, crEQ, "fail")    // bne fail: a fourth digit, or garbage
}

// ppc encodes the Power ISA instructions the ppc64le probe uses;
// registers are numbers (r0 to r31; r1 is the stack pointer). Instruction
// words are stored in the file's byte order.
type ppc struct{ *asm }

// bo of bc: branch if the condition bit is set, or clear.
const (
	bcTrue  = 12
	bcFalse = 4
)

// li loads a constant below 2^31: li rd, imm (addi rd, 0, imm) when it
// fits 16 signed bits, else lis rd, hi then ori rd, rd, lo.
func (a ppc) li(rd int, v uint32) {
	if v < 0x8000 {
		a.addi(rd, 0, int32(v))
		return
	}
	fitsU(uint64(v), 31, "ppc64 li constant")
	a.u32(15<<26 | uint32(rd)<<21 | v>>16)                     // lis rd, v@h (addis rd, 0, hi)
	a.u32(24<<26 | uint32(rd)<<21 | uint32(rd)<<16 | v&0xffff) // ori rd, rd, v@l
}

// addi is addi rd, ra, simm16 (ra 0 means the constant 0, not r0).
func (a ppc) addi(rd, ra int, imm int32) {
	fits(int64(imm), 16, 0, "ppc64 addi immediate")
	a.u32(14<<26 | uint32(rd)<<21 | uint32(ra)<<16 | uint32(imm)&0xffff)
}

// mr is mr ra, rs (or ra, rs, rs).
func (a ppc) mr(ra, rs int) {
	a.u32(31<<26 | uint32(rs)<<21 | uint32(ra)<<16 | uint32(rs)<<11 | 444<<1)
}

// add is add rd, ra, rb; subf is subf rd, ra, rb (rd = rb - ra), and
// subfDot its form that also compares the result with 0 in cr0.
func (a ppc) add(rd, ra, rb int) { a.xo(266, rd, ra, rb, 0) }

func (a ppc) subf(rd, ra, rb int) { a.xo(40, rd, ra, rb, 0) }

func (a ppc) subfDot(rd, ra, rb int) { a.xo(40, rd, ra, rb, 1) }

func (a ppc) xo(xo uint32, rd, ra, rb int, rc uint32) {
	a.u32(31<<26 | uint32(rd)<<21 | uint32(ra)<<16 | uint32(rb)<<11 | xo<<1 | rc)
}

// cmpdi, cmpd and cmpld compare 64-bit values into cr0: with a signed
// immediate, signed, and unsigned.
func (a ppc) cmpdi(ra int, imm int32) {
	fits(int64(imm), 16, 0, "ppc64 cmpdi immediate")
	a.u32(11<<26 | 1<<21 | uint32(ra)<<16 | uint32(imm)&0xffff)
}

func (a ppc) cmpd(ra, rb int) { a.u32(31<<26 | 1<<21 | uint32(ra)<<16 | uint32(rb)<<11 | 0<<1) }

func (a ppc) cmpld(ra, rb int) { a.u32(31<<26 | 1<<21 | uint32(ra)<<16 | uint32(rb)<<11 | 32<<1) }

// lbz is lbz rd, d(ra): a byte, zero-extended.
func (a ppc) lbz(rd, ra int, disp int32) {
	fits(int64(disp), 16, 0, "ppc64 lbz offset")
	a.u32(34<<26 | uint32(rd)<<21 | uint32(ra)<<16 | uint32(disp)&0xffff)
}

// sc is the system call.
func (a ppc) sc() { a.u32(0x44000002) }

// b is b label; bc is bc bo, bi, label (cr0 bit bi; within 32 KiB).
func (a ppc) b(label string) {
	off := a.offset(label, a.pc())
	fits(off, 26, 2, "ppc64 b offset")
	a.u32(18<<26 | uint32(off)&0x3fffffc)
}

func (a ppc) bc(bo, bi uint32, label string) {
	off := a.offset(label, a.pc())
	fits(off, 16, 2, "ppc64 bc offset")
	a.u32(16<<26 | bo<<21 | bi<<16 | uint32(off)&0xfffc)
}
