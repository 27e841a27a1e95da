package derive

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A binary linked externally (cgo) has C code around the Go code in .text
// and a zero text start in its pclntab header: the Go functions are still
// found where they are, so every call of the program is traced as in the
// Go-linked binary, and the C code is reported. The Go-linked binary
// reports none.
func TestExternallyLinked(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc for cgo")
	}
	out := filepath.Join(t.TempDir(), "kernel-cgo")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-buildid= -linkmode=external", "-o", out, "./testdata/kernel")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{}
	for _, s := range syms {
		if s.Name == "runtime.text" || s.Name == "runtime.etext" {
			want[s.Name] = s.Value
		}
	}
	text, etext, ok := goText(bin, f, f.Section(".gopclntab"), f.Section(".text"))
	if !ok || text != want["runtime.text"] || etext != want["runtime.etext"] {
		t.Errorf("Go code found at %#x-%#x (%v), want %#x-%#x", text, etext, ok, want["runtime.text"], want["runtime.etext"])
	}
	if text == f.Section(".text").Addr {
		t.Errorf("the Go code starts .text (%#x): the test shows nothing", text)
	}
	r := derive(t, out)
	if !r.ForeignCode {
		t.Error("C code not reported")
	}
	for _, c := range kernelCalls("amd64") {
		if _, ok := r.Calls[c]; !ok {
			t.Errorf("%s not found; found %v", c, r.Names())
		}
	}
	if len(r.Unresolved) > 0 {
		t.Errorf("unresolved %v: function bounds read from the wrong text start", r.Unresolved)
	}
	if derive(t, build(t, "amd64")).ForeignCode {
		t.Error("C code reported in a binary the Go linker linked alone")
	}
}
