package binfacts

import (
	"bytes"
	"cmp"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"slices"
	"strings"
)

// Attribution says what every byte of a Go ELF binary is.
type Attribution struct {
	Size    int64        // the file's bytes
	Parts   []Part       // add up exactly to Size; in the order of the Part* names, none empty
	Modules []ModuleSize // code bytes per module, largest first; add up to the "code" part
	// Unattributed is the code bytes no function or package could be tied
	// to: the PartUnattributedCode part.
	Unattributed int64
}

// Part is a kind of the file's bytes: one of the Part* names, its bytes and,
// for a person, what they are and which sections hold them.
type Part struct {
	Name  string
	Bytes int64
	What  string
}

// ModuleSize is the code bytes of one module: a module of the build
// information, or StdlibModule, CModule, UnknownModule.
type ModuleSize struct {
	Path, Version string
	Replace       string // the replacement, "path version" or a directory, when go.mod replaces the module
	Bytes         int64
	Packages      []PackageSize // largest first
}

// PackageSize is the code bytes of one package. The main package is named
// by its import path; the C code's package is "C".
type PackageSize struct {
	Path      string
	Bytes     int64
	Functions []FuncSize // the 20 largest
}

// FuncSize is the code bytes of one function, padding excluded.
type FuncSize struct {
	Name  string
	Bytes int64
}

// maxFuncs is how many of a package's functions PackageSize lists.
const maxFuncs = 20

// Attribute says what every byte of bin, a Go ELF binary (stripped or not,
// linked by Go's linker or externally), is. Code is divided by function
// from Go's function table, which stripping keeps, and functions are tied
// to packages and modules through their names and the binary's build
// information.
func Attribute(bin []byte) (*Attribution, error) {
	f, err := openELF(bin)
	if err != nil {
		return nil, err
	}
	bi, _ := buildinfo.Read(bytes.NewReader(bin)) // nil without: modules are then told apart less
	cb, err := attributeCode(bin, f, bi)
	if err != nil {
		return nil, err
	}
	l, codeTotal, clipped := fileParts(bin, f)
	a := &Attribution{Size: int64(len(bin))}
	if clipped {
		// Sections overlap in the file: what the code sections still
		// hold cannot be divided by function.
		l.add(PartUnattributedCode, "code sections overlapping other sections", codeTotal)
		a.Unattributed = codeTotal
	} else {
		a.Modules = cb.modules()
		var mods int64
		for _, m := range a.Modules {
			mods += m.Bytes
		}
		l.add(PartCode, ".text", mods)
		if len(cb.cSections) > 0 {
			l.add(PartCode, "C code: "+strings.Join(cb.cSections, ", "), 0)
		}
		l.add(PartFunctionPadding, "", cb.padding)
		if cb.plt > 0 {
			l.add(PartDynamic, ".plt", cb.plt)
		}
		a.Unattributed = codeTotal - mods - cb.padding - cb.plt
		l.add(PartUnattributedCode, unattributedFrom(cb), a.Unattributed)
	}
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NOBITS && s.Flags&elf.SHF_ALLOC != 0 && s.Size > 0 {
			l.add(PartData, fmt.Sprintf("%s takes %d bytes of memory, none of the file", s.Name, s.Size), 0)
		}
	}
	for _, name := range partOrder {
		if n := l.bytes[name]; n != 0 {
			a.Parts = append(a.Parts, Part{Name: name, Bytes: n, What: partDescription(name, l.from[name])})
		}
	}
	return a, nil
}

// partDescription is what a part is, and where its bytes came from.
func partDescription(name string, from []string) string {
	if len(from) == 0 {
		return partWhat[name]
	}
	return partWhat[name] + " (" + strings.Join(from, "; ") + ")"
}

// unattributedFrom names the largest functions of the unattributed code.
func unattributedFrom(cb *codeBytes) string {
	if len(cb.unattributedFuncs) == 0 {
		return ""
	}
	fs := largest(slices.Clone(cb.unattributedFuncs), 5)
	var names []string
	for _, fn := range fs {
		names = append(names, fmt.Sprintf("%s %d", fn.Name, fn.Bytes))
	}
	return fmt.Sprintf("%d functions of no known package, largest %s", len(cb.unattributedFuncs), strings.Join(names, ", "))
}

// modules groups the packages' code by module, largest first.
func (cb *codeBytes) modules() []ModuleSize {
	byPath := map[string]*ModuleSize{}
	mod := func(m module) *ModuleSize {
		ms := byPath[m.path]
		if ms == nil {
			ms = &ModuleSize{Path: m.path, Version: m.version, Replace: m.replace}
			byPath[m.path] = ms
		}
		return ms
	}
	addPkg := func(ms *ModuleSize, path string, p *pkgBytes) {
		ms.Bytes += p.bytes
		ms.Packages = append(ms.Packages, PackageSize{Path: path, Bytes: p.bytes, Functions: largest(p.funcs, maxFuncs)})
	}
	for path, p := range cb.pkgs {
		addPkg(mod(cb.index.moduleOf(path)), path, p)
	}
	if cb.c.bytes > 0 {
		addPkg(mod(module{path: CModule}), "C", &cb.c)
	}
	out := make([]ModuleSize, 0, len(byPath))
	for _, ms := range byPath {
		slices.SortFunc(ms.Packages, func(a, b PackageSize) int {
			return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), cmp.Compare(a.Path, b.Path))
		})
		out = append(out, *ms)
	}
	slices.SortFunc(out, func(a, b ModuleSize) int { return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), cmp.Compare(a.Path, b.Path)) })
	return out
}

// largest is the n largest of fs, largest first (then by name), sorting fs.
func largest(fs []FuncSize, n int) []FuncSize {
	slices.SortFunc(fs, bySize)
	return slices.Clone(fs[:min(len(fs), n)])
}

// bySize orders functions largest first, then by name.
func bySize(a, b FuncSize) int {
	if a.Bytes != b.Bytes {
		return cmp.Compare(b.Bytes, a.Bytes)
	}
	return cmp.Compare(a.Name, b.Name)
}
