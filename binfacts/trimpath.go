package binfacts

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"slices"
	"strings"
)

// trimpathCheck searches the whole file for each of the builder's paths:
// in source file names (the function table, DWARF) and any string that
// holds one. One bytes.Index per path: each is a pass of the file at memory
// speed, about 5 ms for a 60 MB binary. Only a path in what the toolchain
// writes of the build (the function table's file names, the build
// information, DWARF) fails the check: a program's own string may hold
// "/src" as well, which says nothing of -trimpath; such hits are reported.
func trimpathCheck(bin []byte, f *elf.File, e Expect, bi *buildinfo.BuildInfo) Check {
	c := Check{Name: "trimpath", OK: true, Wanted: "none of the builder's paths (trimpath: true)"}
	if !e.Trimpath {
		c.Wanted = "not asked for (trimpath: false)"
	}
	packed := isPacked(bin, f)
	paths := searchPaths(e.BuilderPaths)
	var hits []string
	inStrings := 0 // hits in strings of the program's only
	for _, p := range paths {
		if packed {
			break
		}
		if i := bytes.Index(bin, []byte(p)); i >= 0 {
			hits = append(hits, fmt.Sprintf("%s at offset %#x%s: %q", p, i, inSection(f, uint64(i)), around(bin, i, len(p))))
			if !toolchainWritten(inSection(f, uint64(i))) {
				// The first hit is a string of the program's: look for
				// one in the file names or build information.
				if j := indexInSections(bin, f, []byte(p), toolchainSections); j >= 0 {
					hits = append(hits, fmt.Sprintf("%s at offset %#x%s: %q", p, j, inSection(f, uint64(j)), around(bin, j, len(p))))
				} else {
					inStrings++
				}
			}
		}
	}
	toolchainHits := len(hits) - inStrings
	setting := ""
	if bi != nil {
		v := "absent"
		for _, s := range bi.Settings {
			if s.Key == "-trimpath" {
				v = s.Value
			}
		}
		setting = fmt.Sprintf(" (build settings: -trimpath %s)", v)
	}
	switch {
	case packed:
		// The paths are there, compressed: not finding them says nothing.
		c.OK, c.Info = !e.Trimpath, e.Trimpath
		c.Found = "not measured: the file is packed (UPX) and its bytes compressed; search the binary before packing" + setting
	case len(paths) == 0:
		c.OK, c.Info = !e.Trimpath, e.Trimpath
		c.Found = "not measured: no builder paths given to search for" + setting
	case toolchainHits > 0:
		c.OK = !e.Trimpath
		c.Found = strings.Join(hits, "; ") + setting
	case len(hits) > 0:
		c.Found = "none in the file names or build information; in the program's own strings: " + strings.Join(hits, "; ") + setting
	default:
		c.Found = fmt.Sprintf("none of %s in the file", strings.Join(paths, ", ")) + setting
	}
	return c
}

// searchPaths are the paths to search for, without a trailing slash (GOROOT
// is also written without), without duplicates; the root and relative
// paths would be found anywhere, and are left out.
func searchPaths(in []string) []string {
	var out []string
	for _, p := range in {
		if len(p) > 1 {
			p = strings.TrimRight(p, "/")
		}
		if len(p) < 2 || !strings.HasPrefix(p, "/") || slices.Contains(out, p) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// toolchainSections are the sections in which the toolchain writes paths
// of the build: source file names and the build information.
var toolchainSections = []string{".gopclntab", ".go.buildinfo", ".debug_line", ".debug_info", ".zdebug_line", ".zdebug_info"}

// toolchainWritten reports whether the " in <section>" of a hit names one
// of toolchainSections; a hit outside any section (a stripped binary's
// function table has no section header of its own in some links) counts
// as the toolchain's.
func toolchainWritten(in string) bool {
	name := strings.TrimPrefix(in, " in ")
	return name == "" || slices.Contains(toolchainSections, name)
}

// indexInSections is the file offset of the first p in one of the named
// sections of f, -1 for none.
func indexInSections(bin []byte, f *elf.File, p []byte, names []string) int {
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NOBITS || !slices.Contains(names, s.Name) || s.Offset+s.FileSize > uint64(len(bin)) {
			continue
		}
		if i := bytes.Index(bin[s.Offset:s.Offset+s.FileSize], p); i >= 0 {
			return int(s.Offset) + i
		}
	}
	return -1
}

// inSection names the section holding file offset off, "" for none.
func inSection(f *elf.File, off uint64) string {
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOBITS && off >= s.Offset && off-s.Offset < s.FileSize {
			return " in " + s.Name
		}
	}
	return ""
}

// around is the printable text around bin[i:i+n], at most 40 bytes each
// side: the file name or string the path is part of.
func around(bin []byte, i, n int) string {
	printable := func(c byte) bool { return c >= 0x20 && c < 0x7f }
	start, end := i, i+n
	for start > 0 && i-start < 40 && printable(bin[start-1]) {
		start--
	}
	for end < len(bin) && end-(i+n) < 40 && printable(bin[end]) {
		end++
	}
	return string(bin[start:end])
}

// isPacked is whether bin was packed by UPX: no section headers, and UPX's
// mark after the program headers.
func isPacked(bin []byte, f *elf.File) bool {
	return len(f.Sections) <= 1 && bytes.Contains(bin[:min(len(bin), 4096)], []byte("UPX!"))
}
