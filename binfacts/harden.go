package binfacts

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"strings"
)

// Check is one hardening check of a binary, as measured.
type Check struct {
	Name   string // "stripped", "static", "non-executable stack", ...
	OK     bool
	Found  string // what was measured, in words
	Wanted string
	// Info marks a row that informs and is no reason to fail a build: the
	// Go version, the build settings, checks that do not apply to a static
	// Go binary, and checks that could not be measured (OK false, Found
	// says why).
	Info bool
}

// Expect is what the build asked for.
type Expect struct {
	Stripped bool // build.strip was on: no .symtab, no .debug_*, no .note.go.buildid or a zero-length one
	Trimpath bool // -trimpath: no builder paths left
	// BuilderPaths are the build's own working directories and GOROOT,
	// searched for in the binary when Trimpath.
	BuilderPaths []string
}

// Harden measures the hardening of bin, a Go ELF binary, against what the
// build asked for. The rows are always the same, in the same order:
// stripped, static, non-executable stack, no writable and executable
// segment, trimpath, PIE, RELRO, Go version, build settings. The file is
// read in place: headers, the few segments named, and one search of the
// whole file per builder path.
func Harden(bin []byte, e Expect) ([]Check, error) {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return nil, fmt.Errorf("not an ELF file: %w", err)
	}
	bi, biErr := buildinfo.Read(bytes.NewReader(bin))
	dyn := readDynamic(bin, f)
	return []Check{
		strippedCheck(bin, f, e.Stripped),
		staticCheck(dyn),
		stackCheck(f),
		writeExecCheck(f),
		trimpathCheck(bin, f, e, bi),
		pieCheck(f, dyn),
		relroCheck(f, dyn),
		goVersionCheck(bi, biErr),
		settingsCheck(bi),
	}, nil
}

// strippedCheck lists the symbols and debugging information left: .symtab,
// .strtab, DWARF and a non-empty Go build ID.
func strippedCheck(bin []byte, f *elf.File, stripped bool) Check {
	var left []string
	for _, s := range f.Sections {
		switch n := s.Name; {
		case n == ".symtab" || n == ".strtab" || strings.HasPrefix(n, ".debug_") || strings.HasPrefix(n, ".zdebug_"):
			if s.Type != elf.SHT_NOBITS && s.FileSize > 0 {
				left = append(left, fmt.Sprintf("%s (%d bytes)", n, s.FileSize))
			}
		case n == ".note.go.buildid":
			if id := noteDesc(bin, f, s); len(id) > 0 {
				left = append(left, fmt.Sprintf("%s (build ID %q)", n, id))
			}
		}
	}
	c := Check{Name: "stripped", OK: len(left) == 0, Found: "none of .symtab, .strtab, .debug_* or a Go build ID",
		Wanted: "no .symtab, .strtab, .debug_* or Go build ID (strip: true)"}
	if len(left) > 0 {
		c.Found = "present: " + strings.Join(left, ", ")
	}
	if !stripped {
		c.OK, c.Wanted = true, "not asked for (strip: false)"
	}
	return c
}

// noteDesc is the descriptor of the first note in s: its namesz, descsz
// and type words, then the name and the descriptor, each 4-aligned.
func noteDesc(bin []byte, f *elf.File, s *elf.Section) []byte {
	b := fileRange(bin, s.Offset, s.FileSize)
	if len(b) < 12 {
		return nil
	}
	namesz, descsz := uint64(f.ByteOrder.Uint32(b)), uint64(f.ByteOrder.Uint32(b[4:]))
	off := 12 + (namesz+3)&^3
	if off > uint64(len(b)) || descsz > uint64(len(b))-off {
		return nil
	}
	return b[off : off+descsz]
}

func staticCheck(d dynamicInfo) Check {
	var found []string
	if d.interp != "" {
		found = append(found, "PT_INTERP "+d.interp)
	}
	if len(d.needed) > 0 {
		found = append(found, "DT_NEEDED "+strings.Join(d.needed, ", "))
	}
	if len(d.runpath) > 0 {
		found = append(found, "DT_RPATH/DT_RUNPATH "+strings.Join(d.runpath, ", "))
	}
	c := Check{Name: "static", OK: d.interp == "" && len(d.needed) == 0, Found: strings.Join(found, "; "),
		Wanted: "no program interpreter (PT_INTERP) and no shared libraries (DT_NEEDED)"}
	switch {
	case len(found) > 0:
	case d.dynamic:
		c.Found = "PT_DYNAMIC without PT_INTERP or DT_NEEDED (static PIE)"
	default:
		c.Found = "no PT_INTERP, no PT_DYNAMIC, no DT_NEEDED"
	}
	return c
}

// stackCheck reads PT_GNU_STACK. Without one, the kernel gives some
// architectures an executable stack.
func stackCheck(f *elf.File) Check {
	c := Check{Name: "non-executable stack", Found: "no PT_GNU_STACK: the kernel may make the stack executable",
		Wanted: "PT_GNU_STACK without PF_X"}
	for _, p := range f.Progs {
		if p.Type == elf.PT_GNU_STACK {
			c.OK, c.Found = p.Flags&elf.PF_X == 0, "PT_GNU_STACK "+perms(p.Flags)
			break
		}
	}
	return c
}

func writeExecCheck(f *elf.File) Check {
	var all, bad []string
	for i, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		all = append(all, perms(p.Flags))
		if p.Flags&elf.PF_W != 0 && p.Flags&elf.PF_X != 0 {
			bad = append(bad, fmt.Sprintf("program header %d: PT_LOAD %s at %#x, %d bytes in memory", i, perms(p.Flags), p.Vaddr, p.Memsz))
		}
	}
	c := Check{Name: "no writable and executable segment", OK: len(bad) == 0,
		Found:  fmt.Sprintf("%d PT_LOAD segments, %s, none both writable and executable", len(all), strings.Join(all, ", ")),
		Wanted: "no PT_LOAD with both PF_W and PF_X"}
	if len(bad) > 0 {
		c.Found = strings.Join(bad, "; ")
	}
	return c
}

// perms is a segment's permissions, as ls shows a file's: "r-x".
func perms(fl elf.ProgFlag) string {
	b := []byte("---")
	for i, bit := range []elf.ProgFlag{elf.PF_R, elf.PF_W, elf.PF_X} {
		if fl&bit != 0 {
			b[i] = "rwx"[i]
		}
	}
	return string(b)
}

func pieCheck(f *elf.File, d dynamicInfo) Check {
	c := Check{Name: "PIE", OK: true, Info: true,
		Wanted: "informational: Go links a binary at a fixed address unless -buildmode=pie; the kernel still places its stack and memory maps at random"}
	switch {
	case f.Type == elf.ET_DYN && d.interp == "" && len(d.needed) == 0:
		c.Found = "ET_DYN: position-independent, static (static PIE)"
	case f.Type == elf.ET_DYN:
		c.Found = "ET_DYN: position-independent (PIE)"
	default:
		c.Found = fmt.Sprintf("%s: linked at a fixed address", f.Type)
	}
	return c
}

func relroCheck(f *elf.File, d dynamicInfo) Check {
	c := Check{Name: "RELRO", OK: true, Info: true, Found: "no PT_DYNAMIC: nothing for a dynamic linker to relocate",
		Wanted: "not applicable: RELRO protects what a dynamic linker writes, and a static Go binary has none"}
	if !d.dynamic {
		return c
	}
	relro := false
	for _, p := range f.Progs {
		relro = relro || p.Type == elf.PT_GNU_RELRO
	}
	c.Wanted = "full RELRO (PT_GNU_RELRO and BIND_NOW) for a dynamically linked binary"
	switch {
	case relro && d.bindNow:
		c.Found = "full RELRO: PT_GNU_RELRO, and BIND_NOW"
	case relro:
		c.OK, c.Found = false, "partial RELRO: PT_GNU_RELRO without BIND_NOW, so the GOT stays writable"
	default:
		c.OK, c.Found = false, "no PT_GNU_RELRO"
	}
	if d.textrel {
		c.OK, c.Found = false, c.Found+"; text relocations (DT_TEXTREL)"
	}
	return c
}

func goVersionCheck(bi *buildinfo.BuildInfo, err error) Check {
	if bi == nil {
		return Check{Name: "Go version", Info: true, Found: fmt.Sprintf("no Go build information: %v", err), Wanted: "informational"}
	}
	return Check{Name: "Go version", OK: true, Info: true, Found: bi.GoVersion, Wanted: "informational"}
}

// settingsCheck lists the build settings of the build information, in its
// order (-buildmode, -compiler, -ldflags, -tags, -trimpath, CGO_ENABLED,
// GOARCH, GOOS, GOAMD64/GOARM..., vcs.*).
func settingsCheck(bi *buildinfo.BuildInfo) Check {
	c := Check{Name: "build settings", OK: true, Info: true, Found: "none recorded", Wanted: "informational"}
	if bi == nil {
		c.OK, c.Found = false, "no Go build information"
		return c
	}
	var kv []string
	for _, s := range bi.Settings {
		v := s.Value
		if strings.ContainsAny(v, " \t\"") || v == "" {
			v = fmt.Sprintf("%q", v)
		}
		kv = append(kv, s.Key+"="+v)
	}
	if len(kv) > 0 {
		c.Found = strings.Join(kv, " ")
	}
	return c
}
