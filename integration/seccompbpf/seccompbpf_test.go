//go:build libseccomp

package seccompbpf

import (
	"encoding/json"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/slimfile/slimfile/security"
)

var archNames = []string{"amd64", "arm64", "arm"}

const (
	eperm  = 1
	enosys = 38
)

func compile(t *testing.T, profile any, arch string) *Filter {
	t.Helper()
	b, err := json.Marshal(profile)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Compile(b, arch)
	if err != nil {
		t.Fatalf("Compile for %s: %v", arch, err)
	}
	return f
}

func evalName(t *testing.T, f *Filter, name string, args ...uint64) Result {
	t.Helper()
	var a [6]uint64
	copy(a[:], args)
	r, err := f.EvalName(name, a)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func want(t *testing.T, f *Filter, w Result, name string, args ...uint64) {
	t.Helper()
	if got := evalName(t, f, name, args...); got.Action != w.Action || got.Errno != w.Errno {
		t.Errorf("%s: %s(%#x): got %v, want %v", f.name, name, args, got, w)
	}
}

var (
	allow     = Result{Action: ActAllow}
	denied    = Result{Action: ActErrno, Errno: eperm}
	notListed = Result{Action: ActErrno, Errno: enosys}
)

func TestGoProfile(t *testing.T) {
	p := security.GoSeccomp()
	for _, arch := range archNames {
		t.Run(arch, func(t *testing.T) {
			f := compile(t, p, arch)
			checked := 0
			for _, s := range p.Syscalls {
				if s.Action != specs.ActAllow || len(s.Args) > 0 {
					continue
				}
				for _, name := range s.Names {
					if _, err := f.Number(name); err != nil {
						continue // a call of other architectures (mmap2 on amd64, arch_prctl on arm)
					}
					want(t, f, allow, name)
					checked++
				}
			}
			if checked < 100 {
				t.Errorf("only %d allowed calls exist on %s", checked, arch)
			}
			for _, name := range []string{"ptrace", "mount", "unshare", "bpf"} {
				want(t, f, denied, name)
			}
			for _, name := range []string{"personality", "vhangup"} {
				want(t, f, notListed, name)
			}
			want(t, f, allow, "clone", 0x11)
			want(t, f, notListed, "clone", 0x10000000|0x11) // CLONE_NEWUSER
			want(t, f, allow, "socket", 2)                  // AF_INET
			want(t, f, notListed, "socket", 17)             // AF_PACKET
			want(t, f, allow, "prctl", 0x53564d41)          // PR_SET_VMA
			want(t, f, notListed, "prctl", 4)               // PR_SET_DUMPABLE
		})
	}
}

// TestArguments checks the 64-bit comparisons: the high half of an
// argument counts on 64-bit architectures and does not exist on arm.
func TestArguments(t *testing.T) {
	p := security.GoSeccomp()
	for _, arch := range []string{"amd64", "arm64"} {
		f := compile(t, p, arch)
		want(t, f, notListed, "socket", 1<<32|2)
		want(t, f, allow, "clone", 1<<40|0x11) // the CLONE_NEW* mask has no high bits
	}
	want(t, compile(t, p, "arm"), allow, "socket", 1<<32|2)
}

func TestNumbers(t *testing.T) {
	p := security.GoSeccomp()
	for arch, nr := range map[string]int{"amd64": 0, "arm64": 63, "arm": 3} {
		f := compile(t, p, arch)
		if got, err := f.Number("read"); err != nil || got != nr {
			t.Errorf("read on %s: got %d, %v, want %d", arch, got, err, nr)
		}
		if r := f.Eval(nr, [6]uint64{}); r.Action != ActAllow {
			t.Errorf("Eval(%d) on %s: got %v, want ALLOW", nr, arch, r)
		}
	}
	// A filter answers only for its architecture: a call from another
	// gets libseccomp's bad-architecture action.
	f := compile(t, p, "arm64")
	if r := f.eval(arches["amd64"].audit, 0, [6]uint64{}); r.Action != ActKillThread {
		t.Errorf("read from amd64 on an arm64 filter: got %v, want KILL_THREAD", r)
	}
}

func TestArmOnlyCall(t *testing.T) {
	p := map[string]any{
		"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": enosys,
		"syscalls": []map[string]any{{"names": []string{"cacheflush", "read"}, "action": "SCMP_ACT_ALLOW"}},
	}
	arm := compile(t, p, "arm")
	if nr, err := arm.Number("cacheflush"); err != nil || nr != 0xf0002 {
		t.Fatalf("cacheflush on arm: got %#x, %v, want 0xf0002", nr, err)
	}
	if r := arm.Eval(0xf0002, [6]uint64{}); r.Action != ActAllow {
		t.Errorf("cacheflush on arm: got %v, want ALLOW", r)
	}
	if _, err := compile(t, p, "amd64").Number("cacheflush"); err == nil {
		t.Error("cacheflush resolved on amd64")
	}
}

// TestDockerProfile checks what runc adds and what moby decides: rules
// for other architectures (includes.arches), capabilities the container
// lacks, and the -ENOSYS stub for calls newer than the profile.
func TestDockerProfile(t *testing.T) {
	p := security.DockerSeccomp()
	amd64, arm := compile(t, p, "amd64"), compile(t, p, "arm")
	want(t, amd64, allow, "arch_prctl")
	want(t, arm, allow, "cacheflush")
	want(t, arm, allow, "arm_fadvise64_64")
	want(t, amd64, denied, "vhangup") // needs CAP_SYS_TTY_CONFIG
	want(t, amd64, allow, "personality", 0)
	want(t, amd64, denied, "personality", 1)
	for _, f := range []*Filter{amd64, arm} {
		if r := f.Eval(0x100000, [6]uint64{}); r.Action != ActErrno || r.Errno != enosys {
			t.Errorf("%s: a call newer than the profile: got %v, want ERRNO(38)", f.name, r)
		}
	}
}
