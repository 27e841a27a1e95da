package binfacts

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"os/exec"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func attribute(t *testing.T, path string) *Attribution {
	t.Helper()
	a, err := Attribute(readBin(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The parts add up exactly to the file's size, the modules to the code
// part, and the unattributed code is its part; in every kind of build.
func TestPartsAddUp(t *testing.T) {
	for _, v := range []variant{amd64Stripped, amd64Unstripped, {goarch: "arm64", strip: true, trimpath: true},
		{goarch: "amd64", strip: true}, {goarch: "amd64", strip: true, trimpath: true, cgo: "external"},
		{goarch: "amd64", trimpath: true, cgo: "external"}, {goarch: "amd64", strip: true, trimpath: true, cgo: "dynamic"},
		{goarch: "amd64", strip: true, trimpath: true, pie: true}, {goarch: "arm", strip: true, trimpath: true}} {
		t.Run(v.String(), func(t *testing.T) {
			a := attribute(t, build(t, v))
			var sum, mods int64
			parts := map[string]int64{}
			for _, p := range a.Parts {
				if p.Bytes <= 0 || !slices.Contains(partOrder, p.Name) || parts[p.Name] != 0 {
					t.Errorf("part %+v", p)
				}
				parts[p.Name] = p.Bytes
				sum += p.Bytes
			}
			for _, m := range a.Modules {
				mods += m.Bytes
				var pkgs int64
				for _, p := range m.Packages {
					pkgs += p.Bytes
					if len(p.Functions) > maxFuncs {
						t.Errorf("%s lists %d functions", p.Path, len(p.Functions))
					}
				}
				if pkgs != m.Bytes {
					t.Errorf("module %s: %d bytes, its packages %d", m.Path, m.Bytes, pkgs)
				}
			}
			if sum != a.Size {
				t.Errorf("parts add up to %d, the file has %d bytes: %+v", sum, a.Size, a.Parts)
			}
			if mods != parts[PartCode] || a.Unattributed != parts[PartUnattributedCode] {
				t.Errorf("modules %d, code %d; unattributed %d, its part %d", mods, parts[PartCode], a.Unattributed, parts[PartUnattributedCode])
			}
			if parts[PartFunctionTable] == 0 || parts[PartReadOnlyData] == 0 || parts[PartData] == 0 || parts[PartBuildInfo] == 0 || parts[PartHeaders] == 0 {
				t.Errorf("a part is missing: %+v", a.Parts)
			}
			if parts[PartUnattributed] > 64 || a.Unattributed > parts[PartCode]/1000 {
				t.Errorf("unattributed: %d bytes, %d bytes of code: %+v", parts[PartUnattributed], a.Unattributed, a.Parts)
			}
			if v.strip && (parts[PartSymbolTable] != 0 || parts[PartDebug] != 0) || !v.strip && (parts[PartSymbolTable] == 0 || parts[PartDebug] == 0) {
				t.Errorf("symbol table %d, debug information %d bytes", parts[PartSymbolTable], parts[PartDebug])
			}
		})
	}
}

// The modules are those of the build information, with their versions, and
// each package is where it belongs.
func TestModules(t *testing.T) {
	a := attribute(t, build(t, amd64Stripped))
	mods := map[string]ModuleSize{}
	for _, m := range a.Modules {
		mods[m.Path] = m
	}
	if m := mods[StdlibModule]; m.Version != goEnv(t, "GOVERSION") || !hasPackage(m, "net/http") || !hasPackage(m, "runtime") {
		t.Errorf("stdlib: %s, packages %v", m.Version, packagePaths(m))
	}
	if a.Modules[0].Path != StdlibModule {
		t.Errorf("largest module %s", a.Modules[0].Path)
	}
	for path, want := range map[string][]string{"gopkg.in/yaml.v3": {"v3.0.1", "gopkg.in/yaml.v3"},
		"golang.org/x/sync": {"v0.23.0", "golang.org/x/sync/errgroup"}, "example.com/prog": {"(devel)", "example.com/prog"}} {
		m := mods[path]
		if m.Version != want[0] || !slices.Equal(packagePaths(m), want[1:]) || m.Bytes == 0 {
			t.Errorf("%s: %q, %d bytes, packages %v; want %s with %v", path, m.Version, m.Bytes, packagePaths(m), want[0], want[1:])
		}
	}
	if main := mods["example.com/prog"]; len(main.Packages) == 1 && !slices.ContainsFunc(main.Packages[0].Functions, func(f FuncSize) bool { return f.Name == "main.main" }) {
		t.Errorf("main.main not in %v", main.Packages[0].Functions)
	}
	if yaml := mods["gopkg.in/yaml.v3"]; len(yaml.Packages) == 1 && !strings.HasPrefix(yaml.Packages[0].Functions[0].Name, "gopkg.in/yaml.v3.") {
		t.Errorf("yaml's largest function %q: the path is not unescaped", yaml.Packages[0].Functions[0].Name)
	}
	if len(mods) != 4 {
		t.Errorf("modules %v", slices.Collect(func(yield func(string) bool) {
			for p := range mods {
				yield(p)
			}
		}))
	}
}

func hasPackage(m ModuleSize, path string) bool { return slices.Contains(packagePaths(m), path) }

func packagePaths(m ModuleSize) []string {
	var out []string
	for _, p := range m.Packages {
		out = append(out, p.Path)
	}
	return out
}

// Assembly functions named without a package (cmpbody, expandAVX512_8) are
// of their compilation unit's package, and C code linked by Go's linker is
// C code.
func TestUnitPackages(t *testing.T) {
	for _, c := range []struct {
		v    variant
		fn   string
		want string
	}{
		{amd64Stripped, "cmpbody", "internal/bytealg"},
		{amd64Stripped, "expandAVX512_8", "internal/runtime/gc/scan"},
		{amd64Stripped, "_rt0_amd64", "runtime"},
		{variant{goarch: "amd64", strip: true}, "expandAVX512_8", "internal/runtime/gc/scan"}, // absolute file names
		{variant{goarch: "amd64", strip: true, trimpath: true, cgo: "dynamic"}, "x_cgo_init", "C"},
	} {
		t.Run(c.v.String()+"/"+c.fn, func(t *testing.T) {
			bin := readBin(t, build(t, c.v))
			f, _ := openELF(bin)
			bi, err := buildinfo.Read(bytes.NewReader(bin))
			if err != nil {
				t.Fatal(err)
			}
			cb, err := attributeCode(bin, f, bi)
			if err != nil {
				t.Fatal(err)
			}
			pkgs := map[string]*pkgBytes{"C": &cb.c}
			for p, b := range cb.pkgs {
				pkgs[p] = b
			}
			var in []string
			for p, b := range pkgs {
				if slices.ContainsFunc(b.funcs, func(f FuncSize) bool { return f.Name == c.fn }) {
					in = append(in, p)
				}
			}
			if !slices.Equal(in, []string{c.want}) {
				t.Errorf("%s is in %v, want %s", c.fn, in, c.want)
			}
		})
	}
}

// nmSymbol is a text symbol go tool nm reports.
type nmSymbol struct {
	addr, size uint64
	name       string
}

var nmLine = regexp.MustCompile(`^\s*([0-9a-f]+)\s+(\d+)\s+([A-Za-z])\s+(.*)$`)

// nm runs go tool nm -size -sort size on an unstripped binary.
func nm(t *testing.T, path string) (text []nmSymbol, addrs map[string]uint64) {
	t.Helper()
	out, err := exec.Command("go", "tool", "nm", "-size", "-sort", "size", path).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	addrs = map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := nmLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		addr, _ := strconv.ParseUint(m[1], 16, 64)
		size, _ := strconv.ParseUint(m[2], 10, 64)
		addrs[m[4]] = addr
		if m[3] == "T" || m[3] == "t" {
			text = append(text, nmSymbol{addr, size, m[4]})
		}
	}
	return text, addrs
}

// Attribute's code bytes per module, from the stripped binary's function
// table, agree with the sizes go tool nm gives the unstripped binary's
// symbols, summed per module the same way (by name; nm's symbols whose name
// says no package are left out of every module, so Attribute, which ties
// most of them to a package by their compilation unit, may count a little
// more). The unstripped binary's code is the stripped one's, byte for
// byte, and Attribute says the same of both.
func TestAgainstNM(t *testing.T) {
	for _, goarch := range []string{"amd64", "arm64", "arm"} {
		t.Run(goarch, func(t *testing.T) {
			strippedPath := build(t, variant{goarch: goarch, strip: true, trimpath: true})
			unstrippedPath := build(t, variant{goarch: goarch, trimpath: true})
			stripped, unstripped := readBin(t, strippedPath), readBin(t, unstrippedPath)
			if a, b := textOf(t, stripped), textOf(t, unstripped); !bytes.Equal(a, b) {
				t.Fatalf("the stripped and unstripped builds' .text differ (%d and %d bytes)", len(a), len(b))
			}
			as, au := attribute(t, strippedPath), attribute(t, unstrippedPath)
			if !reflect.DeepEqual(as.Modules, au.Modules) || as.Unattributed != au.Unattributed || !reflect.DeepEqual(codeParts(as), codeParts(au)) {
				t.Errorf("stripped and unstripped differ: %+v\n%+v", codeParts(as), codeParts(au))
			}

			syms, addrs := nm(t, unstrippedPath)
			bi, err := buildinfo.Read(bytes.NewReader(stripped))
			if err != nil {
				t.Fatal(err)
			}
			x := newModuleIndex(bi)
			nmBytes := map[string]int64{}
			var nmTotal, code int64
			for _, s := range syms {
				mod := "(no package)"
				if pkg := x.packageOf(s.name); pkg != "" {
					mod = x.moduleOf(pkg).path
				}
				nmBytes[mod] += int64(s.size)
				nmTotal += int64(s.size)
			}
			for _, m := range as.Modules {
				code += m.Bytes
			}
			var table strings.Builder
			fmt.Fprintf(&table, "%-20s %10s %10s %8s\n", "module", "nm", "Attribute", "diff")
			for _, m := range as.Modules {
				d := 100 * float64(m.Bytes-nmBytes[m.Path]) / float64(max(nmBytes[m.Path], 1))
				fmt.Fprintf(&table, "%-20s %10d %10d %+7.2f%%\n", m.Path, nmBytes[m.Path], m.Bytes, d)
				if m.Bytes*100 > code && (d > 3 || d < -3) {
					t.Errorf("%s: nm %d, Attribute %d bytes", m.Path, nmBytes[m.Path], m.Bytes)
				}
			}
			fmt.Fprintf(&table, "%-20s %10d %10s\n", "(no package)", nmBytes["(no package)"], "")
			d := 100 * float64(code-nmTotal) / float64(nmTotal)
			fmt.Fprintf(&table, "%-20s %10d %10d %+7.2f%%\n", "total", nmTotal, code, d)
			t.Logf("%s, %d bytes stripped:\n%s", goarch, len(stripped), table.String())
			if d > 1 || d < -1 {
				t.Errorf("total: nm %d, Attribute %d bytes", nmTotal, code)
			}

			// Go's linker puts its type range over the whole of
			// .rodata: were it to bound the type descriptors alone,
			// "read-only data" could be split into "type data".
			if addrs["runtime.types"] != addrs["runtime.rodata"] || addrs["runtime.etypes"] != addrs["runtime.erodata"] {
				t.Errorf("runtime.types..etypes %#x..%#x is not .rodata %#x..%#x: split type data out of read-only data",
					addrs["runtime.types"], addrs["runtime.etypes"], addrs["runtime.rodata"], addrs["runtime.erodata"])
			}
		})
	}
}

func textOf(t *testing.T, bin []byte) []byte {
	t.Helper()
	f, err := openELF(bin)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sectionData(bin, f.Section(".text"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// codeParts are the parts that stripping does not change.
func codeParts(a *Attribution) []Part {
	var out []Part
	for _, p := range a.Parts {
		switch p.Name {
		case PartCode, PartUnattributedCode, PartFunctionPadding, PartFunctionTable, PartReadOnlyData, PartTypeLinks, PartBuildInfo:
			out = append(out, p)
		}
	}
	return out
}

// An externally linked binary has C code around Go's: it is the module
// "C code", and the Go modules are found as in a binary Go's linker links.
func TestExternallyLinked(t *testing.T) {
	a := attribute(t, build(t, variant{goarch: "amd64", strip: true, trimpath: true, cgo: "external"}))
	internal := attribute(t, build(t, amd64Stripped))
	var c *ModuleSize
	for i, m := range a.Modules {
		if m.Path == CModule {
			c = &a.Modules[i]
		}
	}
	if c == nil || c.Bytes == 0 {
		t.Fatalf("no C code: %+v", a.Modules)
	}
	for _, m := range internal.Modules {
		for _, e := range a.Modules {
			if e.Path == m.Path && e.Path != StdlibModule && e.Bytes != m.Bytes {
				t.Errorf("%s: %d bytes linked externally, %d by Go's linker", m.Path, e.Bytes, m.Bytes)
			}
		}
	}
	for _, m := range internal.Modules {
		if m.Path == CModule {
			t.Errorf("C code in a binary Go's linker linked alone: %+v", m)
		}
	}
}

// Attribute refuses what is no Go ELF binary.
func TestNotGo(t *testing.T) {
	for name, bin := range map[string][]byte{"empty": nil, "text": []byte("#!/bin/sh\necho hi\n")} {
		if _, err := Attribute(bin); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	bin := readBin(t, build(t, amd64Stripped))
	f, _ := openELF(bin)
	s := f.Section(".gopclntab")
	noTable := bytes.Clone(bin)
	clear(noTable[s.Offset : s.Offset+s.FileSize])
	if _, err := Attribute(noTable); err == nil {
		t.Error("no error for a binary without its function table")
	}
	if _, err := elf.NewFile(bytes.NewReader(noTable)); err != nil {
		t.Fatal(err)
	}
}
