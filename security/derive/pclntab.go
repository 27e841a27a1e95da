package derive

import (
	"bytes"
	"debug/elf"
	"debug/gosym"
	"encoding/binary"
	"fmt"
)

// funcBounds is one function of the binary's function table.
type funcBounds struct {
	name       string
	entry, end uint64
}

// functions reads the function table of the binary's pclntab (s), which
// stripping keeps.
func functions(bin []byte, s *elf.Section, textAddr uint64) ([]funcBounds, error) {
	data, err := sectionData(bin, s)
	if err != nil {
		return nil, fmt.Errorf("reading .gopclntab: %w", err)
	}
	if fs, ok := functab118(data, textAddr); ok {
		return fs, nil
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, textAddr))
	if err != nil {
		return nil, fmt.Errorf("%w: reading the function table: %v", ErrUnsupported, err)
	}
	fs := make([]funcBounds, len(tab.Funcs))
	for i, f := range tab.Funcs {
		fs[i] = funcBounds{f.Name, f.Entry, f.End}
	}
	return fs, nil
}

// functab118 reads the function table of a Go 1.18 or later pclntab
// itself: debug/gosym would also decode every file and line table, a
// fifth of the derivation's time. Entries are offsets from textAddr (the
// header's own text start may be unrelocated, as debug/gosym says). ok is
// false for other formats, and for a table it cannot read whole.
func functab118(data []byte, textAddr uint64) (fs []funcBounds, ok bool) {
	le := binary.LittleEndian
	if len(data) < 8 || (le.Uint32(data) != 0xfffffff0 && le.Uint32(data) != 0xfffffff1) || data[4] != 0 || data[5] != 0 {
		return nil, false
	}
	ptr := int(data[7])
	if ptr != 4 && ptr != 8 {
		return nil, false
	}
	// The header's words: nfunc, nfiles, textStart (unused),
	// funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset.
	word := func(i int) uint64 {
		off := 8 + i*ptr
		if off+ptr > len(data) {
			return ^uint64(0)
		}
		if ptr == 8 {
			return le.Uint64(data[off:])
		}
		return uint64(le.Uint32(data[off:]))
	}
	nfunc, names, pcln := word(0), word(3), word(7)
	size := uint64(len(data))
	if nfunc > size/8 || names >= size || pcln >= size || (nfunc+1)*8 > size-pcln {
		return nil, false
	}
	ft := data[pcln:]
	fs = make([]funcBounds, 0, nfunc)
	for i := range nfunc {
		entry, funcOff, next := le.Uint32(ft[i*8:]), uint64(le.Uint32(ft[i*8+4:])), le.Uint32(ft[(i+1)*8:])
		if funcOff+8 > size-pcln {
			return nil, false
		}
		nameOff := uint64(le.Uint32(ft[funcOff+4:]))
		if nameOff >= size-names {
			return nil, false
		}
		name := data[names+nameOff:]
		end := bytes.IndexByte(name, 0)
		if end < 0 {
			return nil, false
		}
		fs = append(fs, funcBounds{string(name[:end]), textAddr + uint64(entry), textAddr + uint64(next)})
	}
	return fs, true
}
