package probe

// x86 encodes the few x86 instructions the amd64 and 386 probes use that
// take an operand (an immediate or a branch target); the programs write
// every other instruction's bytes as they are, with the instruction in a
// comment.
type x86 struct{ *asm }

// Register numbers as instructions encode them; r8 to r15 (amd64 only)
// take a REX prefix.
const (
	xAX = iota
	xCX
	xDX
	xBX
	xSP
	xBP
	xSI
	xDI
	xR8
	xR9
	xR10
	xR11
	xR12
)

// Condition codes of jcc, the low nibble of its opcode.
const (
	ccAE = 0x3 // above or equal (unsigned ≥): CF = 0
	ccE  = 0x4 // equal: ZF = 1
	ccNE = 0x5 // not equal: ZF = 0
	ccLE = 0xe // less or equal (signed ≤): ZF = 1 or SF ≠ OF
)

// op appends one instruction's bytes.
func (a x86) op(b ...byte) { a.u8(b...) }

// opImm32 appends an instruction's bytes and its 32-bit immediate.
func (a x86) opImm32(imm uint32, b ...byte) {
	a.u8(b...)
	a.u32(imm)
}

// movImm is mov r32, imm32 (B8+r; 41 B8+r for r8 to r15), which on amd64
// also clears the register's upper half.
func (a x86) movImm(r int, v uint32) {
	if r >= xR8 {
		a.u8(0x41)
	}
	a.opImm32(v, 0xb8+byte(r&7))
}

// jcc is the 6-byte jcc rel32 (0F 80+cc), whose reach covers any probe.
func (a x86) jcc(cc byte, label string) {
	a.u8(0x0f, 0x80+cc)
	a.rel32(label)
}

// jccShort is the 2-byte jcc rel8 (70+cc), for a loop's own branches.
func (a x86) jccShort(cc byte, label string) {
	a.u8(0x70 + cc)
	a.rel8(label)
}

// jmp is jmp rel32 (E9).
func (a x86) jmp(label string) {
	a.u8(0xe9)
	a.rel32(label)
}

// jmpShort is jmp rel8 (EB).
func (a x86) jmpShort(label string) {
	a.u8(0xeb)
	a.rel8(label)
}

// rel8 and rel32 append a branch displacement, which x86 counts from the
// end of the instruction, that is from the end of the displacement.
func (a x86) rel8(label string) {
	off := a.offset(label, a.pc()+1)
	fits(off, 8, 0, "x86 rel8 branch")
	a.u8(byte(off))
}

func (a x86) rel32(label string) {
	off := a.offset(label, a.pc()+4)
	fits(off, 32, 0, "x86 rel32 branch")
	a.u32(uint32(off))
}
