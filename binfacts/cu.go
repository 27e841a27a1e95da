package binfacts

import (
	"maps"
	"path"
	"slices"
	"strings"
)

// unitPackages gives a package to functions whose names give none: static
// assembly functions (cmpbody, expandAVX512_8, _rt0_amd64), compiler-made
// wrappers and equality functions of unnamed types (go:struct {...}.M,
// type:.eq.struct {...}). Each function is of a compilation unit, one object
// file: a package's Go code or one of its assembly files. A unit is the
// package most of its named functions are of; a unit none is named in, the
// package of its source directory, read through what the named units show
// of how directories map to packages (under -trimpath, dir is the package,
// less a module's @version; without, GOROOT/src/ and the module cache are
// prefixes to drop).
func unitPackages(t *funcTable, named []string) map[uint32]string {
	votes := map[uint32]map[string]int{}
	first := map[uint32]*goFunc{} // a function of each unit with a file table, for the unit's directory
	for i := range t.funcs {
		fn := &t.funcs[i]
		if fn.cu == noCU {
			continue
		}
		if first[fn.cu] == nil && fn.pcfile != 0 {
			first[fn.cu] = fn
		}
		if named[i] == "" {
			continue
		}
		if votes[fn.cu] == nil {
			votes[fn.cu] = map[string]int{}
		}
		votes[fn.cu][named[i]]++
	}
	units := map[uint32]string{}
	dirs := dirMap{}
	for _, cu := range slices.Sorted(maps.Keys(votes)) { // in order: the first unit of a directory is the one learnt
		v := votes[cu]
		best := ""
		for p, n := range v {
			if n > v[best] || (n == v[best] && p < best) {
				best = p
			}
		}
		units[cu] = best
		if fn := first[cu]; fn != nil {
			dirs.learn(sourceDir(t.fileOf(fn)), best)
		}
	}
	for cu, fn := range first {
		if _, ok := units[cu]; !ok {
			if p := dirs.packageOf(sourceDir(t.fileOf(fn))); p != "" {
				units[cu] = p
			}
		}
	}
	return units
}

// sourceDir is the directory of a source file, less a module's @version
// (gopkg.in/yaml.v3@v3.0.1/decode.go: gopkg.in/yaml.v3).
func sourceDir(file string) string {
	if file == "" {
		return ""
	}
	dir := path.Dir(file)
	if at := strings.IndexByte(dir, '@'); at >= 0 {
		end := strings.IndexByte(dir[at:], '/')
		if end < 0 {
			return dir[:at]
		}
		dir = dir[:at] + dir[at+end:]
	}
	return dir
}

// dirMap maps a directory prefix to the package path prefix it stands for:
// "" to "" under -trimpath, /usr/local/go/src to "" without, a main
// module's directory to its path.
type dirMap map[string]string

// learn adds what a unit of package pkg in directory dir shows: the
// directory less the path elements it ends with in common with pkg stands
// for pkg less them.
func (m dirMap) learn(dir, pkg string) {
	if dir == "" || dir == "." || pkg == "" {
		return
	}
	d, p := dir, pkg
	for {
		de, pe := path.Base(d), path.Base(p)
		if de != pe || d == "/" || d == "." {
			break
		}
		d, p = parentDir(d), parentDir(p)
		if d == "" || p == "" {
			break
		}
	}
	if _, ok := m[d]; !ok {
		m[d] = p
	}
}

// packageOf is the package of directory dir, "" when no prefix learned
// covers it.
func (m dirMap) packageOf(dir string) string {
	if dir == "" || dir == "." {
		return ""
	}
	for d := dir; ; d = parentDir(d) {
		// The empty prefix (-trimpath's) is for relative directories.
		if p, ok := m[d]; ok && (d != "" || !strings.HasPrefix(dir, "/")) {
			rest := strings.TrimPrefix(dir[len(d):], "/")
			if p == "" || rest == "" {
				return p + rest
			}
			return p + "/" + rest
		}
		if d == "" || d == "/" {
			return ""
		}
	}
}

// parentDir is dir less its last element: "" for a single element or the
// root, "/" for an element under the root.
func parentDir(dir string) string {
	i := strings.LastIndexByte(dir, '/')
	switch {
	case i < 0 || dir == "/":
		return ""
	case i == 0:
		return "/"
	}
	return dir[:i]
}
