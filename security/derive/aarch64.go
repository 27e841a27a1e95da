package derive

import (
	"encoding/binary"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/arch/arm64/arm64asm"
)

// arm64 is linux/arm64: SVC takes the number in X8; Go passes ABIInternal
// arguments in X0-X15 and ABI0 arguments on the stack from 8(RSP) (BL
// keeps the stack pointer and saves the return address in X30).
var arm64 = &arch{
	goarch:          "arm64",
	regs:            31,
	trap:            reg(8),
	syscallClobbers: []int{0},
	decode:          decodeARM64,
	scan:            scanARM64,
	staticKeys:      func(addr uint64) iter.Seq[uint64] { return slices.Values([]uint64{addr &^ 0xfff}) },
	fixed:           4,
	wordSize:        8,
	names:           sysnumARM64,
}

// a64Reg is the number of general register r (X or W), and whether it is
// the zero register; ok is false for other registers.
func a64Reg(r arm64asm.Reg) (n int, zero, ok bool) {
	switch {
	case r >= arm64asm.X0 && r < arm64asm.XZR:
		return int(r - arm64asm.X0), false, true
	case r >= arm64asm.W0 && r < arm64asm.WZR:
		return int(r - arm64asm.W0), false, true
	case r == arm64asm.XZR || r == arm64asm.WZR:
		return 0, true, true
	}
	return 0, false, false
}

// a64Operand is the register an operand names (a Reg, or a RegSP that is
// not the stack pointer); sp reports the stack pointer.
func a64Operand(a arm64asm.Arg) (r arm64asm.Reg, sp, ok bool) {
	switch a := a.(type) {
	case arm64asm.Reg:
		return a, false, true
	case arm64asm.RegSP:
		if arm64asm.Reg(a) == arm64asm.SP {
			return 0, true, false
		}
		return arm64asm.Reg(a), false, true
	}
	return 0, false, false
}

func a64Is32(r arm64asm.Reg) bool { return r >= arm64asm.W0 && r <= arm64asm.WZR }

// a64Mem parses a memory operand's offset and addressing mode from its
// text ("[SP,#-16]!", "[SP],#16", "[X1,#8]"): the package keeps the
// offset unexported.
func a64Mem(m arm64asm.MemImmediate) (off int64, ok bool) {
	s := m.String()
	i := strings.IndexByte(s, '#')
	if i < 0 {
		return 0, m.Mode == arm64asm.AddrOffset
	}
	v, err := strconv.ParseInt(strings.TrimRight(s[i+1:], "]!"), 0, 64)
	return v, err == nil
}

// a64Imm parses an ADD/SUB immediate ("#0x10", "#0x1, LSL #12").
func a64Imm(is arm64asm.ImmShift) (uint64, bool) {
	s := strings.TrimPrefix(is.String(), "#")
	num, shift, _ := strings.Cut(s, ", LSL #")
	v, err := strconv.ParseUint(num, 0, 64)
	if err != nil {
		return 0, false
	}
	if shift != "" {
		n, err := strconv.Atoi(shift)
		if err != nil || strings.Contains(s, "MSL") {
			return 0, false
		}
		v <<= n
	}
	return v, true
}

func isSP(a arm64asm.Arg) bool {
	r, ok := a.(arm64asm.RegSP)
	return ok && arm64asm.Reg(r) == arm64asm.SP
}

// decodeMu serializes golang.org/x/arch's arm64asm and armasm decoders:
// both record coverage in a package variable at every call, so two
// analyses (or goroutines) decoding at once race.
var decodeMu sync.Mutex

func decodeA64(b []byte) (arm64asm.Inst, error) {
	decodeMu.Lock()
	defer decodeMu.Unlock()
	return arm64asm.Decode(b)
}

func decodeARM64(t *text, pc uint64) (inst, bool) {
	w, ok := t.word32(pc)
	if !ok {
		return inst{}, false
	}
	var b [4]byte
	b[0], b[1], b[2], b[3] = byte(w), byte(w>>8), byte(w>>16), byte(w>>24)
	d, err := decodeA64(b[:])
	if err != nil {
		return inst{}, false
	}
	in := inst{pc: pc, size: 4}
	op := d.Op.String()
	dst := func(a arm64asm.Arg, src operand) {
		r, sp, ok := a64Operand(a)
		if sp {
			in.spLost = true
		}
		if !ok {
			return
		}
		n, zero, ok := a64Reg(r)
		if !ok || zero {
			return
		}
		if a64Is32(r) {
			src = masked(src, 0xffffffff)
		}
		in.writes = append(in.writes, write{dst: reg(n), src: src})
	}
	srcReg := func(a arm64asm.Arg) operand {
		r, _, ok := a64Operand(a)
		if !ok {
			return fromUnknown
		}
		n, zero, ok := a64Reg(r)
		switch {
		case !ok:
			return fromUnknown
		case zero:
			return fromConst(0)
		case a64Is32(r):
			return masked(fromLoc(reg(n)), 0xffffffff)
		}
		return fromLoc(reg(n))
	}
	target := func(a arm64asm.Arg) (uint64, bool) {
		if r, ok := a.(arm64asm.PCRel); ok {
			return uint64(int64(pc) + int64(r)), true
		}
		return 0, false
	}
	switch d.Op {
	case arm64asm.SVC:
		in.flow = syscallInst
		return in, true
	case arm64asm.BRK, arm64asm.HLT:
		in.flow = stop
		return in, true
	case arm64asm.RET, arm64asm.ERET:
		in.flow = ret
		return in, true
	case arm64asm.BL:
		if tg, ok := target(d.Args[0]); ok {
			in.flow, in.target = call, tg
			return in, true
		}
	case arm64asm.BLR:
		in.flow = indirectCall
		return in, true
	case arm64asm.BR:
		in.flow = indirectJump
		return in, true
	case arm64asm.B:
		if _, isCond := d.Args[0].(arm64asm.Cond); isCond {
			if tg, ok := target(d.Args[1]); ok {
				in.flow, in.target = branch, tg
				return in, true
			}
		} else if tg, ok := target(d.Args[0]); ok {
			in.flow, in.target = jump, tg
			return in, true
		}
	case arm64asm.CBZ, arm64asm.CBNZ:
		if tg, ok := target(d.Args[1]); ok {
			in.flow, in.target = branch, tg
			return in, true
		}
	case arm64asm.TBZ, arm64asm.TBNZ:
		if tg, ok := target(d.Args[2]); ok {
			in.flow, in.target = branch, tg
			return in, true
		}
	case arm64asm.MOV:
		switch s := d.Args[1].(type) {
		case arm64asm.Imm64:
			dst(d.Args[0], fromConst(s.Imm))
		case arm64asm.Imm:
			dst(d.Args[0], fromConst(uint64(s.Imm)))
		default:
			if isSP(d.Args[0]) {
				// The prologue of a large frame: SUB Xn, SP, #size; STP
				// X29, X30, [Xn,#-8]; MOV SP, Xn.
				if delta, ok := a64FrameFrom(t, pc, d.Args[1]); ok {
					in.spDelta = delta
				} else {
					in.spLost = true
				}
				return in, true
			}
			dst(d.Args[0], srcReg(d.Args[1]))
		}
		return in, true
	case arm64asm.MOVZ, arm64asm.MOVN:
		if is, ok := d.Args[1].(arm64asm.ImmShift); ok {
			if v, ok := a64Imm(is); ok {
				if d.Op == arm64asm.MOVN {
					v = ^v
				}
				dst(d.Args[0], fromConst(v))
				return in, true
			}
		}
	case arm64asm.ORR:
		if r, ok := d.Args[1].(arm64asm.Reg); ok && (r == arm64asm.XZR || r == arm64asm.WZR) {
			if imm, ok := d.Args[2].(arm64asm.Imm64); ok {
				dst(d.Args[0], fromConst(imm.Imm))
				return in, true
			}
		}
	case arm64asm.ADRP:
		if rel, ok := d.Args[1].(arm64asm.PCRel); ok {
			dst(d.Args[0], fromConst(uint64(int64(pc&^0xfff)+int64(rel))))
			return in, true
		}
	case arm64asm.ADD, arm64asm.SUB:
		if is, ok := d.Args[2].(arm64asm.ImmShift); ok && !isSP(d.Args[1]) && !isSP(d.Args[0]) {
			// address arithmetic: ADRP Xn, page; ADD Xd, Xn, #offset
			if r, ok := d.Args[1].(arm64asm.RegSP); ok {
				if n, _, ok := a64Reg(arm64asm.Reg(r)); ok && !a64Is32(arm64asm.Reg(r)) {
					if v, ok := a64Imm(is); ok {
						c := int64(v)
						if d.Op == arm64asm.SUB {
							c = -c
						}
						dst(d.Args[0], fromAdd(n, c))
						return in, true
					}
				}
			}
		}
		if is, ok := d.Args[2].(arm64asm.ImmShift); ok && isSP(d.Args[1]) {
			v, ok := a64Imm(is)
			if !ok {
				break
			}
			delta := int64(v)
			if d.Op == arm64asm.SUB {
				delta = -delta
			}
			if isSP(d.Args[0]) {
				in.spDelta = delta
				return in, true
			}
			in.addrOf = &delta
			dst(d.Args[0], fromUnknown)
			return in, true
		}
	case arm64asm.LDR, arm64asm.LDUR, arm64asm.LDP, arm64asm.STR, arm64asm.STUR, arm64asm.STP:
		return a64LoadStore(t, &in, d, dst, srcReg), true
	case arm64asm.CMP, arm64asm.CMN, arm64asm.TST, arm64asm.FCMP, arm64asm.FCMPE, arm64asm.NOP, arm64asm.DMB,
		arm64asm.DSB, arm64asm.ISB, arm64asm.PRFM, arm64asm.YIELD, arm64asm.HINT, arm64asm.CLREX, arm64asm.MSR:
		return in, true
	}
	// Anything else: what it writes is unknown. Stores (STR* with other
	// sizes, STLR, STXR, ...) may write the frame through a pointer.
	if strings.HasPrefix(op, "ST") {
		if strings.HasPrefix(op, "STX") || strings.HasPrefix(op, "STLX") {
			dst(d.Args[0], fromUnknown) // the status register
		}
		in.clobberStack = true
		a64Writeback(&in, d)
		return in, true
	}
	dst(d.Args[0], fromUnknown)
	if strings.HasPrefix(op, "LD") && strings.HasSuffix(op, "P") || strings.HasPrefix(op, "SWP") || strings.HasPrefix(op, "CAS") ||
		strings.HasPrefix(op, "LDADD") || strings.HasPrefix(op, "LDCLR") || strings.HasPrefix(op, "LDEOR") || strings.HasPrefix(op, "LDSET") ||
		strings.HasPrefix(op, "LDSM") || strings.HasPrefix(op, "LDUM") {
		dst(d.Args[1], fromUnknown)
	}
	a64Writeback(&in, d)
	return in, true
}

// a64Writeback handles the base register update of pre- and post-indexed
// addressing in an instruction not otherwise modelled.
func a64Writeback(in *inst, d arm64asm.Inst) {
	for _, a := range d.Args {
		m, ok := a.(arm64asm.MemImmediate)
		if !ok || (m.Mode != arm64asm.AddrPreIndex && m.Mode != arm64asm.AddrPostIndex && m.Mode != arm64asm.AddrPostReg) {
			continue
		}
		if arm64asm.Reg(m.Base) == arm64asm.SP {
			in.spLost = true
		} else if n, _, ok := a64Reg(arm64asm.Reg(m.Base)); ok {
			in.writes = append(in.writes, write{dst: reg(n), src: fromUnknown})
		}
	}
}

// a64LoadStore models LDR, LDUR, LDP, STR, STUR and STP.
func a64LoadStore(t *text, in *inst, d arm64asm.Inst, dst func(arm64asm.Arg, operand), srcReg func(arm64asm.Arg) operand) inst {
	load := d.Op == arm64asm.LDR || d.Op == arm64asm.LDUR || d.Op == arm64asm.LDP
	pair := d.Op == arm64asm.LDP || d.Op == arm64asm.STP
	regs := d.Args[:1]
	memArg := d.Args[1]
	if pair {
		regs, memArg = d.Args[:2], d.Args[2]
	}
	size := int64(8)
	gpr := true
	for _, a := range regs {
		r, ok := a.(arm64asm.Reg)
		if !ok {
			gpr = false
			size = 16
			continue
		}
		if _, _, ok := a64Reg(r); !ok {
			gpr, size = false, 16 // a vector register
		} else if a64Is32(r) {
			size = 4
		}
	}
	// A literal load: the word at the PC-relative address is data.
	if rel, ok := memArg.(arm64asm.PCRel); ok && load && !pair {
		addr := uint64(int64(in.pc) + int64(rel))
		in.literal = addr
		var v uint64
		lo, ok1 := t.word32(addr)
		hi, ok2 := t.word32(addr + 4)
		switch {
		case !gpr || !ok1:
			dst(regs[0], fromUnknown)
			return *in
		case size == 8 && ok2:
			v = uint64(lo) | uint64(hi)<<32
		default:
			v = uint64(lo)
		}
		dst(regs[0], fromConst(v))
		return *in
	}
	m, ok := memArg.(arm64asm.MemImmediate)
	if !ok {
		for _, a := range regs {
			if load {
				dst(a, fromUnknown)
			}
		}
		if !load {
			in.clobberStack = true
		}
		return *in
	}
	off, okOff := a64Mem(m)
	base := arm64asm.Reg(m.Base)
	onStack := base == arm64asm.SP && okOff
	addr := off // relative to the stack pointer before the instruction
	if m.Mode == arm64asm.AddrPostIndex {
		addr = 0
	}
	for i, a := range regs {
		slot := loc{stack: true, n: addr + int64(i)*size}
		switch {
		case load && onStack && gpr && size == 8:
			dst(a, fromLoc(slot))
		case load && onStack && gpr && size == 4:
			dst(a, masked(fromLoc(slot), 0xffffffff))
		case load && gpr && size == 8 && okOff && !pair && m.Mode == arm64asm.AddrOffset && base != arm64asm.SP:
			if n, _, ok := a64Reg(base); ok {
				dst(a, fromMem(n, off)) // a variable, when base holds its address
			} else {
				dst(a, fromUnknown)
			}
		case load:
			dst(a, fromUnknown)
		case onStack:
			src := fromUnknown
			if gpr && size == 8 {
				src = srcReg(a)
			}
			for o := slot.n - 7; o < slot.n+size; o++ {
				if o != slot.n {
					in.writes = append(in.writes, write{dst: loc{stack: true, n: o}, src: fromUnknown})
				}
			}
			in.writes = append(in.writes, write{dst: slot, src: src})
		case base == arm64asm.X28 || base == arm64asm.W28:
			// the goroutine (g): not the stack
		default:
			// a variable when base holds its address, else anywhere
			src := fromUnknown
			if gpr && size == 8 {
				src = srcReg(a)
			}
			if n, _, ok := a64Reg(base); ok && okOff && m.Mode == arm64asm.AddrOffset {
				in.stores = append(in.stores, store{hasBase: true, base: n, off: slot.n, src: src})
			} else {
				in.clobberStack = true
			}
		}
	}
	if m.Mode == arm64asm.AddrPreIndex || m.Mode == arm64asm.AddrPostIndex {
		if base == arm64asm.SP {
			if okOff {
				in.spDelta = off
			} else {
				in.spLost = true
			}
		} else if n, _, ok := a64Reg(base); ok {
			in.writes = append(in.writes, write{dst: reg(n), src: fromUnknown})
		}
	}
	return *in
}

// a64FrameFrom finds, in the two instructions before pc, the SUB or ADD
// that set src from the stack pointer, and returns its offset.
func a64FrameFrom(t *text, pc uint64, src arm64asm.Arg) (int64, bool) {
	r, ok := src.(arm64asm.RegSP)
	if !ok || arm64asm.Reg(r) == arm64asm.SP {
		return 0, false
	}
	for back := uint64(4); back <= 8; back += 4 {
		w, ok := t.word32(pc - back)
		if !ok {
			return 0, false
		}
		d, err := decodeA64([]byte{byte(w), byte(w >> 8), byte(w >> 16), byte(w >> 24)})
		if err != nil {
			return 0, false
		}
		if (d.Op == arm64asm.SUB || d.Op == arm64asm.ADD) && d.Args[0] == src && isSP(d.Args[1]) {
			is, ok := d.Args[2].(arm64asm.ImmShift)
			if !ok {
				return 0, false
			}
			v, ok := a64Imm(is)
			if !ok {
				return 0, false
			}
			if d.Op == arm64asm.SUB {
				return -int64(v), true
			}
			return int64(v), true
		}
		if isSP(d.Args[0]) || d.Args[0] == src {
			return 0, false // the stack pointer or the register changed in between
		}
	}
	return 0, false
}

// scanARM64 looks at every word for SVC, BL, B, B.cond, CBZ/CBNZ, ADRP
// (and the ADD after it, for a code address taken).
func scanARM64(b []byte, entry uint64, statics bool, report func(scanned, uint64)) {
	sext := func(v uint32, bits uint) int64 { return int64(int32(v<<(32-bits))) >> (32 - bits) }
	for i := 0; i+4 <= len(b); i += 4 {
		w := binary.LittleEndian.Uint32(b[i:])
		pc := int64(entry) + int64(i)
		switch {
		case statics:
			if w&0x9f000000 == 0x90000000 { // ADRP
				imm := (w>>29)&3 | (w>>5)&0x7ffff<<2
				report(scanStatic, uint64((pc&^0xfff)+sext(imm, 21)<<12))
			}
		case w&0xffe0001f == 0xd4000001: // SVC #imm
			report(scanSite, 0)
		case w&0x7c000000 == 0x14000000: // B, BL
			report(scanCall, uint64(pc+sext(w&0x3ffffff, 26)*4))
		case w&0xff000010 == 0x54000000, w&0x7e000000 == 0x34000000: // B.cond, CBZ, CBNZ
			report(scanCall, uint64(pc+sext((w>>5)&0x7ffff, 19)*4))
		case w&0x9f000000 == 0x90000000: // ADRP
			imm := (w>>29)&3 | (w>>5)&0x7ffff<<2
			page := uint64((pc &^ 0xfff) + sext(imm, 21)<<12)
			if i+8 <= len(b) {
				if n := binary.LittleEndian.Uint32(b[i+4:]); n&0xffc00000 == 0x91000000 && n&0x1f == w&0x1f {
					report(scanRef, page+uint64(n>>10&0xfff))
				}
			}
		}
	}
}
