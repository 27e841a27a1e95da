package probe

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/arch/arm/armasm"
	"golang.org/x/arch/arm64/arm64asm"
	"golang.org/x/arch/ppc64/ppc64asm"
	"golang.org/x/arch/riscv64/riscv64asm"
	"golang.org/x/arch/s390x/s390xasm"
	"golang.org/x/arch/x86/x86asm"
)

// disassemblers decode one instruction of an architecture: its length and
// its text (GNU syntax), and whether it is the system call instruction.
var disassemblers = map[string]func(code []byte, pc uint64) (int, string, bool, error){
	"amd64": func(code []byte, pc uint64) (int, string, bool, error) { return decodeX86(code, pc, 64) },
	"386":   func(code []byte, pc uint64) (int, string, bool, error) { return decodeX86(code, pc, 32) },
	"arm64": func(code []byte, pc uint64) (int, string, bool, error) {
		i, err := arm64asm.Decode(code)
		return 4, arm64asm.GNUSyntax(i), i.Op == arm64asm.SVC, err
	},
	"arm": func(code []byte, pc uint64) (int, string, bool, error) {
		i, err := armasm.Decode(code, armasm.ModeARM)
		return i.Len, armasm.GNUSyntax(i), i.Op == armasm.SVC, err
	},
	"riscv64": func(code []byte, pc uint64) (int, string, bool, error) {
		i, err := riscv64asm.Decode(code)
		return i.Len, riscv64asm.GNUSyntax(i), i.Op == riscv64asm.ECALL, err
	},
	"ppc64le": func(code []byte, pc uint64) (int, string, bool, error) {
		i, err := ppc64asm.Decode(code, binary.LittleEndian)
		return i.Len, ppc64asm.GNUSyntax(i, pc), i.Op == ppc64asm.SC, err
	},
	"s390x": func(code []byte, pc uint64) (int, string, bool, error) {
		i, err := s390xasm.Decode(code)
		return i.Len, s390xasm.GNUSyntax(i, pc), i.Op == s390xasm.SVC, err
	},
}

func decodeX86(code []byte, pc uint64, mode int) (int, string, bool, error) {
	i, err := x86asm.Decode(code, mode)
	sys := i.Op == x86asm.SYSCALL || i.Op == x86asm.INT
	return i.Len, x86asm.IntelSyntax(i, pc, nil), sys, err
}

// TestDisassembly decodes each probe's code with golang.org/x/arch, from
// its first instruction to the end of the file: every instruction must
// decode, and the code must hold one system call instruction per call it
// makes (exit, rt_sigaction, rt_sigprocmask, setitimer, socket, connect;
// then sendto and read for HTTP). With -v it logs the listings.
func TestDisassembly(t *testing.T) {
	for _, arch := range Arches() {
		for _, tc := range []struct {
			target Target
			calls  int
		}{{tcpTarget, 6}, {httpTarget, 8}} {
			b, err := ELF(arch, "", tc.target)
			if err != nil {
				t.Fatal(err)
			}
			start := codeStart(t, arch, tc.target)
			var listing strings.Builder
			calls := 0
			for off := start; off < uint64(len(b)); {
				pc := baseAddr + off
				n, text, sys, err := disassemblers[arch](b[off:], pc)
				if err != nil || n <= 0 {
					t.Fatalf("%s: no instruction at %#x (% x): %v\n%s", arch, pc, b[off:min(off+8, uint64(len(b)))], err, &listing)
				}
				fmt.Fprintf(&listing, "%#x  % -20x %s\n", pc, b[off:off+uint64(n)], text)
				if sys {
					calls++
				}
				off += uint64(n)
			}
			if calls != tc.calls {
				t.Errorf("%s: %d system call instructions, want %d:\n%s", arch, calls, tc.calls, &listing)
			}
			if tc.target.HTTP != "" {
				t.Logf("%s:\n%s", arch, &listing)
			}
		}
	}
}

// codeStart is the file offset of the probe's code: its first instruction
// is the SIGALRM handler, so also the handler's address minus baseAddr.
func codeStart(t *testing.T, arch string, tg Target) uint64 {
	r, err := resolve(tg)
	if err != nil {
		t.Fatal(err)
	}
	ar := archs[arch]
	d := newRodata(ar, baseAddr+uint64(elfHeaderSize(ar.class)), r)
	return d.code - baseAddr
}
