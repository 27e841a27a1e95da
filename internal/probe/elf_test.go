package probe

import (
	"bytes"
	"compress/gzip"
	"debug/elf"
	"net/netip"
	"testing"
	"time"
)

// Targets of the size and structure tests: a typical health check.
var (
	httpTarget = Target{Addr: netip.MustParseAddrPort("127.0.0.1:8080"), HTTP: "/healthz", Timeout: 3 * time.Second}
	tcpTarget  = Target{Addr: netip.MustParseAddrPort("127.0.0.1:5432")}
	http6      = Target{Addr: netip.MustParseAddrPort("[::1]:8080"), HTTP: "/healthz"}
)

var wantMachine = map[string]elf.Machine{
	"amd64": elf.EM_X86_64, "386": elf.EM_386, "arm64": elf.EM_AARCH64, "arm": elf.EM_ARM,
	"riscv64": elf.EM_RISCV, "ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390,
}

// TestELFStructure checks every probe's headers with debug/elf: a static
// executable (no PT_INTERP, no PT_DYNAMIC), one PT_LOAD that maps the whole
// file read and execute, a PT_GNU_STACK without PF_X, no segment both
// writable and executable, and no sections. It logs the sizes.
func TestELFStructure(t *testing.T) {
	for _, arch := range Arches() {
		var sizes [3]int
		var gz [3]int
		for i, tg := range []Target{tcpTarget, httpTarget, http6} {
			b, err := ELF(arch, "", tg)
			if err != nil {
				t.Fatal(err)
			}
			checkELF(t, arch, b)
			sizes[i], gz[i] = len(b), gzipSize(b)
		}
		t.Logf("%-8s TCP %4d bytes (gzip %3d), HTTP %4d (gzip %3d), HTTP to [::1] %4d", arch, sizes[0], gz[0], sizes[1], gz[1], sizes[2])
		if sizes[1] > 1024 {
			t.Errorf("%s: the HTTP probe is %d bytes; it should stay under 1 KiB", arch, sizes[1])
		}
	}
}

func checkELF(t *testing.T, arch string, b []byte) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: debug/elf: %v", arch, err)
	}
	if f.Type != elf.ET_EXEC || f.Machine != wantMachine[arch] || f.OSABI != elf.ELFOSABI_NONE {
		t.Errorf("%s: type %v, machine %v, OS ABI %v", arch, f.Type, f.Machine, f.OSABI)
	}
	if len(f.Sections) != 0 {
		t.Errorf("%s: %d sections, want none", arch, len(f.Sections))
	}
	var loads, stacks int
	for _, p := range f.Progs {
		if p.Flags&elf.PF_W != 0 && p.Flags&elf.PF_X != 0 {
			t.Errorf("%s: segment %v is writable and executable", arch, p.Type)
		}
		switch p.Type {
		case elf.PT_LOAD:
			loads++
			if p.Flags != elf.PF_R|elf.PF_X || p.Off != 0 || p.Filesz != uint64(len(b)) || p.Memsz != p.Filesz {
				t.Errorf("%s: PT_LOAD %+v, want R+X, the whole file", arch, p.ProgHeader)
			}
			if f.Entry < p.Vaddr || f.Entry >= p.Vaddr+p.Memsz {
				t.Errorf("%s: entry %#x outside the segment", arch, f.Entry)
			}
			if p.Vaddr%p.Align != 0 || p.Align < 0x10000 {
				t.Errorf("%s: PT_LOAD at %#x aligned to %#x; want 64 KiB alignment for 64 KiB-page kernels", arch, p.Vaddr, p.Align)
			}
		case elf.PT_GNU_STACK:
			stacks++
			if p.Flags&elf.PF_X != 0 {
				t.Errorf("%s: PT_GNU_STACK asks for an executable stack", arch)
			}
		case elf.PT_INTERP, elf.PT_DYNAMIC:
			t.Errorf("%s: has %v: not static", arch, p.Type)
		default:
			t.Errorf("%s: unexpected segment %v", arch, p.Type)
		}
	}
	if loads != 1 || stacks != 1 {
		t.Errorf("%s: %d PT_LOAD and %d PT_GNU_STACK, want one of each", arch, loads, stacks)
	}
}

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Len()
}
