package security

import (
	"encoding/json"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// Every name in the profiles' groups is a real system call somewhere, no
// call is both allowed and denied, and the must-never list of issue 5 is
// denied.
func TestProfileNames(t *testing.T) {
	where := map[string]string{}
	for _, gs := range []struct {
		kind   string
		groups []group
	}{{"allowed", allowed}, {"allowed", startGroups}, {"allowed", libcGroups}, {"denied", denied}} {
		for _, g := range gs.groups {
			if g.comment == "" {
				t.Errorf("a %s group has no comment: %v", gs.kind, g.names)
			}
			for _, n := range g.names {
				if !syscallNames[n] {
					t.Errorf("%s %q is not a system call name", gs.kind, n)
				}
				if w, ok := where[n]; ok && w != gs.kind {
					t.Errorf("%q is both %s and %s", n, w, gs.kind)
				}
				where[n] = gs.kind
			}
		}
	}
	for _, n := range []string{"ptrace", "mount", "bpf", "kexec_load", "init_module", "finit_module", "delete_module",
		"unshare", "setns", "keyctl", "perf_event_open", "reboot", "pivot_root", "chroot", "userfaultfd"} {
		if where[n] != "denied" {
			t.Errorf("%s is %q, want denied", n, where[n])
		}
	}
	for n := range unlisted {
		if where[n] != "" {
			t.Errorf("%s is unlisted and %s", n, where[n])
		}
	}
	for _, n := range xsysCalls {
		if !syscallNames[n] {
			t.Errorf("x/sys/unix call %q is not a system call name", n)
		}
	}
}

// The go profile is an allowlist (ENOSYS for the rest, EPERM for the
// denied calls) that moby's loader turns into the OCI runtime form.
func TestGoProfileShape(t *testing.T) {
	b, err := Seccomp("go", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckSeccomp(b); err != nil {
		t.Fatalf("the default profile fails its own check: %v", err)
	}
	oci, err := seccomp.LoadProfile(string(b), &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{}}})
	if err != nil {
		t.Fatal(err)
	}
	if oci.DefaultAction != specs.ActErrno || oci.DefaultErrnoRet == nil || *oci.DefaultErrnoRet != enosys {
		t.Errorf("default action %s %v, want SCMP_ACT_ERRNO with ENOSYS", oci.DefaultAction, oci.DefaultErrnoRet)
	}
	if runtime.GOARCH == "amd64" && (len(oci.Architectures) == 0 || oci.Architectures[0] != specs.ArchX86_64) {
		t.Errorf("architectures on amd64: %v", oci.Architectures)
	}
	actions := map[string]string{}
	for _, s := range oci.Syscalls {
		for _, n := range s.Names {
			a := string(s.Action)
			if s.ErrnoRet != nil {
				a += "/" + string(rune('0'+*s.ErrnoRet))
			}
			actions[n] = a
		}
	}
	for n, want := range map[string]string{"read": "SCMP_ACT_ALLOW", "futex": "SCMP_ACT_ALLOW", "ptrace": "SCMP_ACT_ERRNO/1", "mount": "SCMP_ACT_ERRNO/1",
		"flock": "SCMP_ACT_ALLOW", "statfs": "SCMP_ACT_ALLOW", "capset": "SCMP_ACT_ALLOW", "setresuid": "SCMP_ACT_ALLOW"} {
		if actions[n] != want {
			t.Errorf("%s: %q, want %q", n, actions[n], want)
		}
	}
	// Two runs give the same bytes: the label is part of the image digest.
	b2, _ := Seccomp("go", nil)
	if string(b) != string(b2) {
		t.Error("the go profile is not deterministic")
	}
}

// Docker's profile passes the checker: every name it uses is known.
func TestDockerProfileChecks(t *testing.T) {
	b, err := Seccomp("docker", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckSeccomp(b); err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(b, &p); err != nil || p["defaultAction"] != "SCMP_ACT_ERRNO" {
		t.Fatalf("docker profile: %v %v", err, p["defaultAction"])
	}
}

func TestCheckSeccompErrors(t *testing.T) {
	for _, c := range []struct{ name, profile, want string }{
		{"syntax", "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [}\n", "line 3, column 16: invalid JSON"},
		{"type", `{"defaultAction": 1}`, "line 1, column 20: defaultAction must be a string, not a JSON number"},
		{"unknown field", `{"defaultAction": "SCMP_ACT_ERRNO", "sycalls": []}`, `unknown field "sycalls"`},
		{"no default", `{"syscalls": []}`, "defaultAction is missing"},
		{"bad default", `{"defaultAction": "SCMP_ACT_ERNO"}`, `defaultAction: unknown action "SCMP_ACT_ERNO" (did you mean "SCMP_ACT_ERRNO"?)`},
		{"bad name", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "opne"], "action": "SCMP_ACT_ALLOW"}]}`,
			`syscalls[0].names[1]: unknown system call "opne" (did you mean "open"?)`},
		{"bad action", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "ALLOW"}]}`,
			`syscalls[0].action: unknown action "ALLOW"`},
		{"no names", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"action": "SCMP_ACT_ALLOW"}]}`, "syscalls[0]: names is missing or empty"},
		{"bad arch", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_46"]}`,
			`architectures[0]: unknown architecture "SCMP_ARCH_X86_46" (did you mean "SCMP_ARCH_X86_64"?)`},
		{"both arch forms", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": []}]}`,
			"architectures and archMap are both set"},
		{"bad op", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 7, "value": 2, "op": "SCMP_CMP_EQUAL"}]}]}`,
			`syscalls[0].args[0].index: 7 is not an argument (0 to 5); syscalls[0].args[0].op: unknown operator "SCMP_CMP_EQUAL"`},
		{"bad flag", `{"defaultAction": "SCMP_ACT_ERRNO", "flags": ["SECCOMP_FILTER_FLAG_LOGS"]}`, `flags[0]: unknown flag "SECCOMP_FILTER_FLAG_LOGS"`},
		{"two values", `{"defaultAction": "SCMP_ACT_ERRNO"} {}`, "more than one JSON value"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckSeccomp([]byte(c.profile))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v\nwant it to contain %q", err, c.want)
			}
			if _, err := Seccomp("profiles/x.json", []byte(c.profile)); err == nil {
				t.Fatal("Seccomp accepted a bad file")
			}
		})
	}
	good := "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]\n}\n"
	b, err := Seccomp("profiles/x.json", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}` {
		t.Errorf("user profile label %s", b)
	}
	if b, err := Seccomp("none", nil); b != nil || err != nil {
		t.Errorf("none: %s %v", b, err)
	}
}

// TestRefusedUnexpected: a refused call counts as made outside the
// standard library if any function that makes it is, however many
// standard ones come first; String names three.
func TestRefusedUnexpected(t *testing.T) {
	std := Refused{Call: "mount", Funcs: []string{"syscall.forkAndExecInChild1", "syscall.mount", "syscall.Mount", "internal/syscall/unix.X"}}
	if std.Unexpected() {
		t.Errorf("%v: unexpected", std)
	}
	mixed := std
	mixed.Funcs = append(slices.Clone(std.Funcs), "golang.org/x/sys/unix.Mount")
	if !mixed.Unexpected() {
		t.Errorf("%v: not unexpected", mixed)
	}
	if s := mixed.String(); s != "mount (syscall.forkAndExecInChild1, syscall.mount, syscall.Mount and 2 more)" {
		t.Errorf("String() = %q", s)
	}
	if s := (Refused{Call: "ptrace", Funcs: []string{"main.probe"}}); !s.Unexpected() || s.String() != "ptrace (main.probe)" {
		t.Errorf("%v: unexpected %v", s, s.Unexpected())
	}
}
