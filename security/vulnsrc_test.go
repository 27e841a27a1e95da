package security

import (
	"strings"
	"testing"
)

const digestBase = `package main

import (
	"fmt"
	"os"
)

type greeter struct{ name string ` + "`json:\"name\"`" + ` }

func (g greeter) String() string { return "hello " + g.name }

const mode = 1

var greeting = "hi"

func main() {
	fmt.Println(greeter{os.Args[0]}, greeting, mode)
}
`

// TestSourceDigest: edits that cannot change what the program calls keep
// the digest; edits that can, change it.
func TestSourceDigest(t *testing.T) {
	base := SourceDigest(map[string][]byte{"main.go": []byte(digestBase)})
	same := map[string]string{
		"a message":                 strings.Replace(digestBase, `"hello "`, `"good day, "`, 1),
		"a constant's value":        strings.Replace(digestBase, "mode = 1", "mode = 42", 1),
		"a comment and blank lines": strings.Replace(digestBase, "func main() {", "// main greets.\n\n\nfunc main() {", 1),
		"a variable set in an init (the bench's edit)": digestBase + "\nvar benchEdit1 string\n\nfunc init() { benchEdit1 = \"edit 1 2\" }\n",
		"an untyped variable of literals":              digestBase + "\nvar n, s = 3 * 4, \"x\"\n",
		"the layout of a call":                         strings.Replace(digestBase, "fmt.Println(greeter{os.Args[0]}, greeting, mode)", "fmt.Println(\n\t\tgreeter{os.Args[0]},\n\t\tgreeting,\n\t\tmode,\n\t)", 1),
	}
	for name, src := range same {
		if d := SourceDigest(map[string][]byte{"main.go": []byte(src)}); d != base {
			t.Errorf("%s: the digest changed", name)
		}
	}
	changed := map[string]string{
		"a new call":                  strings.Replace(digestBase, "func main() {", "func main() {\n\tos.Exit(0)", 1),
		"an import":                   strings.Replace(digestBase, `"os"`, "\"os\"\n\t_ \"net/http/pprof\"", 1),
		"a method":                    digestBase + "\nfunc (g greeter) Close() error { return nil }\n",
		"a constant's kind":           strings.Replace(digestBase, "mode = 1", "mode = 1.5", 1),
		"a struct tag":                strings.Replace(digestBase, "json:\"name\"", "json:\"who\"", 1),
		"an init that calls":          digestBase + "\nfunc init() { fmt.Println() }\n",
		"a variable of a named type":  digestBase + "\nvar g greeter\n",
		"a variable set from another": digestBase + "\nvar h = greeting\n",
		"an assignment to a field":    digestBase + "\nfunc init() { var g greeter; g.name = \"x\" }\n",
		"a directive":                 strings.Replace(digestBase, "func main() {", "//go:noinline\nfunc main() {", 1),
		"a file name":                 "",
	}
	for name, src := range changed {
		files := map[string][]byte{"main.go": []byte(src)}
		if name == "a file name" {
			files = map[string][]byte{"cmd.go": []byte(digestBase)}
		}
		if d := SourceDigest(files); d == base {
			t.Errorf("%s: the digest did not change", name)
		}
	}
	// A package that redeclares string: a variable of it is not inert.
	shadow := digestBase + "\ntype string struct{ greeter }\n"
	if SourceDigest(map[string][]byte{"main.go": []byte(shadow + "\nvar x string\n")}) == SourceDigest(map[string][]byte{"main.go": []byte(shadow)}) {
		t.Errorf("a variable of a redeclared string is taken for inert")
	}
}

// TestLocateResolve: a call's position, located in one version of a file,
// resolves to the same call in a version with lines moved.
func TestLocateResolve(t *testing.T) {
	old := []byte(digestBase)
	// The call fmt.Println is on line 17; its parenthesis at column 13.
	l, ok := Locate("main.go", old, 17, 13)
	if !ok {
		t.Fatal("no locator for the call")
	}
	if l.Decl != "func main" || l.Node != "CallExpr(" {
		t.Errorf("locator %+v", l)
	}
	moved := []byte(strings.Replace(digestBase, "func main() {", "// main greets.\nfunc init() { greeting = \"a much longer greeting\" }\n\nfunc main() {", 1))
	moved = []byte(strings.Replace(string(moved), "fmt.Println(greeter", "fmt.Println(\n\t\tgreeter", 1))
	line, col, ok := Resolve(moved, *l)
	if !ok || line != 20 || col != 13 {
		t.Errorf("Resolve = %d:%d %v, want 20:13", line, col, ok)
	}
	if _, ok := Locate("main.go", old, 17, 2); !ok {
		t.Errorf("no locator at the start of a statement")
	}
	if _, ok := Locate("main.go", old, 99, 1); ok {
		t.Errorf("a locator past the end")
	}
	if _, _, ok := Resolve([]byte("package main\n"), *l); ok {
		t.Errorf("resolved in a file without the declaration")
	}
}
