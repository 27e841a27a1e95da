package binfacts

import (
	"debug/buildinfo"
	"strings"
)

// Module paths of code no Go module holds.
const (
	StdlibModule  = "stdlib"         // the standard library; its Version is the Go version
	CModule       = "C code"         // code the C compiler made: cgo's, libc's, the C start-up files
	UnknownModule = "unknown module" // a package no module of the build information holds
)

// module is a module of the build information.
type module struct {
	path, version, replace string
}

// moduleIndex ties packages to the modules of a binary's build information.
type moduleIndex struct {
	main    module
	mainPkg string // import path of the main package, which symbols call "main"
	std     module
	deps    map[string]module
}

// newModuleIndex indexes bi, which may be nil (no build information: then
// only the standard library and the main package are told apart).
func newModuleIndex(bi *buildinfo.BuildInfo) *moduleIndex {
	x := &moduleIndex{main: module{path: "main"}, mainPkg: "main", std: module{path: StdlibModule}, deps: map[string]module{}}
	if bi == nil {
		return x
	}
	x.std.version = bi.GoVersion
	if bi.Main.Path != "" {
		x.main = module{path: bi.Main.Path, version: bi.Main.Version}
		x.deps[bi.Main.Path] = x.main
	}
	if bi.Path != "" {
		x.mainPkg = bi.Path
	}
	for _, d := range bi.Deps {
		m := module{path: d.Path, version: d.Version}
		if r := d.Replace; r != nil {
			m.replace = strings.TrimSpace(r.Path + " " + r.Version)
		}
		x.deps[d.Path] = m
	}
	return x
}

// packageOf is the import path of the package of the function named sym, ""
// when the name does not say. The main package is given its import path.
func (x *moduleIndex) packageOf(sym string) string {
	pkg := symbolPackage(sym)
	switch {
	case pkg == "":
		return ""
	case pkg == "main":
		return x.mainPkg
	}
	if _, ok := x.lookup(pkg); ok || isStd(pkg) {
		return pkg
	}
	// A name whose last path element's dots were not escaped
	// (gopkg.in/yaml.v3.F read as gopkg.in/yaml): the longest module path
	// the name starts with, followed by a dot, is its package.
	name, best := unescapePath(sym), ""
	for p := range x.deps {
		if len(p) > len(best) && len(name) > len(p) && name[len(p)] == '.' && strings.HasPrefix(name, p) {
			best = p
		}
	}
	if best != "" {
		return best
	}
	return pkg
}

// moduleOf is the module of package pkg: the longest module path that is pkg
// or a parent of it; the standard library for a path whose first element has
// no dot; UnknownModule for others.
func (x *moduleIndex) moduleOf(pkg string) module {
	if m, ok := x.lookup(pkg); ok {
		return m
	}
	if pkg == x.mainPkg {
		return x.main
	}
	if isStd(pkg) {
		return x.std
	}
	return module{path: UnknownModule}
}

func (x *moduleIndex) lookup(pkg string) (module, bool) {
	for p := pkg; ; {
		if m, ok := x.deps[p]; ok {
			return m, true
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return module{}, false
		}
		p = p[:i]
	}
}

// isStd is whether pkg is of the standard library: no dot in its first path
// element (runtime, net/http, vendor/golang.org/x/net/...). The main
// package, "main" in symbols, is not.
func isStd(pkg string) bool {
	first, _, _ := strings.Cut(pkg, "/")
	return !strings.Contains(first, ".") && pkg != "main"
}
