package gostep

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestRoundTrip: every command Argv writes with every flag set, Parse
// reads back as the same value.
func TestRoundTrip(t *testing.T) {
	for _, mk := range commands {
		c := mk()
		for i, f := range c.fields() {
			switch p := f.ptr.(type) {
			case *string:
				*p = "/v" + strings.Repeat("x", i)
			case *bool:
				*p = true
			case *[]string:
				*p = []string{"a", "b"}
			}
		}
		if cmd := c.command(); cmd != nil {
			*cmd = []string{"go", "build", "-o", "/out/x", "."}
		}
		argv := Argv(c)
		got, err := Parse(argv)
		if err != nil {
			t.Errorf("%s: Parse(%q): %v", c.Name(), argv, err)
			continue
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("%s: Parse(Argv(c)) = %+v, want %+v", c.Name(), got, c)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"nonsense"},
		{"modules"},                        // no -out
		{"modules", "-out", "/o", "extra"}, // positional
		{"build", "-derive", "/o.json"},    // no -binary, no command
		{"build", "-derive", "/o.json", "--", "go", "build"},
		{"build", "-facts", "/f.json", "--", "go", "build"},
		{"vulns", "-db", "/db", "-out", "/o", "-dir", "/src"}, // no -package
		{"deps", "-nonsense", "--", "go"},
	} {
		if c, err := Parse(args); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", args, c)
		}
	}
}

// TestDockerfileCopiesPrograms: the frontend image holds its programs
// where the steps run them from.
func TestDockerfileCopiesPrograms(t *testing.T) {
	dt, err := os.ReadFile("../../Dockerfile.frontend")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{Program, Frontend} {
		dir, name := p[:strings.LastIndex(p, "/")+1], p[strings.LastIndex(p, "/")+1:]
		re := regexp.MustCompile(`(?m)^COPY --from=\S+ (\S+ )*/out/` + regexp.QuoteMeta(name) + ` (\S+ )*` + regexp.QuoteMeta(dir) + `$`)
		if !re.Match(dt) {
			t.Errorf("Dockerfile.frontend does not copy %s to %s", name, dir)
		}
		build := regexp.MustCompile(`(?s)go build [^\n]*(\\\n[^\n]*)*\./frontend/cmd/` + regexp.QuoteMeta(name))
		if !build.Match(dt) {
			t.Errorf("Dockerfile.frontend does not build ./frontend/cmd/%s", name)
		}
	}
}
