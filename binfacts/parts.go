package binfacts

import (
	"cmp"
	"debug/elf"
	"fmt"
	"slices"
	"strings"
)

// The names of Attribution's parts, in the order Parts lists them.
const (
	PartCode             = "code" // what Modules divide
	PartUnattributedCode = "unattributed code"
	PartFunctionPadding  = "padding between functions"
	PartFunctionTable    = "function table"
	PartReadOnlyData     = "read-only data"
	PartTypeLinks        = "typelinks/itablinks"
	PartData             = "data"
	PartBuildInfo        = "Go build information"
	PartSymbolTable      = "symbol table"
	PartDebug            = "debug information"
	PartNotes            = "notes"
	PartDynamic          = "dynamic linking"
	PartUnwind           = "C unwind tables"
	PartHeaders          = "ELF headers and section table"
	PartSectionPadding   = "padding between sections"
	PartUnattributed     = "unattributed"
)

var partOrder = []string{PartCode, PartUnattributedCode, PartFunctionPadding, PartFunctionTable, PartReadOnlyData,
	PartTypeLinks, PartData, PartBuildInfo, PartSymbolTable, PartDebug, PartNotes, PartDynamic, PartUnwind,
	PartHeaders, PartSectionPadding, PartUnattributed}

// partWhat says what each part holds, for a person.
var partWhat = map[string]string{
	PartCode:             "machine code of the functions, by module",
	PartUnattributedCode: "machine code no function or package is known for",
	PartFunctionPadding:  "alignment padding the linker puts after each function's code up to the next function",
	PartFunctionTable:    "Go's function table: function names and bounds, file and line tables, stack maps for the garbage collector and tracebacks; stripping keeps it",
	PartReadOnlyData: "type descriptors, strings, constants and interface tables; the type descriptors are not told apart, " +
		"as Go's own type range (runtime.types..etypes) spans the whole of .rodata (.data.rel.ro in a PIE)",
	PartTypeLinks:      "indexes of the type descriptors and interface tables, for reflection and interface conversions",
	PartData:           "initialised variables and the runtime's module data",
	PartBuildInfo:      "the Go version, modules with versions and sums, and build settings (go version -m)",
	PartSymbolTable:    "the ELF symbol table, which stripping (-s) removes",
	PartDebug:          "DWARF debugging information, which -w or -s removes",
	PartNotes:          "ELF notes: build IDs, ABI tags",
	PartDynamic:        "what the dynamic linker reads: interpreter path, dynamic symbols, relocations, PLT and GOT",
	PartUnwind:         "C unwind tables",
	PartHeaders:        "the ELF header, program headers, section headers and section names",
	PartSectionPadding: "zero bytes that align sections and segments in the file",
	PartUnattributed:   "bytes of no kind known here",
}

// sectionPart is the part a section's file bytes are of.
func sectionPart(s *elf.Section) string {
	n := s.Name
	switch {
	case s.Flags&elf.SHF_EXECINSTR != 0:
		return PartCode // divided by attributeCode
	case n == ".gopclntab" || n == ".gosymtab":
		return PartFunctionTable
	case strings.HasSuffix(n, ".typelink") || strings.HasSuffix(n, ".itablink"):
		return PartTypeLinks
	case n == ".go.buildinfo":
		return PartBuildInfo
	case n == ".symtab" || n == ".strtab" || n == ".symtab_shndx":
		return PartSymbolTable
	case strings.HasPrefix(n, ".debug_") || strings.HasPrefix(n, ".zdebug_"):
		return PartDebug
	case s.Type == elf.SHT_NOTE:
		return PartNotes
	case n == ".interp" || n == ".dynamic" || n == ".dynsym" || n == ".dynstr" || n == ".hash" || n == ".gnu.hash" ||
		strings.HasPrefix(n, ".gnu.version") || strings.HasPrefix(n, ".rela") || strings.HasPrefix(n, ".rel.") || strings.HasPrefix(n, ".got"):
		return PartDynamic
	case n == ".eh_frame" || n == ".eh_frame_hdr" || n == ".gcc_except_table":
		return PartUnwind
	case n == ".shstrtab":
		return PartHeaders
	case strings.HasPrefix(n, ".data.rel.ro"):
		return PartReadOnlyData // written by the dynamic linker's relocations, then made read-only (PIE: the type descriptors)
	case s.Flags&elf.SHF_ALLOC != 0 && s.Flags&elf.SHF_WRITE != 0:
		return PartData // .data, .noptrdata, .go.module, .go.fipsinfo, .init_array
	case s.Flags&elf.SHF_ALLOC != 0:
		return PartReadOnlyData // .rodata and the C compiler's .rodata.*
	}
	return PartUnattributed
}

// fileSpan is bytes [off, end) of the file, of one part.
type fileSpan struct {
	off, end uint64
	part     string
	name     string // the section's, or the header's
}

// ledger adds up the bytes of each part and says where they came from.
type ledger struct {
	bytes map[string]int64
	from  map[string][]string
}

// add counts n bytes of part, and notes where they came from (even when n
// is zero, to say where no bytes are).
func (l *ledger) add(part, from string, n int64) {
	l.bytes[part] += n
	if from != "" && !slices.Contains(l.from[part], from) {
		l.from[part] = append(l.from[part], from)
	}
}

// fileParts divides every byte of bin into parts: the headers, each
// section by what it holds, and the gaps between them. Code sections are
// counted as PartCode whole, for attributeCode to divide; codeClipped is
// whether overlapping sections left some of their bytes to others (the
// division then cannot be trusted).
func fileParts(bin []byte, f *elf.File) (l *ledger, codeBytes int64, codeClipped bool) {
	var spans []fileSpan
	spans = append(spans, headerSpans(bin, f)...)
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NULL || s.Type == elf.SHT_NOBITS || s.FileSize == 0 {
			continue
		}
		spans = append(spans, fileSpan{s.Offset, s.Offset + s.FileSize, sectionPart(s), s.Name})
	}
	slices.SortStableFunc(spans, func(a, b fileSpan) int { return cmp.Compare(a.off, b.off) })
	l = &ledger{bytes: map[string]int64{}, from: map[string][]string{}}
	size := uint64(len(bin))
	var cursor uint64
	gap := func(end uint64, where string) {
		if end <= cursor {
			return
		}
		if allZero(bin[cursor:end]) {
			l.add(PartSectionPadding, "", int64(end-cursor))
		} else {
			l.add(PartUnattributed, fmt.Sprintf("%d bytes %s that are not zero", end-cursor, where), int64(end-cursor))
		}
		cursor = end
	}
	for _, sp := range spans {
		off, end := min(max(sp.off, cursor), size), min(sp.end, size)
		gap(off, "between sections")
		if end <= off {
			codeClipped = codeClipped || sp.part == PartCode
			continue
		}
		if sp.part == PartCode {
			codeBytes += int64(end - off)
			codeClipped = codeClipped || end-off != sp.end-sp.off
		} else {
			l.add(sp.part, sp.name, int64(end-off))
		}
		cursor = end
	}
	gap(size, "after the last section")
	return l, codeBytes, codeClipped
}

// headerSpans are the ELF header, the program headers and the section
// headers. debug/elf does not keep their offsets, so they are read here.
func headerSpans(bin []byte, f *elf.File) []fileSpan {
	o := f.ByteOrder
	var ehsize, phoff, phent, shoff, shent uint64
	switch {
	case f.Class == elf.ELFCLASS64 && len(bin) >= 64:
		phoff, shoff = o.Uint64(bin[32:]), o.Uint64(bin[40:])
		ehsize, phent, shent = uint64(o.Uint16(bin[52:])), uint64(o.Uint16(bin[54:])), uint64(o.Uint16(bin[58:]))
	case f.Class == elf.ELFCLASS32 && len(bin) >= 52:
		phoff, shoff = uint64(o.Uint32(bin[28:])), uint64(o.Uint32(bin[32:]))
		ehsize, phent, shent = uint64(o.Uint16(bin[40:])), uint64(o.Uint16(bin[42:])), uint64(o.Uint16(bin[46:]))
	default:
		return nil
	}
	spans := []fileSpan{{0, ehsize, PartHeaders, "ELF header"}}
	if phoff != 0 && len(f.Progs) > 0 {
		spans = append(spans, fileSpan{phoff, phoff + phent*uint64(len(f.Progs)), PartHeaders, "program headers"})
	}
	if shoff != 0 && len(f.Sections) > 0 {
		spans = append(spans, fileSpan{shoff, shoff + shent*uint64(len(f.Sections)), PartHeaders, "section headers"})
	}
	return spans
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
