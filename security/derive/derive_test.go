package derive

import (
	"bufio"
	"bytes"
	"debug/elf"
	"debug/gosym"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// build cross-compiles testdata/kernel for goarch as the frontend builds
// binaries: static, stripped, trimmed.
func build(t *testing.T, goarch string, tags ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "kernel-"+goarch)
	args := []string{"build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", out}
	if len(tags) > 0 {
		args = append(args, "-tags="+strings.Join(tags, ","))
	}
	cmd := exec.Command("go", append(args, "./testdata/kernel")...)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "GOARM=7", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

func derive(t *testing.T, bin string) *Result {
	t.Helper()
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Binary(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// kernelCalls are calls testdata/kernel makes through golang.org/x/sys/unix
// and syscall, by architecture where the names differ.
func kernelCalls(goarch string) []string {
	calls := []string{"clock_getres", "uname", "sysinfo", "getrandom", "flock", "getppid", "openat", "close",
		"clone", "futex", "rt_sigaction", "sched_yield"}
	switch goarch {
	case "arm":
		return append(calls, "statfs64", "fstatfs64", "mmap2")
	}
	return append(calls, "statfs", "fstatfs", "mmap")
}

// Every call the program makes through x/sys/unix and syscall is found in
// its stripped binary, on each architecture, and nothing is left
// unresolved.
func TestKernelCalls(t *testing.T) {
	for _, goarch := range []string{"amd64", "arm64", "arm"} {
		t.Run(goarch, func(t *testing.T) {
			r := derive(t, build(t, goarch))
			if r.GOARCH != goarch {
				t.Errorf("GOARCH %q", r.GOARCH)
			}
			for _, c := range kernelCalls(goarch) {
				if _, ok := r.Calls[c]; !ok {
					t.Errorf("%s not found; found %v", c, r.Names())
				}
			}
			if len(r.Unresolved) > 0 || len(r.Unnamed) > 0 {
				t.Errorf("unresolved %v, unnamed %v", r.Unresolved, r.Unnamed)
			}
			// Nothing the binary cannot call: no denied call is in a
			// program that makes none.
			for _, c := range []string{"ptrace", "mount", "unshare", "bpf", "personality"} {
				if _, ok := r.Calls[c]; ok {
					t.Errorf("%s found in %v", c, r.Calls[c])
				}
			}
		})
	}
}

// A call whose number is computed is reported with the function that
// makes it, on each architecture.
func TestVariableNumber(t *testing.T) {
	for _, goarch := range []string{"amd64", "arm64", "arm"} {
		t.Run(goarch, func(t *testing.T) {
			r := derive(t, build(t, goarch, "variable"))
			if !slices.ContainsFunc(r.Unresolved, func(u Unresolved) bool { return u.Func == "main.variable" }) {
				t.Errorf("main.variable not reported; unresolved %v", r.Unresolved)
			}
		})
	}
}

// What the program makes when run is in what its binary was found to
// make: amd64 natively under strace, arm64 and arm under qemu-user, which
// prints the calls of the emulated program (-strace). Calls the kernel
// makes on the program's behalf (signal returns) are left out.
func TestRunCovered(t *testing.T) {
	for _, c := range []struct {
		goarch string
		run    func(bin string) []string
		line   *regexp.Regexp
	}{
		{"amd64", func(bin string) []string { return []string{"strace", "-f", "-qq", "-o", "/dev/stderr", bin} }, regexp.MustCompile(`^(?:\d+\s+)?([a-z0-9_]+)\(`)},
		{"arm64", func(bin string) []string { return []string{"qemu-aarch64-static", "-strace", bin} }, regexp.MustCompile(`^\d+ ([a-z0-9_]+)\(`)},
		{"arm", func(bin string) []string { return []string{"qemu-arm-static", "-strace", bin} }, regexp.MustCompile(`^\d+ ([a-z0-9_]+)\(`)},
	} {
		t.Run(c.goarch, func(t *testing.T) {
			argv := c.run(build(t, c.goarch))
			if _, err := exec.LookPath(argv[0]); err != nil {
				if os.Getenv("CI") != "" || os.Getenv("SLIMFILE_INTEGRATION") != "" {
					t.Fatalf("%s is needed (the test bed installs it): %v", argv[0], err)
				}
				t.Skipf("%s is not installed (integration/testbed/packages.sh installs it)", argv[0])
			}
			bin := argv[len(argv)-1]
			r := derive(t, bin)
			cmd := exec.Command(argv[0], argv[1:]...)
			var trace bytes.Buffer
			cmd.Stderr = &trace
			out, err := cmd.Output()
			if err != nil || !strings.HasPrefix(string(out), "ok") {
				t.Fatalf("run: %v: %s\n%s", err, out, trace.String())
			}
			seen := map[string]bool{}
			sc := bufio.NewScanner(&trace)
			for sc.Scan() {
				if m := c.line.FindStringSubmatch(sc.Text()); m != nil {
					seen[m[1]] = true
				}
			}
			if len(seen) < 15 {
				t.Fatalf("only %d calls in the trace; is it read right?\n%s", len(seen), trace.String())
			}
			for n := range seen {
				switch n {
				case "execve", "rt_sigreturn", "sigreturn", "exit", "exit_group": // the tracer's, or the kernel's
					continue
				}
				if _, ok := r.Calls[n]; !ok {
					t.Errorf("the program called %s, not found in its binary", n)
				}
			}
		})
	}
}

// TestFunctionTable: the function table read from the pclntab directly
// is debug/gosym's, for this test's own binary.
func TestFunctionTable(t *testing.T) {
	bin, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Skipf("not an ELF binary: %v", err)
	}
	text, pcln := f.Section(".text"), f.Section(".gopclntab")
	data, err := pcln.Data()
	if err != nil {
		t.Fatal(err)
	}
	got, ok := functab118(data, text.Addr)
	if !ok {
		t.Fatal("the Go 1.18+ function table was not read")
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(tab.Funcs) {
		t.Fatalf("%d functions, debug/gosym %d", len(got), len(tab.Funcs))
	}
	for i, g := range tab.Funcs {
		if w := (funcBounds{g.Name, g.Entry, g.End}); got[i] != w {
			t.Fatalf("function %d: %+v, debug/gosym %+v", i, got[i], w)
		}
	}
	if _, ok := functab118(data[:len(data)/2], text.Addr); ok {
		t.Error("half a table read as whole")
	}
}

// TestConcurrentAnalyses: analyses of several binaries may run at once
// (the decoders of golang.org/x/arch for ARM keep state of their own), and
// each finds what it finds alone. Run under -race.
func TestConcurrentAnalyses(t *testing.T) {
	var bins [][]byte
	for _, goarch := range []string{"arm64", "arm", "amd64"} {
		b, err := os.ReadFile(build(t, goarch))
		if err != nil {
			t.Fatal(err)
		}
		bins = append(bins, b, b)
	}
	alone := make([]string, len(bins))
	for i, b := range bins {
		r, err := Binary(b)
		if err != nil {
			t.Fatal(err)
		}
		alone[i] = strings.Join(r.Names(), " ")
	}
	var wg sync.WaitGroup
	together := make([]string, len(bins))
	for i, b := range bins {
		wg.Go(func() {
			if r, err := Binary(b); err == nil {
				together[i] = strings.Join(r.Names(), " ")
			}
		})
	}
	wg.Wait()
	if !slices.Equal(alone, together) {
		t.Errorf("analysed together, the binaries gave other calls")
	}
}
