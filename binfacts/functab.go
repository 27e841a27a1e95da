package binfacts

import (
	"bytes"
	"cmp"
	"debug/gosym"
	"encoding/binary"
	"fmt"
	"slices"
)

// noCU is the compilation unit of a function that has none: the linker's
// own markers (go:textfipsstart) and C code linked internally.
const noCU = ^uint32(0)

// goFunc is one function of the binary's function table.
type goFunc struct {
	name  string
	entry uint64 // address of its first instruction
	next  uint64 // the next function's entry: where whatever follows it starts
	// size is its code bytes, from its pc-value tables, which the compiler
	// and assembler write up to the function's last instruction; what is
	// left up to next is alignment padding. Zero for a function without
	// tables (C code linked internally, the linker's markers) and in a
	// table older than Go 1.18, where only next bounds it.
	size   uint64
	cu     uint32 // compilation unit: one object file, a package's Go code or one of its assembly files; noCU when none
	pcfile uint32 // offset of its pc-to-file table in the pctab, 0 for none
}

// funcTable is the function table of a .gopclntab, and what is needed to
// read a function's file later (fileOf) without decoding every table.
type funcTable struct {
	funcs []goFunc // by entry
	// sized is whether the format gives code sizes (Go 1.18 and later).
	sized                 bool
	data                  []byte
	order                 binary.ByteOrder
	cutab, filetab, pctab uint64 // offsets in data
}

// readFuncTable reads the function table of a .gopclntab (data). Entries
// are offsets from textAddr, runtime.text: the header's own text start is
// no longer written by Go's linker, and was left zero by external linkers.
// The Go 1.18 and later format is read here, which gives each function's
// code size and compilation unit; older ones through debug/gosym, which
// gives only entries.
func readFuncTable(data []byte, order binary.ByteOrder, textAddr uint64) (*funcTable, error) {
	if t, ok := readFuncTable118(data, order, textAddr); ok {
		return t, nil
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, textAddr))
	if err == nil && len(tab.Funcs) == 0 {
		err = fmt.Errorf("no functions")
	}
	if err != nil {
		return nil, fmt.Errorf("%w: reading the function table: %v", ErrNotGo, err)
	}
	t := &funcTable{data: data, order: order}
	for _, f := range tab.Funcs {
		t.funcs = append(t.funcs, goFunc{name: f.Name, entry: f.Entry, next: f.End, cu: noCU})
	}
	slices.SortFunc(t.funcs, func(a, b goFunc) int { return cmp.Compare(a.entry, b.entry) })
	return t, nil
}

// readFuncTable118 reads a Go 1.18 or later table. ok is false for another
// format, or a table it cannot read whole.
func readFuncTable118(data []byte, order binary.ByteOrder, textAddr uint64) (t *funcTable, ok bool) {
	if len(data) < 8 || (order.Uint32(data) != 0xfffffff0 && order.Uint32(data) != 0xfffffff1) || data[4] != 0 || data[5] != 0 {
		return nil, false
	}
	quantum, ptr := uint64(data[6]), int(data[7])
	if (ptr != 4 && ptr != 8) || quantum == 0 {
		return nil, false
	}
	// The header's words: nfunc, nfiles, (unused), funcnameOffset,
	// cuOffset, filetabOffset, pctabOffset, pclnOffset.
	hdr := func(i int) uint64 {
		off := 8 + i*ptr
		if off+ptr > len(data) {
			return ^uint64(0)
		}
		if ptr == 8 {
			return order.Uint64(data[off:])
		}
		return uint64(order.Uint32(data[off:]))
	}
	size := uint64(len(data))
	nfunc, names, pcln := hdr(0), hdr(3), hdr(7)
	t = &funcTable{sized: true, data: data, order: order, cutab: hdr(4), filetab: hdr(5), pctab: hdr(6)}
	if nfunc == 0 || nfunc > size/8 || names >= size || pcln >= size || t.cutab > size || t.filetab > size || t.pctab > size || (nfunc+1)*8 > size-pcln {
		return nil, false
	}
	// The function table: nfunc+1 pairs (entry offset, _func offset),
	// the last entry the end of the last function; then the _func records:
	// entryOff, nameOff, args, deferreturn, pcsp, pcfile, pcln, npcdata,
	// cuOffset, each 4 bytes.
	ft := data[pcln:]
	t.funcs = make([]goFunc, 0, nfunc)
	for i := range nfunc {
		entry, funcOff, next := order.Uint32(ft[i*8:]), uint64(order.Uint32(ft[i*8+4:])), order.Uint32(ft[(i+1)*8:])
		if funcOff+36 > size-pcln || next < entry {
			return nil, false
		}
		rec := ft[funcOff:]
		name, ok := cString(data, names+uint64(order.Uint32(rec[4:])))
		if !ok {
			return nil, false
		}
		fn := goFunc{name: name, entry: textAddr + uint64(entry), next: textAddr + uint64(next),
			pcfile: order.Uint32(rec[20:]), cu: order.Uint32(rec[32:])}
		if pcsp := order.Uint32(rec[16:]); pcsp != 0 {
			fn.size = t.tableEnd(pcsp) * quantum
		}
		t.funcs = append(t.funcs, fn)
	}
	if !slices.IsSortedFunc(t.funcs, func(a, b goFunc) int { return cmp.Compare(a.entry, b.entry) }) {
		return nil, false
	}
	return t, true
}

// tableEnd is the pc, in instruction quanta from the function's entry, where
// the pc-value table at off in the pctab ends: the sum of its pc deltas. The
// table is a sequence of (value delta, pc delta) varint pairs ending in a
// zero value delta. Zero for a table it cannot read.
func (t *funcTable) tableEnd(off uint32) uint64 {
	p := t.pctab + uint64(off)
	var pc uint64
	for first := true; p < uint64(len(t.data)); first = false {
		uv, n := binary.Uvarint(t.data[p:])
		if n <= 0 {
			return 0
		}
		p += uint64(n)
		if uv == 0 && !first {
			return pc
		}
		if p >= uint64(len(t.data)) {
			return 0
		}
		dpc, n := binary.Uvarint(t.data[p:])
		if n <= 0 {
			return 0
		}
		p += uint64(n)
		pc += dpc
	}
	return 0
}

// fileOf is the source file of fn's first instruction, "" when the table
// does not say: the first value of its pc-to-file table is an index into its
// compilation unit's files.
func (t *funcTable) fileOf(fn *goFunc) string {
	if !t.sized || fn.pcfile == 0 || fn.cu == noCU {
		return ""
	}
	p := t.pctab + uint64(fn.pcfile)
	if p >= uint64(len(t.data)) {
		return ""
	}
	uv, n := binary.Uvarint(t.data[p:])
	if n <= 0 {
		return ""
	}
	idx := -1 + (int64(uv>>1) ^ -int64(uv&1)) // a zig-zag delta from -1
	if idx < 0 {
		return ""
	}
	cu := t.cutab + 4*(uint64(fn.cu)+uint64(idx))
	if cu+4 > uint64(len(t.data)) {
		return ""
	}
	off := t.order.Uint32(t.data[cu:])
	if off == ^uint32(0) {
		return ""
	}
	name, _ := cString(t.data, t.filetab+uint64(off))
	return name
}

// cString is the NUL-terminated string at off in data.
func cString(data []byte, off uint64) (string, bool) {
	if off >= uint64(len(data)) {
		return "", false
	}
	end := bytes.IndexByte(data[off:], 0)
	if end < 0 {
		return "", false
	}
	return string(data[off : off+uint64(end)]), true
}
