package derive

import (
	"encoding/binary"
	"iter"
	"slices"
	"strings"

	"golang.org/x/arch/arm/armasm"
)

// arm is linux/arm (EABI, ARM mode): SVC takes the number in R7; Go passes
// every argument on the stack from 4(R13) (BL keeps the stack pointer and
// saves the return address in R14).
var arm = &arch{
	goarch:          "arm",
	regs:            13, // R0-R12; R13 is the stack pointer, R14 and R15 are not tracked
	trap:            reg(7),
	syscallClobbers: []int{0},
	decode:          decodeARM,
	scan:            scanARM,
	// A literal holds the variable's address, or that of the struct or
	// array it is in (within a few kilobytes below).
	staticKeys: func(addr uint64) iter.Seq[uint64] {
		return slices.Values([]uint64{addr &^ 0xfff, (addr &^ 0xfff) - 0x1000})
	},
	fixed:        4,
	wordSize:     4,
	names:        sysnumARM,
	duffs:        map[string]int{"runtime.duffzero": 1, "runtime.duffcopy": 2},
	duffClobbers: []int{0, 1, 2},
}

const (
	armSP = armasm.R13
	armLR = armasm.R14
	armPC = armasm.R15
)

func decodeARM(t *text, pc uint64) (inst, bool) {
	b := t.at(pc)
	if len(b) < 4 {
		return inst{}, false
	}
	decodeMu.Lock()
	d, err := armasm.Decode(b[:4], armasm.ModeARM)
	decodeMu.Unlock()
	if err != nil {
		return inst{}, false
	}
	in := inst{pc: pc, size: 4}
	cond := d.Enc >> 28
	in.cond = cond != 0xe && cond != 0xf
	op, _, _ := strings.Cut(d.Op.String(), ".")
	dst := func(a armasm.Arg, src operand) {
		r, ok := a.(armasm.Reg)
		switch {
		case !ok:
		case r == armSP:
			in.spLost = true
		case r == armPC:
			in.flow = indirectJump
		case r < armSP:
			in.writes = append(in.writes, write{dst: reg(int(r)), src: src})
		}
	}
	srcOf := func(a armasm.Arg) operand {
		switch a := a.(type) {
		case armasm.Imm:
			return fromConst(uint64(uint32(a)))
		case armasm.Reg:
			if a < armSP {
				return fromLoc(reg(int(a)))
			}
		}
		return fromUnknown
	}
	target := func(a armasm.Arg) (uint64, bool) {
		if r, ok := a.(armasm.PCRel); ok {
			return uint64(uint32(int64(pc) + 8 + int64(r))), true
		}
		return 0, false
	}
	jumpKind := func(unconditional, conditional flow) flow {
		if in.cond {
			return conditional
		}
		return unconditional
	}
	switch op {
	case "SVC":
		in.flow = syscallInst
		if in.cond {
			return inst{}, false // a conditional system call: not in Go code
		}
		return in, true
	case "UDF", "BKPT":
		in.flow = stop
		return in, true
	case "BL":
		if tg, ok := target(d.Args[0]); ok {
			in.flow, in.target = call, tg
			return in, true
		}
	case "BLX":
		if tg, ok := target(d.Args[0]); ok {
			in.flow, in.target = call, tg
		} else {
			in.flow = indirectCall
		}
		return in, true
	case "B":
		if tg, ok := target(d.Args[0]); ok {
			in.flow, in.target = jumpKind(jump, branch), tg
			return in, true
		}
	case "BX":
		if r, ok := d.Args[0].(armasm.Reg); ok && r == armLR {
			in.flow = jumpKind(ret, next)
		} else {
			in.flow = jumpKind(indirectJump, next)
		}
		if in.cond && in.flow == next {
			// A conditional indirect jump: model as the possibility of
			// leaving by it.
			in.flow = indirectJump
		}
		return in, true
	case "MOV", "MOVW":
		if r, ok := d.Args[0].(armasm.Reg); ok && r == armPC {
			in.flow = jumpKind(ret, indirectJump)
			return in, true
		}
		if r, ok := d.Args[0].(armasm.Reg); ok && r == armSP {
			in.spLost = true
			return in, true
		}
		dst(d.Args[0], srcOf(d.Args[1]))
		return in, true
	case "MVN":
		if imm, ok := d.Args[1].(armasm.Imm); ok {
			dst(d.Args[0], fromConst(uint64(^uint32(imm))))
			return in, true
		}
	case "ADD", "SUB":
		if r, ok := d.Args[1].(armasm.Reg); ok && r == armSP {
			if imm, ok := d.Args[2].(armasm.Imm); ok {
				delta := int64(uint32(imm))
				if op == "SUB" {
					delta = -delta
				}
				if r0, ok := d.Args[0].(armasm.Reg); ok && r0 == armSP {
					if in.cond {
						in.spLost = true
					} else {
						in.spDelta = delta
					}
					return in, true
				}
				in.addrOf = &delta
				if r0, ok := d.Args[0].(armasm.Reg); ok && r0 < armSP {
					n := int(r0)
					in.addrReg = &n
				}
				dst(d.Args[0], fromUnknown)
				return in, true
			}
		}
	case "LDR", "STR":
		return armLoadStore(t, &in, d, op == "LDR", dst, srcOf), true
	case "CMP", "CMN", "TST", "TEQ", "NOP", "DMB", "DSB", "ISB", "PLD", "VCMP", "VCMPE":
		return in, true
	case "PUSH", "STMDB", "STM", "STMIA", "STMIB", "STMDA", "LDM", "LDMIA", "LDMIB", "LDMDA", "LDMDB", "POP":
		return armMultiple(&in, d, strings.HasPrefix(op, "LDM") || op == "POP"), true
	}
	if strings.HasPrefix(op, "ST") || strings.HasPrefix(op, "VST") {
		in.clobberStack = true
		if strings.HasPrefix(op, "STREX") {
			dst(d.Args[0], fromUnknown)
		}
		armWriteback(&in, d)
		return in, true
	}
	if strings.HasPrefix(op, "LDRD") || strings.HasPrefix(op, "LDREXD") || op == "UMULL" || op == "SMULL" || op == "UMLAL" || op == "SMLAL" {
		dst(d.Args[1], fromUnknown)
	}
	if strings.HasPrefix(op, "V") && op != "VMOV" {
		armWriteback(&in, d)
		return in, true // floating point and NEON: no general register written, but VMOV
	}
	dst(d.Args[0], fromUnknown)
	if op == "VMOV" {
		dst(d.Args[1], fromUnknown)
	}
	armWriteback(&in, d)
	return in, true
}

// armLoadStore models LDR and STR of words.
func armLoadStore(t *text, in *inst, d armasm.Inst, load bool, dst func(armasm.Arg, operand), srcOf func(armasm.Arg) operand) inst {
	m, ok := d.Args[1].(armasm.Mem)
	if !ok {
		if load {
			dst(d.Args[0], fromUnknown)
		} else {
			in.clobberStack = true
		}
		return *in
	}
	if m.Base == armPC && m.Mode == armasm.AddrOffset && m.Sign == 0 && load {
		addr := uint64(uint32(int64(in.pc) + 8 + int64(m.Offset)))
		in.literal = addr
		if w, ok := t.word32(addr); ok {
			dst(d.Args[0], fromConst(uint64(w)))
			in.ref = uint64(w) // perhaps a code address taken
		} else {
			dst(d.Args[0], fromUnknown)
		}
		if r, ok := d.Args[0].(armasm.Reg); ok && r == armPC {
			in.flow = indirectJump
		}
		return *in
	}
	onStack := m.Base == armSP && m.Sign == 0
	addr := int64(m.Offset)
	if m.Mode == armasm.AddrPostIndex {
		addr = 0
	}
	slot := loc{stack: true, n: addr}
	switch {
	case load && onStack:
		if r, ok := d.Args[0].(armasm.Reg); ok && r == armPC {
			in.flow = ret // a return through the saved LR
		} else {
			dst(d.Args[0], fromLoc(slot))
		}
	case load:
		if r, ok := d.Args[0].(armasm.Reg); ok && r == armPC {
			in.flow = indirectJump
		}
		if m.Mode == armasm.AddrOffset && m.Sign == 0 && m.Base < armSP && m.Base != armasm.R10 {
			dst(d.Args[0], fromMem(int(m.Base), int64(m.Offset))) // a variable, when the base holds its address
		} else {
			dst(d.Args[0], fromUnknown)
		}
	case onStack:
		for o := slot.n - 3; o < slot.n+4; o++ {
			if o != slot.n {
				in.writes = append(in.writes, write{dst: loc{stack: true, n: o}, src: fromUnknown})
			}
		}
		in.writes = append(in.writes, write{dst: slot, src: srcOf(d.Args[0])})
	case m.Base == armasm.R10:
		// the goroutine (g): not the stack
	case m.Mode == armasm.AddrOffset && m.Sign == 0 && m.Base < armSP:
		// a variable when the base holds its address, else anywhere
		in.stores = append(in.stores, store{hasBase: true, base: int(m.Base), off: int64(m.Offset), src: srcOf(d.Args[0])})
	default:
		in.clobberStack = true
	}
	if m.Mode == armasm.AddrPreIndex || m.Mode == armasm.AddrPostIndex {
		if m.Base == armSP {
			if m.Sign != 0 || in.cond {
				in.spLost = true
			} else {
				in.spDelta = int64(m.Offset)
			}
		} else {
			dst(m.Base, fromUnknown)
		}
	}
	return *in
}

// armMultiple models LDM, STM, PUSH and POP: the registers loaded become
// unknown; stores clobber the frame; a stack pointer written back moves
// by the list's size.
func armMultiple(in *inst, d armasm.Inst, load bool) inst {
	var list armasm.RegList
	var base armasm.Reg = armSP
	wb := true
	for _, a := range d.Args {
		switch a := a.(type) {
		case armasm.RegList:
			list = a
		case armasm.Mem:
			base = a.Base
			wb = a.Mode == armasm.AddrLDM_WB
		case armasm.Reg:
			base = a
		}
	}
	n := 0
	for r := range 16 {
		if list&(1<<r) == 0 {
			continue
		}
		n++
		if load {
			switch {
			case r == int(armPC):
				in.flow = ret
			case r < int(armSP):
				in.writes = append(in.writes, write{dst: reg(r), src: fromUnknown})
			}
		}
	}
	if !load {
		in.clobberStack = true
	}
	op, _, _ := strings.Cut(d.Op.String(), ".")
	switch {
	case base == armSP && wb && !in.cond && (op == "PUSH" || op == "STMDB"):
		in.spDelta = -4 * int64(n)
	case base == armSP && wb && !in.cond && (op == "POP" || op == "LDM" || op == "LDMIA"):
		in.spDelta = 4 * int64(n)
	case base == armSP && wb:
		in.spLost = true
	case wb && base < armSP:
		in.writes = append(in.writes, write{dst: reg(int(base)), src: fromUnknown})
	}
	return *in
}

// armWriteback handles base register updates of instructions not
// otherwise modelled.
func armWriteback(in *inst, d armasm.Inst) {
	for _, a := range d.Args {
		m, ok := a.(armasm.Mem)
		if !ok || (m.Mode != armasm.AddrPreIndex && m.Mode != armasm.AddrPostIndex && m.Mode != armasm.AddrLDM_WB) {
			continue
		}
		if m.Base == armSP {
			in.spLost = true
		} else if m.Base < armSP {
			in.writes = append(in.writes, write{dst: reg(int(m.Base)), src: fromUnknown})
		}
	}
}

// scanARM looks at every word for SVC, BL and B, and for words that may be
// addresses (literal pools hold the code and variable addresses the code
// loads).
func scanARM(b []byte, entry uint64, statics bool, report func(scanned, uint64)) {
	for i := 0; i+4 <= len(b); i += 4 {
		w := binary.LittleEndian.Uint32(b[i:])
		pc := int64(entry) + int64(i)
		switch {
		case statics:
			report(scanStatic, uint64(w)&^0xfff)
			continue
		case w&0x0f000000 == 0x0f000000 && w>>28 != 0xf: // SVC
			report(scanSite, 0)
		case w&0x0e000000 == 0x0a000000 && w>>28 != 0xf: // B, BL
			off := int64(int32(w<<8)) >> 6
			report(scanCall, uint64(uint32(pc+8+off)))
		}
		report(scanRef, uint64(w))
	}
}
