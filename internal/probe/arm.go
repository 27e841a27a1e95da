package probe

import (
	"debug/elf"
	"encoding/binary"
	"math/bits"
)

// archARM is 32-bit ARM, EABI, in ARM (A32) state with ARMv5 instructions
// only (no movw/movt, which ARMv6 lacks), so one probe runs on v5 to v8.
var archARM = arch{
	machine:  elf.EM_ARM,
	class:    elf.ELFCLASS32,
	order:    binary.LittleEndian,
	flags:    0x05000000, // EF_ARM_EABI_VER5: system calls by number in r7, not in the svc
	variants: []string{"", "v5", "v6", "v7", "v8"},
	program:  armProgram,
}

// System call numbers (arch/arm/tools/syscall.tbl, EABI).
var armSys = sysnums{read: 3, rtSigaction: 174, rtSigprocmask: 175, setitimer: 104, socket: 281, connect: 283, sendto: 290, exitGroup: 248}

// armProgram: svc #0 takes the number in r7 and the arguments in r0 to
// r5, returns in r0 (-errno on failure) and keeps every other register.
// State lives in r8 (the socket), r9, r10 and r11.
func armProgram(asm *asm, d *rodata) {
	a, s := a32{asm}, armSys

	a.label("fail")                  // the SIGALRM handler, and where every failure branches
	a.movImm(0, 1)                   // mov r0, #1: exit status
	a.label("exit")                  //
	a.movImm(7, s.exitGroup)         // mov r7, #SYS_exit_group
	a.svc()                          // svc #0
	a.label("entry")                 //
	a.movImm(7, s.rtSigaction)       // mov r7, #SYS_rt_sigaction
	a.movImm(0, sigalrm)             // mov r0, #SIGALRM
	a.movImm(1, uint32(d.sigaction)) // mov r1, #sigaction
	a.movImm(2, 0)                   // mov r2, #0: no old action
	a.movImm(3, sigsetSize)          // mov r3, #8: sizeof(sigset_t)
	a.svc()                          // svc #0
	a.cmpImm(0, 0)                   // cmp r0, #0
	a.b(condNE, "fail")              // bne fail
	a.movImm(7, s.rtSigprocmask)     // mov r7, #SYS_rt_sigprocmask
	a.movImm(0, sigUnblock)          // mov r0, #SIG_UNBLOCK
	a.movImm(1, uint32(d.sigset))    // mov r1, #sigset: {SIGALRM}
	a.movImm(2, 0)                   // mov r2, #0: no old set
	a.movImm(3, sigsetSize)          // mov r3, #8: sizeof(sigset_t)
	a.svc()                          // svc #0
	a.cmpImm(0, 0)                   // cmp r0, #0
	a.b(condNE, "fail")              // bne fail
	a.movImm(7, s.setitimer)         // mov r7, #SYS_setitimer
	a.movImm(0, itimerReal)          // mov r0, #ITIMER_REAL
	a.movImm(1, uint32(d.itimer))    // mov r1, #itimer
	a.movImm(2, 0)                   // mov r2, #0: no old value
	a.svc()                          // svc #0
	a.cmpImm(0, 0)                   // cmp r0, #0
	a.b(condNE, "fail")              // bne fail: no timer, no probe
	a.movImm(7, s.socket)            // mov r7, #SYS_socket
	a.movImm(0, d.family)            // mov r0, #AF_INET or AF_INET6
	a.movImm(1, sockStream)          // mov r1, #SOCK_STREAM
	a.movImm(2, 0)                   // mov r2, #0: protocol
	a.svc()                          // svc #0
	a.mov(8, 0)                      // mov r8, r0: the socket (an error makes connect fail)
	a.movImm(7, s.connect)           // mov r7, #SYS_connect
	a.mov(0, 8)                      // mov r0, r8
	a.movImm(1, uint32(d.sockaddr))  // mov r1, #sockaddr
	a.movImm(2, d.sockaddrLen)       // mov r2, #sizeof(sockaddr)
	a.svc()                          // svc #0
	a.cmpImm(0, 0)                   // cmp r0, #0
	a.b(condNE, "fail")              // bne fail: refused, unreachable
	if d.http() {
		armHTTP(a, d)
	}
	a.label("ok")       //
	a.movImm(0, 0)      // mov r0, #0: exit status
	a.b(condAL, "exit") // b exit
}

// armHTTP sends the request and checks the status line; it falls through
// to "ok" when the status is 2xx or 3xx.
func armHTTP(a a32, d *rodata) {
	s := armSys
	a.movImm(9, uint32(d.request))  // mov r9, #request: the next byte to send
	a.movImm(10, d.requestLen)      // mov r10, #len: bytes left
	a.label("send")                 //
	a.movImm(7, s.sendto)           // mov r7, #SYS_sendto
	a.mov(0, 8)                     // mov r0, r8: the socket
	a.mov(1, 9)                     // mov r1, r9
	a.mov(2, 10)                    // mov r2, r10
	a.movImm(3, msgNoSignal)        // mov r3, #MSG_NOSIGNAL
	a.movImm(4, 0)                  // mov r4, #0: no address
	a.movImm(5, 0)                  // mov r5, #0: of no length
	a.svc()                         // svc #0
	a.cmpImm(0, 0)                  // cmp r0, #0
	a.b(condLE, "fail")             // ble fail: an error (or nothing sent)
	a.add(9, 9, 0)                  // add r9, r9, r0
	a.subs(10, 10, 0)               // subs r10, r10, r0
	a.b(condNE, "send")             // bne send: until all is sent
	a.subImm(a32SP, a32SP, 16)      // sub sp, sp, #16: the status line's 13 bytes and a spare
	a.mov(9, a32SP)                 // mov r9, sp: where the next byte goes
	a.addImm(10, a32SP, 13)         // add r10, sp, #13: the spare, for every byte past the 13th
	a.label("recv")                 //
	a.movImm(7, s.read)             // mov r7, #SYS_read
	a.mov(0, 8)                     // mov r0, r8: the socket
	a.mov(1, 9)                     // mov r1, r9
	a.movImm(2, 1)                  // mov r2, #1: a byte at a time, so as not to read past '\n'
	a.svc()                         // svc #0
	a.cmpImm(0, 1)                  // cmp r0, #1
	a.b(condNE, "fail")             // bne fail: EOF or an error before the line ended
	a.ldrb(0, 9, 0)                 // ldrb r0, [r9]
	a.cmpImm(0, '\n')               // cmp r0, #'\n'
	a.b(condEQ, "check")            // beq check: the status line is complete
	a.cmp(9, 10)                    // cmp r9, r10
	a.b(condEQ, "recv")             // beq recv: at the spare, stay there
	a.addImm(9, 9, 1)               // add r9, r9, #1
	a.b(condAL, "recv")             // b recv
	a.label("check")                // compare the line with the pattern (see rodata)
	a.mov(9, a32SP)                 // mov r9, sp: the line's first byte
	a.movImm(10, uint32(d.pattern)) // mov r10, #pattern: its lo bytes; the spans follow
	a.addImm(11, 10, patternLen)    // add r11, r10, #12: the end of the lo bytes
	a.label("compare")              //
	a.ldrbPost(0, 9, 1)             // ldrb r0, [r9], #1: a byte of the line
	a.ldrb(1, 10, patternLen)       // ldrb r1, [r10, #12]: span
	a.ldrbPost(2, 10, 1)            // ldrb r2, [r10], #1: lo
	a.sub(0, 0, 2)                  // sub r0, r0, r2: minus lo
	a.cmp(0, 1)                     // cmp r0, r1: against span
	a.b(condHS, "fail")             // bhs fail: out of range (unsigned)
	a.cmp(10, 11)                   // cmp r10, r11
	a.b(condNE, "compare")          // bne compare
	a.ldrb(0, 9, 0)                 // ldrb r0, [r9]: the byte after the status code
	a.cmpImm(0, ' ')                // cmp r0, #' '
	a.b(condEQ, "ok")               // beq ok
	a.cmpImm(0, '\r')               // cmp r0, #'\r': "HTTP/1.1 200\r\n", no reason phrase
	a.b(condNE, "fail")             // bne fail: a fourth digit, or garbage
}

// a32 encodes the A32 instructions the arm probe uses, all unconditional
// but the branches; registers are numbers (r0 to r15; r13 is sp).
type a32 struct{ *asm }

const a32SP = 13

// condAL (always) is the condition of an unconditional branch; the others
// are condEQ, condNE, condHS and condLE, whose numbers A64 shares.
const condAL = 0xe

// rotImm encodes v as an A32 modified immediate (an 8-bit value rotated
// right by an even amount), if it is one.
func rotImm(v uint32) (uint32, bool) {
	for rot := uint32(0); rot < 16; rot++ {
		if x := bits.RotateLeft32(v, int(2*rot)); x <= 0xff {
			return rot<<8 | x, true
		}
	}
	return 0, false
}

// movImm loads any 32-bit constant: mov rd, #imm, then orr rd, rd, #imm for
// each further 8-bit piece (at most four instructions; an address takes
// two or three).
func (a a32) movImm(rd int, v uint32) {
	if enc, ok := rotImm(v); ok {
		a.u32(0xe3a00000 | uint32(rd)<<12 | enc) // mov rd, #v
		return
	}
	first := true
	for v != 0 {
		lo := uint32(bits.TrailingZeros32(v)) &^ 1 // an even rotation
		piece := v & (0xff << lo)
		v &^= piece
		enc, _ := rotImm(piece)
		if first {
			a.u32(0xe3a00000 | uint32(rd)<<12 | enc) // mov rd, #piece
		} else {
			a.u32(0xe3800000 | uint32(rd)<<16 | uint32(rd)<<12 | enc) // orr rd, rd, #piece
		}
		first = false
	}
}

// addImm and subImm are add/sub rd, rn, #imm; cmpImm is cmp rn, #imm.
func (a a32) addImm(rd, rn int, imm uint32) { a.dataImm(0xe2800000, rd, rn, imm) }

func (a a32) subImm(rd, rn int, imm uint32) { a.dataImm(0xe2400000, rd, rn, imm) }

func (a a32) cmpImm(rn int, imm uint32) { a.dataImm(0xe3500000, 0, rn, imm) }

func (a a32) dataImm(op uint32, rd, rn int, imm uint32) {
	enc, ok := rotImm(imm)
	if !ok {
		panic("probe: arm immediate is not a rotated 8-bit value")
	}
	a.u32(op | uint32(rn)<<16 | uint32(rd)<<12 | enc)
}

// mov, add, sub, subs and cmp are their register forms.
func (a a32) mov(rd, rm int) { a.u32(0xe1a00000 | uint32(rd)<<12 | uint32(rm)) }

func (a a32) add(rd, rn, rm int) { a.u32(0xe0800000 | uint32(rn)<<16 | uint32(rd)<<12 | uint32(rm)) }

func (a a32) sub(rd, rn, rm int) { a.u32(0xe0400000 | uint32(rn)<<16 | uint32(rd)<<12 | uint32(rm)) }

func (a a32) subs(rd, rn, rm int) { a.u32(0xe0500000 | uint32(rn)<<16 | uint32(rd)<<12 | uint32(rm)) }

func (a a32) cmp(rn, rm int) { a.u32(0xe1500000 | uint32(rn)<<16 | uint32(rm)) }

// ldrb is ldrb rt, [rn, #imm12]; ldrbPost is ldrb rt, [rn], #imm12, which
// then adds imm to rn.
func (a a32) ldrb(rt, rn int, imm uint32) {
	fitsU(uint64(imm), 12, "arm ldrb offset")
	a.u32(0xe5d00000 | uint32(rn)<<16 | uint32(rt)<<12 | imm)
}

func (a a32) ldrbPost(rt, rn int, imm uint32) {
	fitsU(uint64(imm), 12, "arm ldrb post-index")
	a.u32(0xe4d00000 | uint32(rn)<<16 | uint32(rt)<<12 | imm)
}

// svc is svc #0, the system call.
func (a a32) svc() { a.u32(0xef000000) }

// b is b<cond> label; A32 counts the offset from the instruction's address
// plus 8.
func (a a32) b(cond uint32, label string) {
	off := a.offset(label, a.pc()+8)
	fits(off, 26, 2, "arm branch offset")
	a.u32(cond<<28 | 0x0a000000 | uint32(off>>2)&0xffffff)
}
