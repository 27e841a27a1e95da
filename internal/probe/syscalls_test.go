package probe

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// traceCases are probes whose system calls the tests trace: a healthy
// HTTP check (which makes every call), one that times out (SIGALRM's
// handler must exit with 1) and a TCP check.
func traceCases(t *testing.T) []struct {
	name     string
	target   Target
	wantExit string
} {
	raw := newRawServer(t, map[string]func(net.Conn, string){
		"/ok":     answer("HTTP/1.1 200 OK\r\n\r\n"),
		"/silent": func(c net.Conn, _ string) { c.Read(make([]byte, 1)) },
	})
	addr := raw.listen("127.0.0.1")
	return []struct {
		name     string
		target   Target
		wantExit string
	}{
		{"healthy", Target{Addr: addr, HTTP: "/ok", Timeout: 5 * time.Second}, "0"},
		{"timeout", Target{Addr: addr, HTTP: "/silent", Timeout: 500 * time.Millisecond}, "1"},
		{"tcp", Target{Addr: addr, Timeout: 5 * time.Second}, "0"},
	}
}

// TestSyscallsStrace runs the amd64 probe under strace and checks that it
// makes the calls Syscalls lists, no other, and all of them when healthy.
func TestSyscallsStrace(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("strace runs the amd64 probe natively only")
	}
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("no strace")
	}
	dir := t.TempDir()
	line := regexp.MustCompile(`^([a-z0-9_]+)\(`)
	exited := regexp.MustCompile(`^\+\+\+ exited with (\d+) \+\+\+`)
	for _, c := range traceCases(t) {
		probe, err := ELF("amd64", "", c.target)
		if err != nil {
			t.Fatal(err)
		}
		path, out := filepath.Join(dir, "probe-"+c.name), filepath.Join(dir, c.name+".strace")
		if err := os.WriteFile(path, probe, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(strace, "-o", out, path)
		cmd.Env = []string{}
		cmd.Run() // the exit status is in the trace
		trace, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("%s: strace wrote no trace: %v", c.name, err)
		}
		var calls []string
		exit := ""
		for _, l := range strings.Split(string(trace), "\n") {
			if m := line.FindStringSubmatch(l); m != nil {
				calls = append(calls, m[1])
			} else if m := exited.FindStringSubmatch(l); m != nil {
				exit = m[1]
			}
		}
		checkCalls(t, "amd64 "+c.name, calls, string(trace))
		if exit != c.wantExit {
			t.Errorf("%s: exited with %q, want %s:\n%s", c.name, exit, c.wantExit, trace)
		}
	}
}

// TestSyscallsQemu does the same for the other architectures, with
// qemu-user's -strace, where there is a qemu-user binary.
func TestSyscallsQemu(t *testing.T) {
	cases := traceCases(t)
	line := regexp.MustCompile(`^\d+ ([a-z0-9_]+)\(`)
	for _, arch := range Arches() {
		qemu, err := exec.LookPath("qemu-" + qemuNames[arch] + "-static")
		if err != nil {
			t.Logf("%s: no qemu-%s-static", arch, qemuNames[arch])
			continue
		}
		dir := t.TempDir()
		for _, c := range cases {
			probe, err := ELF(arch, "", c.target)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "probe-"+c.name)
			if err := os.WriteFile(path, probe, 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(qemu, "-strace", path)
			cmd.Env = []string{}
			trace, err := cmd.CombinedOutput()
			if code := exitCode(err); code != c.wantExit {
				t.Errorf("%s %s: exit status %s (%v), want %s", arch, c.name, code, err, c.wantExit)
			}
			var calls []string
			for _, l := range strings.Split(string(trace), "\n") {
				if m := line.FindStringSubmatch(l); m != nil {
					calls = append(calls, m[1])
				}
			}
			// qemu-user makes the execve itself, so it traces none.
			checkCalls(t, arch+" "+c.name, append([]string{"execve"}, calls...), string(trace))
		}
	}
}

func exitCode(err error) string {
	if err == nil {
		return "0"
	}
	if e, ok := err.(*exec.ExitError); ok {
		return strings.TrimPrefix(e.ProcessState.String(), "exit status ")
	}
	return err.Error()
}

// checkCalls fails unless every call is in Syscalls, and, for a healthy
// HTTP check, every listed call was made: the list is neither short nor
// padded.
func checkCalls(t *testing.T, what string, calls []string, trace string) {
	t.Helper()
	arch, name, _ := strings.Cut(what, " ")
	allowed := Syscalls(arch)
	for _, c := range calls {
		if !slices.Contains(allowed, c) {
			t.Errorf("%s: calls %s, which Syscalls(%q) does not list:\n%s", what, c, arch, trace)
		}
	}
	if name == "healthy" {
		for _, a := range allowed {
			if !slices.Contains(calls, a) {
				t.Errorf("%s: Syscalls(%q) lists %s, which the probe never calls:\n%s", what, arch, a, trace)
			}
		}
	}
	if len(calls) == 0 {
		t.Errorf("%s: traced no call:\n%s", what, trace)
	}
}
