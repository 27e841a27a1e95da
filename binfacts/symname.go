package binfacts

import "strings"

// symbolPackage is the import path of the package a function's symbol name
// says it is of, "" when the name says none. Names are those of the linker:
//
//	net/http.(*Server).Serve          method: net/http
//	main.main.func1                   closure: main
//	slices.SortFunc[go.shape.[]uint8] generic instance: slices (the brackets
//	                                  may hold any path, and are cut first)
//	gopkg.in/yaml%2ev3.(*parser).x    the linker escapes the dots of a
//	                                  path's last element: gopkg.in/yaml.v3
//	github.com/a/b.c/d.F              dots before the last slash are kept
//	type:.eq.[2]net/netip.Addr        equality or hash function generated
//	                                  for a type: the package of the named
//	                                  type under the array, slice and
//	                                  pointer, none for struct {...} and
//	                                  go.shape types
//	go:struct { ... }.M, go:textfipsstart
//	                                  made by the compiler or linker: none
//
// A name without the escape ("gopkg.in/yaml.v3.F") gives "gopkg.in/yaml"
// here; modules.packageOf puts it right from the module list.
func symbolPackage(name string) string {
	if rest, ok := strings.CutPrefix(name, "type:."); ok {
		if i := strings.IndexByte(rest, '.'); i >= 0 {
			return typePackage(rest[i+1:])
		}
		return ""
	}
	if strings.HasPrefix(name, "go:") || strings.HasPrefix(name, "type:") {
		return ""
	}
	return qualifiedPackage(name)
}

// typePackage is the package of the named type t is made of, "" for an
// unnamed or shape type.
func typePackage(t string) string {
	for {
		switch {
		case strings.HasPrefix(t, "*"):
			t = t[1:]
		case strings.HasPrefix(t, "[]"):
			t = t[2:]
		case strings.HasPrefix(t, "["): // [N]
			i := strings.IndexByte(t, ']')
			if i < 0 {
				return ""
			}
			t = t[i+1:]
		case strings.HasPrefix(t, "go.shape."):
			return ""
		default:
			return qualifiedPackage(t)
		}
	}
}

// qualifiedPackage is the package of a qualified name, pkg.Name...: up to the
// first dot after the last slash, before any type arguments.
func qualifiedPackage(name string) string {
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	slash := strings.LastIndexByte(name, '/')
	dot := strings.IndexByte(name[slash+1:], '.')
	if dot <= 0 {
		return ""
	}
	pkg := name[:slash+1+dot]
	// What is left of an unnamed type (struct { a int; b x.T }) or a
	// C name is no import path.
	if pkg[0] == '/' || !importPathChars(pkg) {
		return ""
	}
	return unescapePath(pkg)
}

// importPathChars is whether s has no byte that cannot be in an import
// path as symbols write it.
func importPathChars(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '{', '}', '(', ')', '*', ';', ',', ':', '"':
			return false
		}
	}
	return true
}

// unescapePath undoes the linker's escaping of a package path in symbol
// names (cmd/internal/objabi.PathToPrefix): %xx for a byte, a dot of the
// last element among them.
func unescapePath(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if hi, lo := unhex(s[i+1]), unhex(s[i+2]); hi >= 0 && lo >= 0 {
				b.WriteByte(byte(hi<<4 | lo))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}
