package binfacts

import (
	"bytes"
	"debug/elf"
)

// dynamicInfo is what a binary's program headers say of its dynamic linking.
// It is read from the segments, not the sections, which a loader does not
// need and a packer or sstrip removes.
type dynamicInfo struct {
	interp  string   // PT_INTERP's path
	dynamic bool     // PT_DYNAMIC is present
	needed  []string // DT_NEEDED
	runpath []string // DT_RPATH and DT_RUNPATH
	bindNow bool     // DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW: relocations resolved at start, so RELRO can be whole
	textrel bool     // DT_TEXTREL or DF_TEXTREL: relocations write the code
}

func readDynamic(bin []byte, f *elf.File) dynamicInfo {
	var d dynamicInfo
	var dyn []byte
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			d.interp = string(bytes.TrimRight(fileRange(bin, p.Off, p.Filesz), "\x00"))
		case elf.PT_DYNAMIC:
			d.dynamic = true
			dyn = fileRange(bin, p.Off, p.Filesz)
		}
	}
	ptr := ptrSize(f)
	var strtab, strsz uint64
	var needed, runpath []uint64
entries:
	for i := 0; (i+2)*ptr <= len(dyn); i += 2 {
		tag, val := elf.DynTag(word(f, dyn, i)), word(f, dyn, i+1)
		switch tag {
		case elf.DT_NULL:
			break entries
		case elf.DT_STRTAB:
			strtab = val
		case elf.DT_STRSZ:
			strsz = val
		case elf.DT_NEEDED:
			needed = append(needed, val)
		case elf.DT_RPATH, elf.DT_RUNPATH:
			runpath = append(runpath, val)
		case elf.DT_BIND_NOW:
			d.bindNow = true
		case elf.DT_TEXTREL:
			d.textrel = true
		case elf.DT_FLAGS:
			d.bindNow = d.bindNow || val&uint64(elf.DF_BIND_NOW) != 0
			d.textrel = d.textrel || val&uint64(elf.DF_TEXTREL) != 0
		case elf.DT_FLAGS_1:
			d.bindNow = d.bindNow || val&uint64(elf.DF_1_NOW) != 0
		}
	}
	strs := segmentBytes(bin, f, strtab, strsz)
	str := func(off uint64) string {
		if off >= uint64(len(strs)) {
			return "?"
		}
		s, _, _ := bytes.Cut(strs[off:], []byte{0})
		return string(s)
	}
	for _, off := range needed {
		d.needed = append(d.needed, str(off))
	}
	for _, off := range runpath {
		d.runpath = append(d.runpath, str(off))
	}
	return d
}

// segmentBytes is the file's bytes at virtual address addr, size long,
// through the PT_LOAD segment that maps them.
func segmentBytes(bin []byte, f *elf.File, addr, size uint64) []byte {
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && addr >= p.Vaddr && addr-p.Vaddr < p.Filesz {
			return fileRange(bin, p.Off+addr-p.Vaddr, min(size, p.Filesz-(addr-p.Vaddr)))
		}
	}
	return nil
}
