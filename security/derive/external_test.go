package derive

import (
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
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w -buildid= -linkmode=external", "-o", out, "./testdata/kernel")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
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
