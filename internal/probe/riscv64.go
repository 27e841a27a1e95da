package probe

import (
	"debug/elf"
	"encoding/binary"
)

// archRISCV64 uses RV64I only, in 4-byte instructions (no C extension).
var archRISCV64 = arch{
	machine: elf.EM_RISCV,
	class:   elf.ELFCLASS64,
	order:   binary.LittleEndian,
	program: riscv64Program,
}

// System call numbers (include/uapi/asm-generic/unistd.h).
var riscv64Sys = sysnums{read: 63, rtSigaction: 134, rtSigprocmask: 135, setitimer: 103, socket: 198, connect: 203, sendto: 206, exitGroup: 94}

// Registers by their ABI names.
const (
	rvZero = 0
	rvSP   = 2
	rvT0   = 5
	rvT1   = 6
	rvT2   = 7
	rvS1   = 9
	rvA0   = 10
	rvA1   = 11
	rvA2   = 12
	rvA3   = 13
	rvA4   = 14
	rvA5   = 15
	rvA7   = 17
	rvS2   = 18
	rvS3   = 19
	rvS4   = 20
)

// riscv64Program: ecall takes the number in a7 and the arguments in a0 to
// a5, returns in a0 (-errno on failure) and keeps every other register.
// State lives in s1 (the socket), s2, s3 and s4.
func riscv64Program(asm *asm, d *rodata) {
	a, s := rv{asm}, riscv64Sys

	a.label("fail")                       // the SIGALRM handler, and where every failure branches
	a.li(rvA0, 1)                         // li a0, 1: exit status
	a.label("exit")                       //
	a.li(rvA7, s.exitGroup)               // li a7, SYS_exit_group
	a.ecall()                             // ecall
	a.label("entry")                      //
	a.li(rvA7, s.rtSigaction)             // li a7, SYS_rt_sigaction
	a.li(rvA0, sigalrm)                   // li a0, SIGALRM
	a.li(rvA1, uint32(d.sigaction))       // li a1, sigaction
	a.li(rvA2, 0)                         // li a2, 0: no old action
	a.li(rvA3, sigsetSize)                // li a3, 8: sizeof(sigset_t)
	a.ecall()                             // ecall
	a.branch(rvBNE, rvA0, rvZero, "fail") // bnez a0, fail
	a.li(rvA7, s.rtSigprocmask)           // li a7, SYS_rt_sigprocmask
	a.li(rvA0, sigUnblock)                // li a0, SIG_UNBLOCK
	a.li(rvA1, uint32(d.sigset))          // li a1, sigset: {SIGALRM}
	a.li(rvA2, 0)                         // li a2, 0: no old set
	a.li(rvA3, sigsetSize)                // li a3, 8: sizeof(sigset_t)
	a.ecall()                             // ecall
	a.branch(rvBNE, rvA0, rvZero, "fail") // bnez a0, fail
	a.li(rvA7, s.setitimer)               // li a7, SYS_setitimer
	a.li(rvA0, itimerReal)                // li a0, ITIMER_REAL
	a.li(rvA1, uint32(d.itimer))          // li a1, itimer
	a.li(rvA2, 0)                         // li a2, 0: no old value
	a.ecall()                             // ecall
	a.branch(rvBNE, rvA0, rvZero, "fail") // bnez a0, fail: no timer, no probe
	a.li(rvA7, s.socket)                  // li a7, SYS_socket
	a.li(rvA0, d.family)                  // li a0, AF_INET or AF_INET6
	a.li(rvA1, sockStream)                // li a1, SOCK_STREAM
	a.li(rvA2, 0)                         // li a2, 0: protocol
	a.ecall()                             // ecall
	a.addi(rvS1, rvA0, 0)                 // mv s1, a0: the socket (an error makes connect fail)
	a.li(rvA7, s.connect)                 // li a7, SYS_connect
	a.addi(rvA0, rvS1, 0)                 // mv a0, s1
	a.li(rvA1, uint32(d.sockaddr))        // li a1, sockaddr
	a.li(rvA2, d.sockaddrLen)             // li a2, sizeof(sockaddr)
	a.ecall()                             // ecall
	a.branch(rvBNE, rvA0, rvZero, "fail") // bnez a0, fail: refused, unreachable
	if d.http() {
		riscv64HTTP(a, d)
	}
	a.label("ok")  //
	a.li(rvA0, 0)  // li a0, 0: exit status
	a.jump("exit") // j exit
}

// riscv64HTTP sends the request and checks the status line; it falls
// through to "ok" when the status is 2xx or 3xx.
func riscv64HTTP(a rv, d *rodata) {
	s := riscv64Sys
	a.li(rvS2, uint32(d.request))          // li s2, request: the next byte to send
	a.li(rvS3, d.requestLen)               // li s3, len: bytes left
	a.label("send")                        //
	a.li(rvA7, s.sendto)                   // li a7, SYS_sendto
	a.addi(rvA0, rvS1, 0)                  // mv a0, s1: the socket
	a.addi(rvA1, rvS2, 0)                  // mv a1, s2
	a.addi(rvA2, rvS3, 0)                  // mv a2, s3
	a.li(rvA3, msgNoSignal)                // li a3, MSG_NOSIGNAL
	a.li(rvA4, 0)                          // li a4, 0: no address
	a.li(rvA5, 0)                          // li a5, 0: of no length
	a.ecall()                              // ecall
	a.branch(rvBGE, rvZero, rvA0, "fail")  // blez a0, fail: an error (or nothing sent)
	a.add(rvS2, rvS2, rvA0)                // add s2, s2, a0
	a.sub(rvS3, rvS3, rvA0)                // sub s3, s3, a0
	a.branch(rvBNE, rvS3, rvZero, "send")  // bnez s3, send: until all is sent
	a.addi(rvSP, rvSP, -16)                // addi sp, sp, -16: the status line's 13 bytes and a spare
	a.addi(rvS2, rvSP, 0)                  // mv s2, sp: where the next byte goes
	a.addi(rvS3, rvSP, 13)                 // addi s3, sp, 13: the spare, for every byte past the 13th
	a.label("recv")                        //
	a.li(rvA7, s.read)                     // li a7, SYS_read
	a.addi(rvA0, rvS1, 0)                  // mv a0, s1: the socket
	a.addi(rvA1, rvS2, 0)                  // mv a1, s2
	a.li(rvA2, 1)                          // li a2, 1: a byte at a time, so as not to read past '\n'
	a.ecall()                              // ecall
	a.li(rvT0, 1)                          // li t0, 1
	a.branch(rvBNE, rvA0, rvT0, "fail")    // bne a0, t0, fail: EOF or an error before the line ended
	a.lbu(rvT1, rvS2, 0)                   // lbu t1, 0(s2)
	a.li(rvT0, '\n')                       // li t0, '\n'
	a.branch(rvBEQ, rvT1, rvT0, "check")   // beq t1, t0, check: the status line is complete
	a.branch(rvBEQ, rvS2, rvS3, "recv")    // beq s2, s3, recv: at the spare, stay there
	a.addi(rvS2, rvS2, 1)                  // addi s2, s2, 1
	a.jump("recv")                         // j recv
	a.label("check")                       // compare the line with the pattern (see rodata)
	a.addi(rvS2, rvSP, 0)                  // mv s2, sp: the line's first byte
	a.li(rvS3, uint32(d.pattern))          // li s3, pattern: its lo bytes; the spans follow
	a.addi(rvS4, rvS3, patternLen)         // addi s4, s3, 12: the end of the lo bytes
	a.label("compare")                     //
	a.lbu(rvT0, rvS2, 0)                   // lbu t0, 0(s2): a byte of the line
	a.lbu(rvT1, rvS3, 0)                   // lbu t1, 0(s3): lo
	a.lbu(rvT2, rvS3, patternLen)          // lbu t2, 12(s3): span
	a.sub(rvT0, rvT0, rvT1)                // sub t0, t0, t1: minus lo
	a.branch(rvBGEU, rvT0, rvT2, "fail")   // bgeu t0, t2, fail: out of range (unsigned)
	a.addi(rvS2, rvS2, 1)                  // addi s2, s2, 1
	a.addi(rvS3, rvS3, 1)                  // addi s3, s3, 1
	a.branch(rvBNE, rvS3, rvS4, "compare") // bne s3, s4, compare
	a.lbu(rvT0, rvS2, 0)                   // lbu t0, 0(s2): the byte after the status code
	a.li(rvT1, ' ')                        // li t1, ' '
	a.branch(rvBEQ, rvT0, rvT1, "ok")      // beq t0, t1, ok
	a.li(rvT1, '\r')                       // li t1, '\r': "HTTP/1.1 200\r\n", no reason phrase
	a.branch(rvBNE, rvT0, rvT1, "fail")    // bne t0, t1, fail: a fourth digit, or garbage
}

// rv encodes the RV64I instructions the riscv64 probe uses; registers are
// numbers (x0 to x31).
type rv struct{ *asm }

// funct3 of the conditional branches.
const (
	rvBEQ  = 0
	rvBNE  = 1
	rvBGE  = 5 // signed ≥
	rvBGEU = 7 // unsigned ≥
)

// li loads a 32-bit constant below 2^31: addi rd, zero, imm when it fits
// 12 signed bits, else lui rd, hi then addi rd, rd, lo (hi rounded so
// that the signed lo makes up the rest).
func (a rv) li(rd int, v uint32) {
	if v < 0x800 {
		a.addi(rd, rvZero, int32(v))
		return
	}
	fitsU(uint64(v), 31, "riscv64 li constant")
	hi, lo := (v+0x800)>>12, int32(v<<20)>>20
	a.u32(hi<<12 | uint32(rd)<<7 | 0x37) // lui rd, hi
	if lo != 0 {
		a.addi(rd, rd, lo)
	}
}

// addi is addi rd, rs1, imm12 (mv with imm 0).
func (a rv) addi(rd, rs1 int, imm int32) {
	fits(int64(imm), 12, 0, "riscv64 addi immediate")
	a.u32(uint32(imm)<<20 | uint32(rs1)<<15 | uint32(rd)<<7 | 0x13)
}

// add and sub are rd = rs1 ± rs2.
func (a rv) add(rd, rs1, rs2 int) {
	a.u32(uint32(rs2)<<20 | uint32(rs1)<<15 | uint32(rd)<<7 | 0x33)
}

func (a rv) sub(rd, rs1, rs2 int) {
	a.u32(0x20<<25 | uint32(rs2)<<20 | uint32(rs1)<<15 | uint32(rd)<<7 | 0x33)
}

// lbu is lbu rd, imm12(rs1): a byte, zero-extended.
func (a rv) lbu(rd, rs1 int, imm int32) {
	fits(int64(imm), 12, 0, "riscv64 lbu offset")
	a.u32(uint32(imm)<<20 | uint32(rs1)<<15 | 4<<12 | uint32(rd)<<7 | 0x03)
}

// ecall is the system call.
func (a rv) ecall() { a.u32(0x00000073) }

// branch is b<funct3> rs1, rs2, label (within 4 KiB), with the offset's
// bits scattered as the B format has them.
func (a rv) branch(funct3 uint32, rs1, rs2 int, label string) {
	off := a.offset(label, a.pc())
	fits(off, 13, 1, "riscv64 branch offset")
	o := uint32(off)
	a.u32(o>>12&1<<31 | o>>5&0x3f<<25 | uint32(rs2)<<20 | uint32(rs1)<<15 |
		funct3<<12 | o>>1&0xf<<8 | o>>11&1<<7 | 0x63)
}

// jump is j label (jal zero, label; within 1 MiB).
func (a rv) jump(label string) {
	off := a.offset(label, a.pc())
	fits(off, 21, 1, "riscv64 jal offset")
	o := uint32(off)
	a.u32(o>>20&1<<31 | o>>1&0x3ff<<21 | o>>11&1<<20 | o>>12&0xff<<12 | rvZero<<7 | 0x6f)
}
