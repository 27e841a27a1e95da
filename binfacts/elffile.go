package binfacts

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
)

// ErrNotGo is returned for a file Attribute cannot read as a Go ELF binary:
// not ELF, or without Go's function table (a binary packed by UPX has none
// in view).
var ErrNotGo = errors.New("not a Go ELF binary")

// openELF parses bin's headers. The section and segment contents are read
// later as slices of bin (sectionData), not copied.
func openELF(bin []byte) (*elf.File, error) {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotGo, err)
	}
	return f, nil
}

// sectionData is the contents of s: a slice of bin, not a copy, unless s is
// compressed (DWARF may be), when it is decompressed.
func sectionData(bin []byte, s *elf.Section) ([]byte, error) {
	if s.Type == elf.SHT_NOBITS {
		return nil, nil
	}
	if s.Flags&elf.SHF_COMPRESSED == 0 && s.Offset <= uint64(len(bin)) && s.FileSize <= uint64(len(bin))-s.Offset {
		return bin[s.Offset : s.Offset+s.FileSize : s.Offset+s.FileSize], nil
	}
	return s.Data()
}

// fileRange is the bytes [off, off+size) of bin, clipped to the file: a
// header may claim more than the file holds.
func fileRange(bin []byte, off, size uint64) []byte {
	if off >= uint64(len(bin)) {
		return nil
	}
	return bin[off : off+min(size, uint64(len(bin))-off)]
}

// ptrSize is the size of an address in f: 4 or 8 bytes.
func ptrSize(f *elf.File) int {
	if f.Class == elf.ELFCLASS32 {
		return 4
	}
	return 8
}

// word reads the i-th address-sized word of b in f's byte order.
func word(f *elf.File, b []byte, i int) uint64 {
	if ptrSize(f) == 4 {
		return uint64(f.ByteOrder.Uint32(b[i*4:]))
	}
	return f.ByteOrder.Uint64(b[i*8:])
}
