package binfacts

import (
	"strings"
	"testing"
)

// TestFacts: the facts of a real binary name its three largest modules,
// and a stripped, trimmed one fails no check.
func TestFacts(t *testing.T) {
	bin := readBin(t, build(t, variant{goarch: "amd64", strip: true, trimpath: true}))
	f, err := FactsOf(bin, Expect{Stripped: true, Trimpath: true, BuilderPaths: builderPaths(t)})
	if err != nil {
		t.Fatal(err)
	}
	if f.Size != int64(len(bin)) || len(f.Modules) != 3 || f.Modules[0].Path != StdlibModule || f.Code < f.Modules[0].Bytes {
		t.Errorf("facts %+v", f)
	}
	if failed := f.Failed(); len(failed) > 0 {
		t.Errorf("failed checks of a stripped, trimmed binary: %+v", failed)
	}
	f.Certs, f.Zoneinfo = 200_000, 400_000
	line := f.Line("/usr/local/bin/prog", true, false)
	if !strings.HasPrefix(line, "image about ") || !strings.Contains(line, "/usr/local/bin/prog "+MB(f.Size)) || !strings.Contains(line, "stdlib ") {
		t.Errorf("line %q", line)
	}
	// Asked to strip, an unstripped binary fails.
	bin = readBin(t, build(t, variant{goarch: "amd64", trimpath: true}))
	f, _ = FactsOf(bin, Expect{Stripped: true, Trimpath: true, BuilderPaths: builderPaths(t)})
	if failed := f.Failed(); len(failed) != 1 || failed[0].Name != "stripped" {
		t.Errorf("failed checks of an unstripped binary asked to be stripped: %+v", failed)
	}
}
