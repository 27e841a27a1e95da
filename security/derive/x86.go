package derive

import (
	"encoding/binary"
	"iter"

	"golang.org/x/arch/x86/x86asm"
)

// amd64 is linux/amd64: SYSCALL takes the number in RAX; Go passes
// ABIInternal arguments in RAX, RBX, RCX, ... and ABI0 arguments on the
// stack above the return address that CALL pushes.
var amd64 = &arch{
	goarch:          "amd64",
	regs:            16,
	trap:            reg(x86RAX),
	callPush:        -8,
	syscallClobbers: []int{x86RAX, 1 /* RCX */, 11 /* R11 */},
	decode:          decodeX86,
	scan:            scanX86,
	// The scan reports the displacement's target as if no immediate
	// followed; one of up to 4 bytes moves the instruction's end.
	staticKeys: func(addr uint64) iter.Seq[uint64] {
		return func(yield func(uint64) bool) {
			for d := uint64(0); d <= 4; d++ {
				if !yield(addr - d) {
					return
				}
			}
		}
	},
	rawSyscall: [][]byte{{0x0f, 0x05}, {0xcd, 0x80}},
	wordSize:   8,
	names:      sysnumAMD64,
}

const (
	x86RAX = 0
	x86RSP = 4
)

// x86Family is the 64-bit register that r is part of, and whether r is
// all of it as far as a write goes (32-bit writes clear the upper half;
// 8- and 16-bit writes keep it).
func x86Family(r x86asm.Reg) (n int, whole, ok bool) {
	switch {
	case r >= x86asm.RAX && r <= x86asm.R15:
		return int(r - x86asm.RAX), true, true
	case r >= x86asm.EAX && r <= x86asm.R15L:
		return int(r - x86asm.EAX), true, true
	case r >= x86asm.AX && r <= x86asm.R15W:
		return int(r - x86asm.AX), false, true
	case r >= x86asm.AL && r <= x86asm.BL:
		return int(r - x86asm.AL), false, true
	case r >= x86asm.AH && r <= x86asm.BH:
		return int(r - x86asm.AH), false, true
	case r >= x86asm.SPB && r <= x86asm.R15B:
		return int(r-x86asm.SPB) + 4, false, true
	}
	return 0, false, false
}

// x86Implicit are instructions that write registers not named as their
// first operand; they make RAX, RCX, RDX, RSI, RDI and R11 unknown.
var x86Implicit = map[x86asm.Op]bool{
	x86asm.MUL: true, x86asm.IMUL: true, x86asm.DIV: true, x86asm.IDIV: true, x86asm.CWD: true, x86asm.CDQ: true,
	x86asm.CQO: true, x86asm.CPUID: true, x86asm.RDTSC: true, x86asm.RDTSCP: true, x86asm.XCHG: true,
	x86asm.XADD: true, x86asm.CMPXCHG: true, x86asm.CMPXCHG8B: true, x86asm.CMPXCHG16B: true,
	x86asm.MOVSB: true, x86asm.MOVSW: true, x86asm.MOVSD: true, x86asm.MOVSQ: true, x86asm.STOSB: true,
	x86asm.STOSW: true, x86asm.STOSD: true, x86asm.STOSQ: true, x86asm.LODSB: true, x86asm.LODSW: true,
	x86asm.LODSD: true, x86asm.LODSQ: true, x86asm.SCASB: true, x86asm.SCASW: true, x86asm.SCASD: true,
	x86asm.SCASQ: true, x86asm.CMPSB: true, x86asm.CMPSW: true, x86asm.CMPSD: true, x86asm.CMPSQ: true,
	x86asm.XGETBV: true, x86asm.RDRAND: true, x86asm.LOOP: true, x86asm.LOOPE: true,
	x86asm.LOOPNE: true, x86asm.CBW: true, x86asm.CWDE: true, x86asm.CDQE: true, x86asm.LAHF: true,
	x86asm.MULX: true, x86asm.PCMPISTRI: true, x86asm.PCMPESTRI: true,
	x86asm.VPCMPISTRI: true, x86asm.VPCMPESTRI: true, x86asm.ENTER: true, x86asm.LEAVE: true,
}

// x86NoWrite are instructions that do not write their first operand.
var x86NoWrite = map[x86asm.Op]bool{
	x86asm.CMP: true, x86asm.TEST: true, x86asm.BT: true, x86asm.NOP: true, x86asm.PREFETCHT0: true,
	x86asm.PREFETCHT1: true, x86asm.PREFETCHT2: true, x86asm.PREFETCHNTA: true, x86asm.PREFETCHW: true,
	x86asm.UCOMISS: true, x86asm.UCOMISD: true, x86asm.COMISS: true, x86asm.COMISD: true, x86asm.PTEST: true,
	x86asm.VPTEST: true, x86asm.MFENCE: true, x86asm.LFENCE: true, x86asm.SFENCE: true, x86asm.PAUSE: true,
	x86asm.INT: true, x86asm.CLFLUSH: true, x86asm.KORTESTQ: true, x86asm.KORTESTD: true, x86asm.KTESTQ: true,
}

func decodeX86(t *text, pc uint64) (inst, bool) {
	in, ok := decodeX86Inst(t, pc)
	if ok {
		x86Static(&in)
	}
	return in, ok
}

// x86Static makes the RIP-relative variable addresses of in absolute:
// the decoder leaves them relative to the end of the instruction.
func x86Static(in *inst) {
	end := in.pc + in.size
	for i := range in.writes {
		if w := &in.writes[i]; w.src.kind == opGlobal {
			w.src.c = uint64(int64(end) + int64(w.src.c))
		}
	}
	for i := range in.stores {
		st := &in.stores[i]
		st.addr = uint64(int64(end) + int64(st.addr))
		if st.src.kind == opGlobal {
			st.src.c = uint64(int64(end) + int64(st.src.c))
		}
	}
}

func decodeX86Inst(t *text, pc uint64) (inst, bool) {
	d, err := x86asm.Decode(t.at(pc), 64)
	if err != nil || d.Len == 0 {
		return inst{}, false
	}
	in := inst{pc: pc, size: uint64(d.Len)}
	end := pc + uint64(d.Len)
	rel := func() (uint64, bool) {
		if r, ok := d.Args[0].(x86asm.Rel); ok {
			return uint64(int64(end) + int64(r)), true
		}
		return 0, false
	}
	unknownArg0 := func() {
		switch a := d.Args[0].(type) {
		case x86asm.Reg:
			if n, _, ok := x86Family(a); ok {
				if n == x86RSP {
					in.spLost = true
				} else {
					in.writes = append(in.writes, write{dst: reg(n), src: fromUnknown})
				}
			}
		case x86asm.Mem:
			in.storeTo(a, fromUnknown, d.MemBytes)
		}
	}
	switch d.Op {
	case x86asm.SYSCALL:
		in.flow = syscallInst
		return in, true
	case x86asm.INT:
		if imm, ok := d.Args[0].(x86asm.Imm); ok && imm == 0x80 {
			in.flow = syscallInst // the 32-bit entry: a call of the i386 table
			return in, true
		}
	case x86asm.CALL:
		if t, ok := rel(); ok {
			in.flow, in.target = call, t
		} else {
			in.flow = indirectCall
		}
		return in, true
	case x86asm.JMP:
		if t, ok := rel(); ok {
			in.flow, in.target = jump, t
		} else {
			in.flow = indirectJump
		}
		return in, true
	case x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JCXZ, x86asm.JE, x86asm.JECXZ, x86asm.JG, x86asm.JGE,
		x86asm.JL, x86asm.JLE, x86asm.JNE, x86asm.JNO, x86asm.JNP, x86asm.JNS, x86asm.JO, x86asm.JP, x86asm.JRCXZ, x86asm.JS:
		if t, ok := rel(); ok {
			in.flow, in.target = branch, t
		} else {
			in.flow = indirectJump
		}
		return in, true
	case x86asm.RET, x86asm.LRET, x86asm.IRET, x86asm.IRETD, x86asm.IRETQ:
		in.flow = ret
		return in, true
	case x86asm.UD2, x86asm.UD1, x86asm.UD0, x86asm.HLT:
		in.flow = stop
		return in, true
	case x86asm.PUSH:
		src := x86Operand(d.Args[0], d.MemBytes)
		in.writes = append(in.writes, write{dst: loc{stack: true, n: -8}, src: src})
		in.spDelta = -8
		return in, true
	case x86asm.POP:
		if r, ok := d.Args[0].(x86asm.Reg); ok {
			if n, _, ok := x86Family(r); ok && n != x86RSP {
				in.writes = append(in.writes, write{dst: reg(n), src: fromLoc(loc{stack: true, n: 0})})
				in.spDelta = 8
				return in, true
			}
		}
		in.spLost = true
		return in, true
	case x86asm.MOV:
		src := x86Operand(d.Args[1], d.MemBytes)
		switch dst := d.Args[0].(type) {
		case x86asm.Reg:
			n, whole, ok := x86Family(dst)
			switch {
			case !ok:
			case n == x86RSP:
				in.spLost = true
			case !whole:
				in.writes = append(in.writes, write{dst: reg(n), src: fromUnknown})
			default:
				if d.DataSize == 32 {
					src = masked(src, 0xffffffff)
				}
				in.writes = append(in.writes, write{dst: reg(n), src: src})
			}
		case x86asm.Mem:
			if d.MemBytes != 8 {
				src = fromUnknown
			}
			in.storeTo(dst, src, d.MemBytes)
		}
		return in, true
	case x86asm.XOR, x86asm.SUB:
		if a, ok := d.Args[0].(x86asm.Reg); ok && d.Args[1] == d.Args[0] {
			if n, whole, ok := x86Family(a); ok && whole && n != x86RSP {
				in.writes = append(in.writes, write{dst: reg(n), src: fromConst(0)})
				return in, true
			}
		}
	case x86asm.LEA:
		if m, ok := d.Args[1].(x86asm.Mem); ok && m.Base == x86asm.RSP {
			in.addrOf = &m.Disp
		}
		if m, ok := d.Args[1].(x86asm.Mem); ok && m.Base == x86asm.RIP {
			in.ref = uint64(int64(end) + m.Disp)
		}
	}
	if d.Op == x86asm.ADD || d.Op == x86asm.SUB {
		if r, ok := d.Args[0].(x86asm.Reg); ok && r == x86asm.RSP {
			if imm, ok := d.Args[1].(x86asm.Imm); ok {
				if d.Op == x86asm.SUB {
					imm = -imm
				}
				in.spDelta = int64(imm)
				return in, true
			}
			in.spLost = true
			return in, true
		}
	}
	if x86Implicit[d.Op] {
		for _, r := range []int{0, 1, 2, 6, 7, 11} {
			in.writes = append(in.writes, write{dst: reg(r), src: fromUnknown})
		}
		if d.Op == x86asm.ENTER || d.Op == x86asm.LEAVE {
			in.spLost = true
		}
		if d.Op == x86asm.XCHG || d.Op == x86asm.XADD || d.Op == x86asm.CMPXCHG {
			for _, a := range d.Args[:2] {
				if r, ok := a.(x86asm.Reg); ok {
					if n, _, ok := x86Family(r); ok {
						in.writes = append(in.writes, write{dst: reg(n), src: fromUnknown})
					}
				}
			}
		}
	}
	if !x86NoWrite[d.Op] {
		unknownArg0()
	}
	return in, true
}

// storeTo records a store of src to memory m: a stack slot when m is
// RSP-based, else a store through a pointer, which may hit the frame.
func (in *inst) storeTo(m x86asm.Mem, src operand, size int) {
	switch {
	case m.Base == x86asm.RIP && m.Index == 0:
		// a variable: its address is resolved by the caller (x86Static)
		if size != 8 {
			src = fromUnknown
		}
		in.stores = append(in.stores, store{addr: uint64(m.Disp), src: src})
	case (m.Base == 0 && m.Index == 0) || m.Segment == x86asm.FS || m.Segment == x86asm.GS:
		// an absolute or thread-local variable: not the stack
	case m.Base == x86asm.RSP && m.Index == 0:
		for o := m.Disp - 7; o < m.Disp+int64(max(size, 1)); o++ {
			if o != m.Disp {
				in.writes = append(in.writes, write{dst: loc{stack: true, n: o}, src: fromUnknown})
			}
		}
		in.writes = append(in.writes, write{dst: loc{stack: true, n: m.Disp}, src: src})
	default:
		in.clobberStack = true
	}
}

// x86Operand is what reading a (of size bytes, for memory) gives.
func x86Operand(a x86asm.Arg, size int) operand {
	switch a := a.(type) {
	case x86asm.Imm:
		return fromConst(uint64(a))
	case x86asm.Reg:
		if n, whole, ok := x86Family(a); ok && n != x86RSP {
			if !whole {
				return fromUnknown
			}
			if a >= x86asm.EAX && a <= x86asm.R15L {
				return masked(fromLoc(reg(n)), 0xffffffff)
			}
			return fromLoc(reg(n))
		}
	case x86asm.Mem:
		if a.Base == x86asm.RIP && a.Index == 0 && size == 8 {
			return fromGlobal(uint64(a.Disp)) // made absolute by x86Static
		}
		if a.Base == x86asm.RSP && a.Index == 0 && a.Segment == 0 {
			o := fromLoc(loc{stack: true, n: a.Disp})
			switch size {
			case 8:
				return o
			case 4:
				return masked(o, 0xffffffff)
			}
		}
	}
	return fromUnknown
}

func masked(o operand, m uint64) operand {
	switch o.kind {
	case opConst:
		o.c &= m
	case opLoc:
		o.mask = m
	}
	return o
}

// scanX86 looks for SYSCALL and INT 0x80, CALL, JMP and Jcc with 32-bit
// and JMP with 8-bit displacements, LEA of RIP-relative addresses, and
// RIP-relative operands (the ModRM byte of mod 0, r/m 5) at every byte.
func scanX86(b []byte, entry uint64, statics bool, report func(scanned, uint64)) {
	rel32 := func(i int) int64 { return int64(int32(binary.LittleEndian.Uint32(b[i:]))) }
	for i := 0; i < len(b); i++ {
		pc := int64(entry) + int64(i)
		if statics {
			if i+5 <= len(b) && b[i]&0xc7 == 0x05 {
				report(scanStatic, uint64(pc+5+rel32(i+1)))
			}
			continue
		}
		if i+1 < len(b) && ((b[i] == 0x0f && b[i+1] == 0x05) || (b[i] == 0xcd && b[i+1] == 0x80)) {
			report(scanSite, 0)
		}
		if i+5 <= len(b) && (b[i] == 0xe8 || b[i] == 0xe9) {
			report(scanCall, uint64(pc+5+rel32(i+1)))
		}
		if i+2 <= len(b) && b[i] == 0xeb {
			report(scanCall, uint64(pc+2+int64(int8(b[i+1]))))
		}
		if i+6 <= len(b) && b[i] == 0x0f && b[i+1]&0xf0 == 0x80 {
			report(scanCall, uint64(pc+6+rel32(i+2)))
		}
		if i+5 <= len(b) && b[i]&0xc7 == 0x05 {
			// RIP-relative: the displacement counts from the end of the
			// instruction, 0 to 4 bytes of immediate after it.
			t := pc + 5 + rel32(i+1)
			if i > 0 && b[i-1] == 0x8d {
				report(scanRef, uint64(t))
			}
		}
	}
}
