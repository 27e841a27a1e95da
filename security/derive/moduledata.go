package derive

import (
	"debug/elf"
	"encoding/binary"
)

// goText finds where the Go code of bin lies in its .text section ts:
// runtime.text and runtime.etext, as the runtime's module data records
// them. The function table's entries are offsets from runtime.text. A
// binary linked by the Go linker alone starts .text with the Go code, but
// one linked externally (cgo, -linkmode=external) has the C start-up code
// before it and the C libraries after it, and its pclntab header's own
// text start is left zero. The module data is found as the data word that
// points at .gopclntab (its first field, pcHeader), checked against the
// fields that follow: funcnametab inside .gopclntab, and text and etext
// inside .text. ok is false when no such record is found.
func goText(bin []byte, f *elf.File, pcln, ts *elf.Section) (text, etext uint64, ok bool) {
	ptr := 8
	if f.Class == elf.ELFCLASS32 {
		ptr = 4
	}
	word := func(b []byte, i int) uint64 {
		if ptr == 8 {
			return binary.LittleEndian.Uint64(b[i*8:])
		}
		return uint64(binary.LittleEndian.Uint32(b[i*4:]))
	}
	inText := func(a uint64) bool { return a >= ts.Addr && a <= ts.Addr+ts.Size }
	// The words of moduledata: pcHeader, then six slices (three words
	// each), findfunctab, minpc, maxpc, text, etext.
	const textWord, fields = 22, 24
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Flags&elf.SHF_EXECINSTR != 0 || s.Type != elf.SHT_PROGBITS {
			continue
		}
		data, err := sectionData(bin, s)
		if err != nil {
			continue
		}
		for off := 0; off+fields*ptr <= len(data); off += ptr {
			md := data[off:]
			if word(md, 0) != pcln.Addr {
				continue
			}
			names := word(md, 1)
			text, etext := word(md, textWord), word(md, textWord+1)
			if names >= pcln.Addr && names < pcln.Addr+pcln.Size && inText(text) && inText(etext) && text < etext {
				return text, etext, true
			}
		}
	}
	return 0, 0, false
}
