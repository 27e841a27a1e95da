package security

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// What the vulnerability check's result depends on in the module's own
// code. govulncheck decides what a program can call from its call graph
// (go/ssa and VTA, which fold no constant: "if false" keeps both branches),
// so the values of literals do not change it, nor do comments, positions,
// or declarations that call nothing and give no value a type with
// methods. SourceDigest hashes the rest; the check step is keyed by that
// digest instead of the sources, so that most edits (a changed message,
// a new constant, an added variable set in an init) rerun go build but not
// the check. A Locator keeps a position of the check's call paths across
// such edits.

// SourceDigest is the hash of what the vulnerability check's result can
// depend on in the Go files of the module's own packages, by path
// relative to the module: each file's package clause, imports, compiler
// directives (//go:, //line, // +build) and cgo preamble, and each
// top-level declaration in order, as its syntax tree without positions,
// comments or literal values (their kind is kept; import paths and struct
// tags are kept whole), except the declarations that are inert
// (inertDecl). A file that does not parse is hashed whole.
func SourceDigest(files map[string][]byte) string {
	h := sha256.New()
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range files {
			if !yield(n) {
				return
			}
		}
	})
	// The predeclared type names a package redeclares: a variable of such
	// a type is no longer inert.
	shadowed := map[string]map[string]bool{}
	parsed := map[string]*ast.File{}
	fset := token.NewFileSet()
	for _, n := range names {
		f, err := parser.ParseFile(fset, n, files[n], parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		parsed[n] = f
		dir := path.Dir(n)
		if shadowed[dir] == nil {
			shadowed[dir] = map[string]bool{}
		}
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
				for _, s := range g.Specs {
					shadowed[dir][s.(*ast.TypeSpec).Name.Name] = true
				}
			}
		}
	}
	for _, n := range names {
		fmt.Fprintf(h, "file %q\n", n)
		f := parsed[n]
		if f == nil {
			fmt.Fprintf(h, "unparsed %x\n", sha256.Sum256(files[n]))
			continue
		}
		fmt.Fprintf(h, "package %s\n", f.Name.Name)
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if isDirective(c.Text) {
					fmt.Fprintf(h, "directive %q\n", c.Text)
				}
			}
		}
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
				for _, s := range g.Specs {
					is := s.(*ast.ImportSpec)
					fmt.Fprintf(h, "import %s %s\n", identName(is.Name), is.Path.Value)
					if is.Path.Value == `"C"` && g.Doc != nil {
						fmt.Fprintf(h, "cgo %q\n", g.Doc.Text())
					}
				}
				continue
			}
			if inertDecl(d, shadowed[path.Dir(n)]) {
				continue
			}
			fmt.Fprintf(h, "decl %s\n", declKey(d))
			writeShape(h, reflect.ValueOf(d))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// isDirective reports whether a comment tells the compiler something.
func isDirective(c string) bool {
	return strings.HasPrefix(c, "//go:") || strings.HasPrefix(c, "//line ") || strings.HasPrefix(c, "/*line ") || strings.HasPrefix(c, "// +build")
}

func identName(id *ast.Ident) string {
	if id == nil {
		return "_default"
	}
	return id.Name
}

// writeShape writes the syntax tree at v without positions, comments,
// resolved objects or literal values.
func writeShape(w io.Writer, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			io.WriteString(w, "nil ")
			return
		}
		switch n := v.Interface().(type) {
		case *ast.CommentGroup, *ast.Object, *ast.Scope:
			return
		case *ast.BasicLit:
			fmt.Fprintf(w, "lit %s ", n.Kind)
			return
		case *ast.Field:
			if n.Tag != nil {
				// Struct tags are part of a struct type's identity.
				fmt.Fprintf(w, "tag %s ", n.Tag.Value)
			}
		}
		writeShape(w, v.Elem())
	case reflect.Struct:
		fmt.Fprintf(w, "%s{", v.Type().Name())
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).Type == reflect.TypeFor[token.Pos]() {
				continue
			}
			writeShape(w, v.Field(i))
		}
		io.WriteString(w, "} ")
	case reflect.Slice:
		fmt.Fprintf(w, "[%d ", v.Len())
		for i := 0; i < v.Len(); i++ {
			writeShape(w, v.Index(i))
		}
		io.WriteString(w, "] ")
	case reflect.String:
		fmt.Fprintf(w, "%q ", v.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		fmt.Fprintf(w, "%d ", v.Int())
	case reflect.Bool:
		fmt.Fprintf(w, "%t ", v.Bool())
	}
}

// inertDecl reports whether a top-level declaration can change no call a
// program makes, whatever the rest of it: a function without a receiver
// whose body only assigns literal values to plain names (a method would
// change its type's method set), or a variable without a type, or of a
// predeclared basic type the package does not redeclare, whose values are
// literals. Constants are not inert: their type can give a value methods.
func inertDecl(d ast.Decl, shadowed map[string]bool) bool {
	switch d := d.(type) {
	case *ast.FuncDecl:
		return d.Recv == nil && d.Type.TypeParams == nil && d.Body != nil && inertStmts(d.Body.List)
	case *ast.GenDecl:
		if d.Tok != token.VAR {
			return false
		}
		for _, s := range d.Specs {
			if !inertVar(s.(*ast.ValueSpec), shadowed) {
				return false
			}
		}
		return true
	}
	return false
}

func inertVar(s *ast.ValueSpec, shadowed map[string]bool) bool {
	if s.Type != nil {
		id, ok := s.Type.(*ast.Ident)
		if !ok || !basicTypes[id.Name] || shadowed[id.Name] {
			return false
		}
	}
	return !slices.ContainsFunc(s.Values, func(e ast.Expr) bool { return !inertExpr(e) })
}

// basicTypes are the predeclared types that have no methods.
var basicTypes = map[string]bool{
	"bool": true, "string": true, "int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"byte": true, "rune": true, "float32": true, "float64": true, "complex64": true, "complex128": true,
}

func inertStmts(list []ast.Stmt) bool {
	for _, s := range list {
		switch s := s.(type) {
		case *ast.EmptyStmt:
		case *ast.AssignStmt:
			for _, l := range s.Lhs {
				if _, ok := l.(*ast.Ident); !ok {
					return false
				}
			}
			for _, r := range s.Rhs {
				if !inertExpr(r) {
					return false
				}
			}
		case *ast.IncDecStmt:
			if _, ok := s.X.(*ast.Ident); !ok {
				return false
			}
		case *ast.BlockStmt:
			if !inertStmts(s.List) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// inertExpr: a literal, true, false, nil, or arithmetic on them.
func inertExpr(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.Ident:
		return e.Name == "true" || e.Name == "false" || e.Name == "nil"
	case *ast.ParenExpr:
		return inertExpr(e.X)
	case *ast.UnaryExpr:
		return e.Op != token.AND && e.Op != token.ARROW && inertExpr(e.X)
	case *ast.BinaryExpr:
		return inertExpr(e.X) && inertExpr(e.Y)
	}
	return false
}

// declKey names a top-level declaration: "func init", "func (*T).Serve",
// "var x", "type T"; declarations of the same key in a file are told apart
// by their order (declKeys).
func declKey(d ast.Decl) string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) == 1 {
			return "func (" + recvName(d.Recv.List[0].Type) + ")." + d.Name.Name
		}
		return "func " + d.Name.Name
	case *ast.GenDecl:
		var names []string
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				names = append(names, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					names = append(names, n.Name)
				}
			}
		}
		return d.Tok.String() + " " + strings.Join(names, ",")
	}
	return "bad"
}

func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return "*" + recvName(e.X)
	case *ast.IndexExpr:
		return recvName(e.X)
	case *ast.IndexListExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return "?"
}

// Locator places a position in the module's own code by its file, the
// top-level declaration around it and the syntax node there (the Index-th
// node of kind Node in the declaration, in depth-first order): it holds
// across edits that leave the SourceDigest as it was, which move lines,
// columns and line breaks.
type Locator struct {
	File  string `json:"file"`
	Decl  string `json:"decl"`
	Node  string `json:"node"`
	Index int    `json:"index"`
}

// declSpans are the declarations of a file that can hold a call, each
// with its key (declKey, and #N from the second of a key on).
type declSpan struct {
	key  string
	decl ast.Decl
}

func declSpans(f *ast.File) []declSpan {
	var out []declSpan
	seen := map[string]int{}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); (ok && g.Tok == token.IMPORT) || inertDecl(d, nil) {
			continue
		}
		k := declKey(d)
		if seen[k]++; seen[k] > 1 {
			k += "#" + strconv.Itoa(seen[k])
		}
		out = append(out, declSpan{k, d})
	}
	return out
}

// eachNodePos calls fn with every position a node of d starts at, as a
// kind ("CallExpr" for its start, "CallExpr(" for its parenthesis, where
// go/ssa places a call) and the index of that node among the nodes of its
// kind, in depth-first order, until fn returns false.
func eachNodePos(d ast.Decl, fn func(kind string, index int, p token.Pos) bool) {
	counts := map[string]int{}
	stopped := false
	visit := func(kind string, p token.Pos) bool {
		i := counts[kind]
		counts[kind]++
		stopped = !fn(kind, i, p)
		return !stopped
	}
	ast.Inspect(d, func(n ast.Node) bool {
		if n == nil || stopped {
			return false
		}
		kind := reflect.TypeOf(n).Elem().Name()
		if !visit(kind, n.Pos()) {
			return false
		}
		if c, ok := n.(*ast.CallExpr); ok && !visit(kind+"(", c.Lparen) {
			return false
		}
		return true
	})
}

func parseFor(file string, src []byte) (*token.File, *ast.File, bool) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, false
	}
	return fset.File(f.Pos()), f, true
}

// Locate is the Locator of the position line:col of file (its source
// src), false when no node of a declaration starts there.
func Locate(file string, src []byte, line, col int) (*Locator, bool) {
	tf, f, ok := parseFor(file, src)
	if !ok || line < 1 || line > tf.LineCount() || col < 1 {
		return nil, false
	}
	off := tf.Offset(tf.LineStart(line)) + col - 1
	if off > tf.Size() {
		return nil, false
	}
	pos := tf.Pos(off)
	for _, d := range declSpans(f) {
		if pos < d.decl.Pos() || pos >= d.decl.End() {
			continue
		}
		var l *Locator
		eachNodePos(d.decl, func(kind string, i int, p token.Pos) bool {
			if p != pos {
				return true
			}
			// The innermost call's parenthesis, else the first node there.
			if l == nil || strings.HasSuffix(kind, "(") {
				l = &Locator{File: file, Decl: d.key, Node: kind, Index: i}
			}
			return true
		})
		return l, l != nil
	}
	return nil, false
}

// Resolve is the line and column of l in src, the source of l.File now;
// false when it has no such declaration or node.
func Resolve(src []byte, l Locator) (line, col int, ok bool) {
	tf, f, parsed := parseFor(l.File, src)
	if !parsed {
		return 0, 0, false
	}
	for _, d := range declSpans(f) {
		if d.key != l.Decl {
			continue
		}
		eachNodePos(d.decl, func(kind string, i int, p token.Pos) bool {
			if kind == l.Node && i == l.Index {
				pp := tf.Position(p)
				line, col, ok = pp.Line, pp.Column, true
				return false
			}
			return true
		})
		return line, col, ok
	}
	return 0, 0, false
}
