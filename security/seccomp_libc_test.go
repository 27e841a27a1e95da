package security

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// The profile derived from a binary that links C code has the C library's
// calls (musl's stat, lstat, unlink, ...) and says why; the same program
// linked by Go alone has none of those the go profile lacks.
func TestDerivedWithCCode(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc for cgo")
	}
	bin := func(ldflags string, cgo string) []byte {
		out := filepath.Join(t.TempDir(), "kernel")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w -buildid= "+ldflags, "-o", out, "./derive/testdata/kernel")
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED="+cgo)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, b)
		}
		dt, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return dt
	}
	p, d, err := DeriveSeccomp(bin("-linkmode=external", "1"))
	if err != nil {
		t.Fatal(err)
	}
	if !d.ForeignCode || !strings.Contains(d.Fallback, "links C code") {
		t.Errorf("C code not reported: %+v", d)
	}
	names := allowedNames(p)
	for _, c := range []string{"stat", "lstat", "unlink", "rename", "mkdir", "set_tid_address", "poll"} {
		if !slices.Contains(names, c) {
			t.Errorf("%s not allowed with C code", c)
		}
	}
	for _, c := range []string{"ptrace", "mount", "unshare", "bpf"} {
		if slices.Contains(names, c) {
			t.Errorf("%s allowed with C code", c)
		}
	}
	p, d, err = DeriveSeccomp(bin("", "0"))
	if err != nil {
		t.Fatal(err)
	}
	if d.ForeignCode || slices.Contains(allowedNames(p), "lstat") {
		t.Errorf("a Go-linked binary got the C library's calls: %+v", d)
	}
}

// allowedNames are the calls p allows in any rule.
func allowedNames(p *seccomp.Seccomp) []string {
	var out []string
	for _, s := range p.Syscalls {
		if s.Action == specs.ActAllow {
			out = append(out, s.Names...)
		}
	}
	return out
}
