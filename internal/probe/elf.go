package probe

import (
	"debug/elf"
	"encoding/binary"
)

const (
	// baseAddr is where the segment, and so the file's first byte, is
	// mapped. The probe is an ET_EXEC at a fixed address, so its code can
	// address the data with absolute constants where that is shortest.
	baseAddr = 0x400000
	// segmentAlign is the largest page size of the architectures (arm64
	// and ppc64le kernels may use 64 KiB pages), so one file maps on all.
	segmentAlign = 0x10000
)

// elfHeaderSize is the size of the ELF header and the two program headers
// that precede the data.
func elfHeaderSize(c elf.Class) int {
	if c == elf.ELFCLASS32 {
		return 52 + 2*32
	}
	return 64 + 2*56
}

// writeELF returns the file: the ELF header, the program headers, then
// body (the data and the code) with the code's entry address. One PT_LOAD
// maps the whole file read and execute; PT_GNU_STACK asks for a stack that
// is not executable (without it, 32-bit x86 and arm kernels make it so).
func writeELF(ar *arch, body []byte, entry uint64) []byte {
	is32 := ar.class == elf.ELFCLASS32
	hdr := elfHeaderSize(ar.class)
	size := uint64(hdr + len(body))
	o := ar.order
	b := make([]byte, 0, size)
	half := func(v uint16) { b = o.AppendUint16(b, v) }
	word := func(v uint32) { b = o.AppendUint32(b, v) }
	addr := func(v uint64) { // an address, offset or size: Elf32_Addr or Elf64_Addr
		if is32 {
			b = o.AppendUint32(b, uint32(v))
		} else {
			b = o.AppendUint64(b, v)
		}
	}

	data := elf.ELFDATA2LSB
	if o == byteOrder(binary.BigEndian) {
		data = elf.ELFDATA2MSB
	}
	b = append(b, 0x7f, 'E', 'L', 'F', byte(ar.class), byte(data), byte(elf.EV_CURRENT), byte(elf.ELFOSABI_NONE))
	b = append(b, make([]byte, 8)...) // EI_ABIVERSION and padding
	half(uint16(elf.ET_EXEC))
	half(uint16(ar.machine))
	word(uint32(elf.EV_CURRENT))
	addr(entry)
	if is32 {
		addr(52) // e_phoff: right after this header
	} else {
		addr(64)
	}
	addr(0) // e_shoff: no section headers
	word(ar.flags)
	if is32 {
		half(52) // e_ehsize
		half(32) // e_phentsize
	} else {
		half(64)
		half(56)
	}
	half(2) // e_phnum
	half(0) // e_shentsize
	half(0) // e_shnum
	half(0) // e_shstrndx

	phdr := func(typ elf.ProgType, flags elf.ProgFlag, vaddr, filesz, align uint64) {
		word(uint32(typ))
		if !is32 {
			word(uint32(flags))
		}
		addr(0)      // p_offset
		addr(vaddr)  // p_vaddr
		addr(vaddr)  // p_paddr
		addr(filesz) // p_filesz
		addr(filesz) // p_memsz: nothing past the file (no .bss)
		if is32 {
			word(uint32(flags))
		}
		addr(align)
	}
	phdr(elf.PT_LOAD, elf.PF_R|elf.PF_X, baseAddr, size, segmentAlign)
	phdr(elf.PT_GNU_STACK, elf.PF_R|elf.PF_W, 0, 0, 16)

	return append(b, body...)
}
