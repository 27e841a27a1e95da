package frontend

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"strings"
	"testing"
)

// TestRecoveredTurnsPanicIntoError: a panic in a function that defers
// recovered becomes its error, which says what happened.
func TestRecoveredTurnsPanicIntoError(t *testing.T) {
	build := func(index int) (err error) {
		defer recovered(&err)
		_ = []string{}[index] // index out of range
		return nil
	}
	err := build(3)
	if err == nil || !strings.Contains(err.Error(), "internal error in the Slimfile frontend") || !strings.Contains(err.Error(), "index out of range") {
		t.Fatalf("error %v, want the internal error with the panic's value", err)
	}
}

// TestGoroutinesRecover reads the frontend's source: no go statement but
// spawn's, which recovers, and every function an errgroup runs starts by
// deferring recovered. A panic in a goroutine that does not recover ends
// the frontend, and the build with "exit code: 2" and nothing else.
// TestGoroutinesRecover reads the frontend's source: every goroutine is
// started through spawn (or an errgroup's Go whose function recovers),
// and every state is marshaled through marshal (one at a time).
func TestGoroutinesRecover(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range pkgs {
		for name, f := range pkg.Files {
			var fn string
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncDecl:
					fn = n.Name.Name
				case *ast.GoStmt:
					if fn != "spawn" {
						t.Errorf("%s: a go statement in %s: start goroutines with spawn, which recovers", fset.Position(n.Pos()), fn)
					}
				case *ast.CallExpr:
					sel, ok := n.Fun.(*ast.SelectorExpr)
					if ok && sel.Sel.Name == "Marshal" && fn != "marshal" && !isIdent(sel.X, "json") {
						t.Errorf("%s: a Marshal in %s: marshal states with marshal, one at a time (marshalMu)", fset.Position(n.Pos()), fn)
					}
					if !ok || sel.Sel.Name != "Go" || len(n.Args) != 1 {
						return true
					}
					lit, ok := n.Args[0].(*ast.FuncLit)
					if !ok || len(lit.Body.List) == 0 || !defersRecovered(lit.Body.List[0]) {
						t.Errorf("%s: %s.Go runs a function that does not start with defer recovered(&err)", fset.Position(n.Pos()), name)
					}
				}
				return true
			})
		}
	}
}

func defersRecovered(s ast.Stmt) bool {
	d, ok := s.(*ast.DeferStmt)
	if !ok {
		return false
	}
	id, ok := d.Call.Fun.(*ast.Ident)
	return ok && id.Name == "recovered"
}

// TestSpawnRecovers: a panic in a spawned function is its error.
func TestSpawnRecovers(t *testing.T) {
	wait := spawn(func() error { panic("boom") })
	if err := wait(); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("spawn of a panicking function: %v", err)
	}
	if err := spawn(func() error { return errors.New("plain") })(); err == nil || err.Error() != "plain" {
		t.Errorf("spawn's error: %v", err)
	}
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
