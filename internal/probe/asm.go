package probe

import (
	"encoding/binary"
	"fmt"
	"maps"
)

// asm collects one architecture's machine code at a known virtual address.
// The architecture files wrap it with their own instruction encoders.
//
// A program is emitted twice: the first pass only learns where each label
// lands (a branch to a label not yet known encodes an offset of 0), the
// second encodes every branch with the addresses the first pass found. So
// that both passes agree, no encoding may change size with its branch
// offset: each encoder has one size, and panics if an offset does not fit
// it (a bug in a program, not a condition of its input).
type asm struct {
	order  byteOrder
	origin uint64 // virtual address of code[0]
	code   []byte
	here   map[string]uint64 // labels placed in this pass
	prior  map[string]uint64 // labels placed in the previous pass; nil in the first
}

// byteOrder is what encoding/binary's LittleEndian and BigEndian are.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// assemble runs emit twice (see asm) and returns the code and its labels.
func assemble(order byteOrder, origin uint64, emit func(*asm)) ([]byte, map[string]uint64) {
	a := &asm{order: order, origin: origin, here: map[string]uint64{}}
	emit(a)
	first := a.here
	a.code, a.here, a.prior = nil, map[string]uint64{}, first
	emit(a)
	if !maps.Equal(a.here, first) {
		panic("probe: a label moved between the two assembler passes")
	}
	return a.code, a.here
}

// pc is the address of the next instruction.
func (a *asm) pc() uint64 { return a.origin + uint64(len(a.code)) }

// label names the address of the next instruction.
func (a *asm) label(name string) {
	if _, dup := a.here[name]; dup {
		panic("probe: label " + name + " placed twice")
	}
	a.here[name] = a.pc()
}

// target is the address of a label: from the previous pass, or pc in the
// first pass.
func (a *asm) target(name string) uint64 {
	if a.prior == nil {
		return a.pc()
	}
	v, ok := a.prior[name]
	if !ok {
		panic("probe: branch to label " + name + ", which the program never places")
	}
	return v
}

// offset is target(name) - from, as a signed number.
func (a *asm) offset(name string, from uint64) int64 {
	return int64(a.target(name) - from)
}

func (a *asm) u8(b ...byte) { a.code = append(a.code, b...) }

func (a *asm) u16(v uint16) { a.code = a.order.AppendUint16(a.code, v) }

func (a *asm) u32(v uint32) { a.code = a.order.AppendUint32(a.code, v) }

// fits panics unless v is a signed number of the given bit width whose low
// zeros bits are 0 (branch offsets counted in instructions or halfwords).
func fits(v int64, bits, zeros uint, what string) {
	lim := int64(1) << (bits - 1)
	if v < -lim || v >= lim || v&(1<<zeros-1) != 0 {
		panic(fmt.Sprintf("probe: %s %d does not fit %d bits (aligned to %d)", what, v, bits, 1<<zeros))
	}
}

// fitsU panics unless v is an unsigned number of the given bit width.
func fitsU(v uint64, bits uint, what string) {
	if v>>bits != 0 {
		panic(fmt.Sprintf("probe: %s %#x does not fit %d unsigned bits", what, v, bits))
	}
}
