package binfacts

import (
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"strings"
)

// codeBytes is what the bytes of the code sections are.
type codeBytes struct {
	index *moduleIndex
	pkgs  map[string]*pkgBytes // Go code by package
	c     pkgBytes             // C code: outside Go's text, or functions without Go's pc tables
	// padding is the bytes from the end of each function's code to the
	// next function's entry, which the linker adds to align functions.
	padding int64
	// unattributedFuncs are the functions no package is known for; they,
	// and code bytes outside any function, are what the code sections
	// hold beyond the rest.
	unattributedFuncs []FuncSize
	plt               int64    // the PLT stubs of a dynamically linked binary
	cSections         []string // where the C code is, in words
	cFuncs            int      // C functions in Go's function table (cgo linked internally)
}

// pkgBytes is the code of one package: its functions' bytes.
type pkgBytes struct {
	bytes int64
	funcs []FuncSize
}

func (p *pkgBytes) add(name string, n int64) {
	p.bytes += n
	if name != "" {
		p.funcs = append(p.funcs, FuncSize{Name: unescapePath(name), Bytes: n})
	}
}

// maxTextPadding is the most alignment padding the Go linker leaves in .text
// after runtime.etext; more than that is code of another linker's.
const maxTextPadding = 64

// attributeCode divides the code sections of f. A function's bytes are its
// code, from its entry to the end of its pc-value tables (the size `go tool
// nm -size` gives its symbol); the bytes from there to the next function's
// entry are padding, counted apart: functions start at a multiple of 32
// bytes on amd64, and that padding is 3 to 4% of the code, which, counted in
// the functions, would make every package look that much bigger than its
// code and the sum of them disagree with nm's. A function without tables
// (C code linked internally) is counted to the next entry. Functions are
// tied to packages by name (symbolPackage), else by compilation unit
// (unitPackages). The Go text range, runtime.text..etext, comes from the
// module data (goText), and code outside it is C code.
func attributeCode(bin []byte, f *elf.File, bi *buildinfo.BuildInfo) (*codeBytes, error) {
	ts, pcln := f.Section(".text"), f.Section(".gopclntab")
	if ts == nil || pcln == nil || ts.Type == elf.SHT_NOBITS {
		return nil, fmt.Errorf("%w: no .text or .gopclntab section", ErrNotGo)
	}
	tsEnd := ts.Addr + ts.FileSize
	text, etext, ok := goText(bin, f, pcln, ts)
	if !ok {
		text, etext = ts.Addr, tsEnd
	}
	data, err := sectionData(bin, pcln)
	if err != nil {
		return nil, fmt.Errorf("reading .gopclntab: %w", err)
	}
	t, err := readFuncTable(data, f.ByteOrder, text)
	if err != nil {
		return nil, err
	}
	cb := &codeBytes{index: newModuleIndex(bi), pkgs: map[string]*pkgBytes{}}

	// Code in .text before runtime.text, or well after runtime.etext, was
	// put there by an external linker: C start-up code and libraries.
	goEnd := etext
	if tsEnd-etext <= maxTextPadding {
		goEnd = tsEnd
	}
	if outside := int64(text-ts.Addr) + int64(tsEnd-goEnd); outside > 0 {
		cb.c.add("", outside)
		cb.cSections = append(cb.cSections, ".text before runtime.text and after runtime.etext")
	}
	for _, s := range f.Sections {
		if s == ts || s.Flags&elf.SHF_EXECINSTR == 0 || s.Type == elf.SHT_NOBITS {
			continue
		}
		if strings.HasPrefix(s.Name, ".plt") || strings.HasPrefix(s.Name, ".iplt") {
			cb.plt += int64(s.FileSize)
		} else {
			cb.c.add("", int64(s.FileSize))
			cb.cSections = append(cb.cSections, s.Name)
		}
	}

	isC := func(fn *goFunc) bool {
		// Go's compiler and assembler give every function a pc-to-SP
		// table; C code linked internally (cgo) has none.
		return t.sized && fn.size == 0 && !strings.HasPrefix(fn.name, "go:")
	}
	named := make([]string, len(t.funcs))
	for i := range t.funcs {
		if !isC(&t.funcs[i]) {
			named[i] = cb.index.packageOf(t.funcs[i].name)
		}
	}
	units := unitPackages(t, named)

	cursor := text
	for i := range t.funcs {
		fn := &t.funcs[i]
		if fn.entry < cursor || fn.entry >= goEnd {
			continue // outside the Go text, or overlapping: not laid out by Go's linker
		}
		// Bytes from cursor to the entry (none in Go's layout) are of
		// no function: unattributed.
		end := min(max(fn.next, fn.entry), goEnd)
		n := int64(end - fn.entry)
		if fn.size > 0 && int64(fn.size) < n {
			cb.padding += n - int64(fn.size)
			n = int64(fn.size)
		}
		cursor = end
		pkg := named[i]
		if pkg == "" && fn.cu != noCU {
			pkg = units[fn.cu]
		}
		switch {
		case isC(fn):
			cb.c.add(fn.name, n)
			if cb.cFuncs++; cb.cFuncs == 1 {
				cb.cSections = append(cb.cSections, "functions without Go's pc tables")
			}
		case pkg == "":
			cb.unattributedFuncs = append(cb.unattributedFuncs, FuncSize{Name: fn.name, Bytes: n})
		default:
			p := cb.pkgs[pkg]
			if p == nil {
				p = &pkgBytes{}
				cb.pkgs[pkg] = p
			}
			p.add(fn.name, n)
		}
	}
	cb.padding += int64(goEnd - cursor) // after the last function, to the end of .text
	return cb, nil
}
