package binfacts

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func harden(t *testing.T, bin []byte, e Expect) map[string]Check {
	t.Helper()
	checks, err := Harden(bin, e)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]Check{}
	var names []string
	for _, c := range checks {
		rows[c.Name] = c
		names = append(names, c.Name)
	}
	if want := "stripped static non-executable stack no writable and executable segment trimpath PIE RELRO Go version build settings"; strings.Join(names, " ") != want {
		t.Errorf("rows %q", names)
	}
	return rows
}

// builderPaths are the test build's working directory and GOROOT.
func builderPaths(t *testing.T) []string { return []string{progDir(), goEnv(t, "GOROOT")} }

// The frontend's build passes every check; the informational rows say
// what was built.
func TestHardenStaticStripped(t *testing.T) {
	for _, goarch := range []string{"amd64", "arm64"} {
		t.Run(goarch, func(t *testing.T) {
			rows := harden(t, readBin(t, build(t, variant{goarch: goarch, strip: true, trimpath: true})),
				Expect{Stripped: true, Trimpath: true, BuilderPaths: builderPaths(t)})
			for _, c := range rows {
				if !c.OK {
					t.Errorf("%+v", c)
				}
			}
			for name, found := range map[string][]string{
				"stripped":                           {"none of"},
				"static":                             {"no PT_INTERP"},
				"non-executable stack":               {"PT_GNU_STACK rw-"},
				"no writable and executable segment": {"r-x", "none both"},
				"trimpath":                           {progDir(), "-trimpath true"},
				"Go version":                         {goEnv(t, "GOVERSION")},
				"build settings":                     {"-trimpath=true", "CGO_ENABLED=0", "GOARCH=" + goarch}, // no -ldflags: -trimpath leaves it out
				"PIE":                                {"ET_EXEC"},
				"RELRO":                              {"no PT_DYNAMIC"},
			} {
				for _, s := range found {
					if !strings.Contains(rows[name].Found, s) {
						t.Errorf("%s: %q, want %q in it", name, rows[name].Found, s)
					}
				}
			}
			for name, info := range map[string]bool{"stripped": false, "static": false, "trimpath": false, "Go version": true, "build settings": true, "PIE": true, "RELRO": true} {
				if rows[name].Info != info {
					t.Errorf("%s: Info %v", name, rows[name].Info)
				}
			}
		})
	}
}

// Unstripped, the symbol table and DWARF are found; they fail the check
// only when stripping was asked for.
func TestHardenUnstripped(t *testing.T) {
	bin := readBin(t, build(t, amd64Unstripped))
	c := harden(t, bin, Expect{Stripped: true})["stripped"]
	for _, s := range []string{".symtab (", ".strtab (", ".debug_info (", ".debug_line ("} {
		if !strings.Contains(c.Found, s) {
			t.Errorf("%q: no %s", c.Found, s)
		}
	}
	if c.OK {
		t.Errorf("%+v", c)
	}
	c = harden(t, bin, Expect{})["stripped"]
	if !c.OK || c.Wanted != "not asked for (strip: false)" || !strings.Contains(c.Found, ".symtab") {
		t.Errorf("%+v", c)
	}
}

// A build ID left in .note.go.buildid is found; an empty one is none.
func TestHardenBuildID(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "withid")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir, cmd.Env = progDir(), append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	if err := writeProg(); err != nil {
		t.Fatal(err)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	c := harden(t, readBin(t, out), Expect{Stripped: true})["stripped"]
	if c.OK || !strings.Contains(c.Found, ".note.go.buildid (build ID") {
		t.Errorf("%+v", c)
	}
}

// Without -trimpath, the builder's directory and GOROOT are in the file.
func TestHardenTrimpath(t *testing.T) {
	bin := readBin(t, build(t, variant{goarch: "amd64", strip: true}))
	c := harden(t, bin, Expect{Trimpath: true, BuilderPaths: append(builderPaths(t), "", "/")})["trimpath"]
	if c.OK || !strings.Contains(c.Found, progDir()+" at offset 0x") || !strings.Contains(c.Found, goEnv(t, "GOROOT")+" at offset 0x") ||
		!strings.Contains(c.Found, "in .gopclntab") || !strings.Contains(c.Found, "-trimpath absent") {
		t.Errorf("%+v", c)
	}
	if c := harden(t, bin, Expect{})["build settings"]; !strings.Contains(c.Found, `-ldflags="-buildid= -s -w"`) {
		t.Errorf("%+v", c)
	}
	c = harden(t, bin, Expect{BuilderPaths: builderPaths(t)})["trimpath"]
	if !c.OK || c.Wanted != "not asked for (trimpath: false)" || !strings.Contains(c.Found, progDir()) {
		t.Errorf("%+v", c)
	}
	c = harden(t, bin, Expect{Trimpath: true})["trimpath"]
	if c.OK || !c.Info || !strings.Contains(c.Found, "not measured") {
		t.Errorf("no paths to search for: %+v", c)
	}
	// A path in a string of the program's (crypto/x509 looks for CA
	// bundles under /etc/ssl) is reported, but says nothing of -trimpath.
	trimmed := readBin(t, build(t, variant{goarch: "amd64", strip: true, trimpath: true}))
	c = harden(t, trimmed, Expect{Trimpath: true, BuilderPaths: []string{"/etc/ssl"}})["trimpath"]
	if !c.OK || !strings.Contains(c.Found, "in the program's own strings") || !strings.Contains(c.Found, "/etc/ssl at offset") {
		t.Errorf("a path in a string of the program's: %+v", c)
	}
}

// patchProg is the fixture generator: a copy of bin with the first program
// header of type typ changed by patch, which is given the header's bytes.
func patchProg(t *testing.T, bin []byte, typ elf.ProgType, patch func(o binary.ByteOrder, ph []byte)) []byte {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil || f.Class != elf.ELFCLASS64 {
		t.Fatalf("not a 64-bit ELF file: %v", err)
	}
	o := f.ByteOrder
	out := bytes.Clone(bin)
	phoff, phent := o.Uint64(bin[32:]), uint64(o.Uint16(bin[54:])) // e_phoff, e_phentsize
	for i := range uint64(len(f.Progs)) {
		if ph := out[phoff+i*phent : phoff+(i+1)*phent]; elf.ProgType(o.Uint32(ph)) == typ {
			patch(o, ph)
			return out
		}
	}
	t.Fatalf("no %s", typ)
	return nil
}

// addFlags sets flags in a program header: p_flags follows p_type in ELF64.
func addFlags(fl elf.ProgFlag) func(binary.ByteOrder, []byte) {
	return func(o binary.ByteOrder, ph []byte) { o.PutUint32(ph[4:], o.Uint32(ph[4:])|uint32(fl)) }
}

// An executable stack and a writable code segment are found.
func TestHardenFixtures(t *testing.T) {
	bin := readBin(t, build(t, amd64Stripped))
	rows := harden(t, patchProg(t, bin, elf.PT_GNU_STACK, addFlags(elf.PF_X)), Expect{})
	if c := rows["non-executable stack"]; c.OK || c.Found != "PT_GNU_STACK rwx" {
		t.Errorf("executable stack: %+v", c)
	}
	if c := rows["no writable and executable segment"]; !c.OK {
		t.Errorf("%+v", c)
	}
	rows = harden(t, patchProg(t, bin, elf.PT_LOAD, addFlags(elf.PF_W)), Expect{})
	if c := rows["no writable and executable segment"]; c.OK || !strings.Contains(c.Found, "PT_LOAD rwx at 0x400000") {
		t.Errorf("W+X segment: %+v", c)
	}
	if c := rows["non-executable stack"]; !c.OK {
		t.Errorf("%+v", c)
	}
	noStack := patchProg(t, bin, elf.PT_GNU_STACK, func(o binary.ByteOrder, ph []byte) { o.PutUint32(ph, uint32(elf.PT_NULL)) })
	if c := harden(t, noStack, Expect{})["non-executable stack"]; c.OK || !strings.HasPrefix(c.Found, "no PT_GNU_STACK") {
		t.Errorf("no PT_GNU_STACK: %+v", c)
	}
}

// A cgo binary Go's linker links dynamically names its interpreter and
// libraries, and has no RELRO to speak of only as information.
func TestHardenDynamic(t *testing.T) {
	rows := harden(t, readBin(t, build(t, variant{goarch: "amd64", strip: true, trimpath: true, cgo: "dynamic"})), Expect{Stripped: true})
	if c := rows["static"]; c.OK || !strings.Contains(c.Found, "PT_INTERP /lib") || !strings.Contains(c.Found, "DT_NEEDED libc.so.6") {
		t.Errorf("%+v", c)
	}
	if c := rows["RELRO"]; !c.Info || strings.Contains(c.Found, "no PT_DYNAMIC") {
		t.Errorf("%+v", c)
	}
	if c := rows["build settings"]; !strings.Contains(c.Found, "CGO_ENABLED=1") {
		t.Errorf("%+v", c)
	}
}

// A PIE is position-independent, needs the dynamic linker, and its RELRO
// is measured.
func TestHardenPIE(t *testing.T) {
	rows := harden(t, readBin(t, build(t, variant{goarch: "amd64", strip: true, trimpath: true, pie: true})), Expect{Stripped: true})
	if c := rows["PIE"]; !c.OK || !c.Info || !strings.HasPrefix(c.Found, "ET_DYN: position-independent") {
		t.Errorf("%+v", c)
	}
	if c := rows["RELRO"]; !c.Info || !strings.Contains(c.Found, "PT_GNU_RELRO") {
		t.Errorf("%+v", c)
	}
	if c := rows["static"]; c.OK || !strings.Contains(c.Found, "PT_INTERP") {
		t.Errorf("%+v", c)
	}
}

// A binary packed by UPX cannot be searched for paths: the row says so, as
// information, rather than passing.
func TestHardenPacked(t *testing.T) {
	upx, err := exec.LookPath("upx")
	if err != nil {
		t.Skip("no upx in PATH")
	}
	packed := filepath.Join(t.TempDir(), "packed")
	if err := os.WriteFile(packed, readBin(t, build(t, variant{goarch: "amd64", strip: true})), 0o755); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(upx, "-q", packed).CombinedOutput(); err != nil {
		t.Fatalf("upx: %v\n%s", err, b)
	}
	c := harden(t, readBin(t, packed), Expect{Trimpath: true, BuilderPaths: builderPaths(t)})["trimpath"]
	if c.OK || !c.Info || !strings.Contains(c.Found, "packed (UPX)") {
		t.Errorf("%+v", c)
	}
	if _, err := Attribute(readBin(t, packed)); err == nil {
		t.Error("Attribute read a packed binary")
	}
}

func TestHardenNotELF(t *testing.T) {
	if _, err := Harden([]byte("#!/bin/sh\n"), Expect{}); err == nil {
		t.Error("no error")
	}
}
