package probe

import (
	"debug/elf"
	"encoding/binary"
)

// archS390X is 64-bit IBM Z (z/Architecture), big-endian; the data follows
// it (the family of a sockaddr, the words of the timer and the action are
// stored big-endian).
var archS390X = arch{
	machine: elf.EM_S390,
	class:   elf.ELFCLASS64,
	order:   binary.BigEndian,
	program: s390xProgram,
}

// System call numbers (arch/s390/kernel/syscalls/syscall.tbl).
var s390xSys = sysnums{read: 3, rtSigaction: 174, rtSigprocmask: 175, setitimer: 104, socket: 359, connect: 362, sendto: 369, exitGroup: 248}

// Condition code masks of brc: which of the four condition codes branch.
// A compare sets cc 0 (equal), 1 (low) or 2 (high); ltgr sets 0 (zero),
// 1 (negative) or 2 (positive).
const (
	ccMaskEq     = 8         // equal or zero
	ccMaskNe     = 4 | 2 | 1 // not equal, not zero
	ccMaskLe     = 8 | 4     // low or equal: ≤, or ≤ 0
	ccMaskHe     = 8 | 2     // high or equal: ≥
	ccMaskAlways = 15
)

// s390xProgram: svc 0 takes the number in r1 (svc n can only name calls
// below 256) and the arguments in r2 to r7, returns in r2 (-errno on
// failure) and keeps every other register. State lives in r8 (the
// socket), r9, r10 and r11; r15 is the stack pointer. Addresses of the
// data are larl's, relative to the instruction.
func s390xProgram(asm *asm, d *rodata) {
	a, s := zarch{asm}, s390xSys

	a.label("fail")            // the SIGALRM handler, and where every failure branches
	a.lghi(2, 1)               // lghi r2, 1: exit status
	a.label("exit")            //
	a.lghi(1, s.exitGroup)     // lghi r1, SYS_exit_group
	a.svc0()                   // svc 0
	a.label("entry")           //
	a.lghi(1, s.rtSigaction)   // lghi r1, SYS_rt_sigaction
	a.lghi(2, sigalrm)         // lghi r2, SIGALRM
	a.larl(3, d.sigaction)     // larl r3, sigaction
	a.lghi(4, 0)               // lghi r4, 0: no old action
	a.lghi(5, sigsetSize)      // lghi r5, 8: sizeof(sigset_t)
	a.svc0()                   // svc 0
	a.ltgr(2, 2)               // ltgr r2, r2
	a.brc(ccMaskNe, "fail")    // jne fail
	a.lghi(1, s.rtSigprocmask) // lghi r1, SYS_rt_sigprocmask
	a.lghi(2, sigUnblock)      // lghi r2, SIG_UNBLOCK
	a.larl(3, d.sigset)        // larl r3, sigset: {SIGALRM}
	a.lghi(4, 0)               // lghi r4, 0: no old set
	a.lghi(5, sigsetSize)      // lghi r5, 8: sizeof(sigset_t)
	a.svc0()                   // svc 0
	a.ltgr(2, 2)               // ltgr r2, r2
	a.brc(ccMaskNe, "fail")    // jne fail
	a.lghi(1, s.setitimer)     // lghi r1, SYS_setitimer
	a.lghi(2, itimerReal)      // lghi r2, ITIMER_REAL
	a.larl(3, d.itimer)        // larl r3, itimer
	a.lghi(4, 0)               // lghi r4, 0: no old value
	a.svc0()                   // svc 0
	a.ltgr(2, 2)               // ltgr r2, r2
	a.brc(ccMaskNe, "fail")    // jne fail: no timer, no probe
	a.lghi(1, s.socket)        // lghi r1, SYS_socket
	a.lghi(2, d.family)        // lghi r2, AF_INET or AF_INET6
	a.lghi(3, sockStream)      // lghi r3, SOCK_STREAM
	a.lghi(4, 0)               // lghi r4, 0: protocol
	a.svc0()                   // svc 0
	a.lgr(8, 2)                // lgr r8, r2: the socket (an error makes connect fail)
	a.lghi(1, s.connect)       // lghi r1, SYS_connect
	a.lgr(2, 8)                // lgr r2, r8
	a.larl(3, d.sockaddr)      // larl r3, sockaddr
	a.lghi(4, d.sockaddrLen)   // lghi r4, sizeof(sockaddr)
	a.svc0()                   // svc 0
	a.ltgr(2, 2)               // ltgr r2, r2
	a.brc(ccMaskNe, "fail")    // jne fail: refused, unreachable
	if d.http() {
		s390xHTTP(a, d)
	}
	a.label("ok")               //
	a.lghi(2, 0)                // lghi r2, 0: exit status
	a.brc(ccMaskAlways, "exit") // j exit
}

// s390xHTTP sends the request and checks the status line; it falls
// through to "ok" when the status is 2xx or 3xx.
func s390xHTTP(a zarch, d *rodata) {
	s := s390xSys
	a.larl(9, d.request)        // larl r9, request: the next byte to send
	a.lghi(10, d.requestLen)    // lghi r10, len: bytes left
	a.label("send")             //
	a.lghi(1, s.sendto)         // lghi r1, SYS_sendto
	a.lgr(2, 8)                 // lgr r2, r8: the socket
	a.lgr(3, 9)                 // lgr r3, r9
	a.lgr(4, 10)                // lgr r4, r10
	a.lghi(5, msgNoSignal)      // lghi r5, MSG_NOSIGNAL
	a.lghi(6, 0)                // lghi r6, 0: no address
	a.lghi(7, 0)                // lghi r7, 0: of no length
	a.svc0()                    // svc 0
	a.ltgr(2, 2)                // ltgr r2, r2
	a.brc(ccMaskLe, "fail")     // jle fail: an error (or nothing sent)
	a.agr(9, 2)                 // agr r9, r2
	a.sgr(10, 2)                // sgr r10, r2
	a.brc(ccMaskNe, "send")     // jne send: until all is sent
	a.aghi(15, -16)             // aghi r15, -16: the status line's 13 bytes and a spare
	a.lgr(9, 15)                // lgr r9, r15: where the next byte goes
	a.la(10, 15, 13)            // la r10, 13(r15): the spare, for every byte past the 13th
	a.label("recv")             //
	a.lghi(1, s.read)           // lghi r1, SYS_read
	a.lgr(2, 8)                 // lgr r2, r8: the socket
	a.lgr(3, 9)                 // lgr r3, r9
	a.lghi(4, 1)                // lghi r4, 1: a byte at a time, so as not to read past '\n'
	a.svc0()                    // svc 0
	a.cghi(2, 1)                // cghi r2, 1
	a.brc(ccMaskNe, "fail")     // jne fail: EOF or an error before the line ended
	a.llgc(2, 9, 0)             // llgc r2, 0(r9)
	a.cghi(2, '\n')             // cghi r2, '\n'
	a.brc(ccMaskEq, "check")    // je check: the status line is complete
	a.cgr(9, 10)                // cgr r9, r10
	a.brc(ccMaskEq, "recv")     // je recv: at the spare, stay there
	a.aghi(9, 1)                // aghi r9, 1
	a.brc(ccMaskAlways, "recv") // j recv
	a.label("check")            // compare the line with the pattern (see rodata)
	a.lgr(9, 15)                // lgr r9, r15: the line's first byte
	a.larl(10, d.pattern)       // larl r10, pattern: its lo bytes; the spans follow
	a.la(11, 10, patternLen)    // la r11, 12(r10): the end of the lo bytes
	a.label("compare")          //
	a.llgc(2, 9, 0)             // llgc r2, 0(r9): a byte of the line
	a.llgc(3, 10, 0)            // llgc r3, 0(r10): lo
	a.llgc(4, 10, patternLen)   // llgc r4, 12(r10): span
	a.sgr(2, 3)                 // sgr r2, r3: minus lo
	a.clgr(2, 4)                // clgr r2, r4: against span (unsigned)
	a.brc(ccMaskHe, "fail")     // jhe fail: out of range
	a.aghi(9, 1)                // aghi r9, 1
	a.aghi(10, 1)               // aghi r10, 1
	a.cgr(10, 11)               // cgr r10, r11
	a.brc(ccMaskNe, "compare")  // jne compare
	a.llgc(2, 9, 0)             // llgc r2, 0(r9): the byte after the status code
	a.cghi(2, ' ')              // cghi r2, ' '
	a.brc(ccMaskEq, "ok")       // je ok
	a.cghi(2, '\r')             // cghi r2, '\r': "HTTP/1.1 200\r\n", no reason phrase
	a.brc(ccMaskNe, "fail")     // jne fail: a fourth digit, or garbage
}

// zarch encodes the z/Architecture instructions the s390x probe uses, in
// their 2-, 4- and 6-byte formats; registers are numbers (r0 to r15).
type zarch struct{ *asm }

// ri is the RI format: op1 (8 bits), r1, op2 (4 bits), a 16-bit immediate.
func (a zarch) ri(op1, op2 byte, r1 int, imm uint16) {
	a.u8(op1, byte(r1)<<4|op2)
	a.u16(imm)
}

// lghi, aghi and cghi take a signed 16-bit immediate: r1 = imm, r1 += imm,
// and compare r1 with imm (64 bits, signed).
func (a zarch) lghi(r1 int, imm uint32) { a.ri(0xa7, 0x9, r1, imm16(int64(imm))) }

func (a zarch) aghi(r1 int, imm int32) { a.ri(0xa7, 0xb, r1, imm16(int64(imm))) }

func (a zarch) cghi(r1 int, imm int32) { a.ri(0xa7, 0xf, r1, imm16(int64(imm))) }

func imm16(v int64) uint16 {
	fits(v, 16, 0, "s390x immediate")
	return uint16(v)
}

// rre is the RRE format: a 16-bit opcode, 8 unused bits, r1, r2.
func (a zarch) rre(op uint16, r1, r2 int) {
	a.u16(op)
	a.u8(0, byte(r1)<<4|byte(r2))
}

// lgr is r1 = r2; ltgr is that and a test of the value against 0; agr and
// sgr add and subtract r2 (setting the condition code as ltgr would); cgr
// and clgr compare, signed and unsigned.
func (a zarch) lgr(r1, r2 int) { a.rre(0xb904, r1, r2) }

func (a zarch) ltgr(r1, r2 int) { a.rre(0xb902, r1, r2) }

func (a zarch) agr(r1, r2 int) { a.rre(0xb908, r1, r2) }

func (a zarch) sgr(r1, r2 int) { a.rre(0xb909, r1, r2) }

func (a zarch) cgr(r1, r2 int) { a.rre(0xb920, r1, r2) }

func (a zarch) clgr(r1, r2 int) { a.rre(0xb921, r1, r2) }

// la is la r1, d(b2): r1 = b2 + d (12-bit unsigned d, no index).
func (a zarch) la(r1, b2 int, disp uint32) {
	fitsU(uint64(disp), 12, "s390x la displacement")
	a.u8(0x41, byte(r1)<<4)
	a.u16(uint16(b2)<<12 | uint16(disp))
}

// llgc is llgc r1, d(b2): a byte, zero-extended to 64 bits (RXY format,
// no index, the displacement's high byte 0).
func (a zarch) llgc(r1, b2 int, disp uint32) {
	fitsU(uint64(disp), 12, "s390x llgc displacement")
	a.u8(0xe3, byte(r1)<<4)
	a.u16(uint16(b2)<<12 | uint16(disp))
	a.u8(0x00, 0x90)
}

// larl is larl r1, addr: an address relative to the instruction, counted
// in halfwords.
func (a zarch) larl(r1 int, addr uint64) {
	off := int64(addr - a.pc())
	fits(off, 33, 1, "s390x larl offset")
	a.u8(0xc0, byte(r1)<<4|0x0)
	a.u32(uint32(off >> 1))
}

// svc0 is svc 0: the system call whose number is in r1.
func (a zarch) svc0() { a.u8(0x0a, 0x00) }

// brc is brc mask, label (j<cond>): a branch relative to the instruction,
// in halfwords, within 64 KiB.
func (a zarch) brc(mask byte, label string) {
	off := a.offset(label, a.pc())
	fits(off, 17, 1, "s390x brc offset")
	a.u8(0xa7, mask<<4|0x4)
	a.u16(uint16(off >> 1))
}
