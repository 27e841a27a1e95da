package binfacts

import "debug/elf"

// goText finds where the Go code lies in the code section ts: runtime.text
// and runtime.etext as the runtime's module data (runtime.firstmoduledata)
// records them; the function table's entries are offsets from runtime.text.
// A binary the Go linker linked alone starts .text with the Go code, but one
// linked externally (cgo, -linkmode=external) has C start-up code before it
// and C libraries after it. The module data is found as the data word that
// points at .gopclntab (its first field, pcHeader), checked against the
// fields that follow: funcnametab inside .gopclntab, text and etext inside
// ts. It is looked for in .go.module first, where Go 1.26 puts it, then in
// every other data section. ok is false when no such record is found.
//
// The same search is in security/derive/moduledata.go.
func goText(bin []byte, f *elf.File, pcln, ts *elf.Section) (text, etext uint64, ok bool) {
	ptr := ptrSize(f)
	inText := func(a uint64) bool { return a >= ts.Addr && a <= ts.Addr+ts.Size }
	// The words of moduledata: pcHeader, then six slices (three words
	// each), findfunctab, minpc, maxpc, text, etext.
	const textWord, fields = 22, 24
	search := func(s *elf.Section) bool {
		data, err := sectionData(bin, s)
		if err != nil {
			return false
		}
		for off := 0; off+fields*ptr <= len(data); off += ptr {
			md := data[off:]
			if word(f, md, 0) != pcln.Addr {
				continue
			}
			names := word(f, md, 1)
			text, etext = word(f, md, textWord), word(f, md, textWord+1)
			if names >= pcln.Addr && names < pcln.Addr+pcln.Size && inText(text) && inText(etext) && text < etext {
				return true
			}
		}
		return false
	}
	if md := f.Section(".go.module"); md != nil && search(md) {
		return text, etext, true
	}
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Flags&elf.SHF_EXECINSTR != 0 || s.Type != elf.SHT_PROGBITS ||
			s.Name == ".go.module" || s == pcln {
			continue
		}
		if search(s) {
			return text, etext, true
		}
	}
	return 0, 0, false
}
