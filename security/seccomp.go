// Package security builds the confinement shipped with Slimfile images: the
// seccomp profile (derived from the binary, the project's allowlist for Go
// programs, Docker's default, or a user's file, checked), the AppArmor
// profile (generated for the binary, or a user's file) and the Kubernetes
// securityContext that uses both.
package security

//go:generate go run ./gen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/slimfile/slimfile/internal/suggest"
	"github.com/slimfile/slimfile/security/derive"
)

// SeccompLabel is the image label that holds the whole seccomp profile
// (Podman applies it with --seccomp-policy=image).
const SeccompLabel = "io.containers.seccomp.profile"

// Errno values of the default profile.
const (
	eperm  = 1
	enosys = 38
)

// GoSeccomp is the project's allowlist for static Go programs
// (security.seccomp: go), and the fallback of the derived profile: what
// the standard library and golang.org/x/sys/unix call, what the kernel and
// the container runtime need; the denied groups answered with EPERM,
// everything else with ENOSYS.
func GoSeccomp() *seccomp.Seccomp {
	p := newProfile([]specs.Arch{specs.ArchX86_64, specs.ArchAARCH64, specs.ArchARM})
	p.allowGroups(goGroups)
	return p.done()
}

// goGroups are the groups of the go profile, in the order its rules take.
var goGroups = slices.Concat(allowed, startGroups,
	[]group{{comment: "golang.org/x/sys/unix: every other call its functions make", names: xsysCalls}})

// argFilters are the calls allowed only with some argument values, each
// with the group that says which: a call that another group brings in
// (the binary's own calls, x/sys/unix's) gets the same filter.
var argFilters = func() map[string]group {
	m := map[string]group{}
	for _, g := range slices.Concat(allowed, startGroups) {
		for _, n := range g.names {
			if len(g.args) > 0 {
				m[n] = group{comment: g.comment, names: []string{n}, args: g.args}
			}
		}
	}
	return m
}()

// profile is a seccomp profile being put together: allowed groups first,
// then the denied ones.
type profile struct {
	p    *seccomp.Seccomp
	seen map[string]bool
	// exists, when set, keeps out names that are not system calls of
	// the profile's one architecture.
	exists func(string) bool
}

// newProfile starts a profile for arches (the first one listed takes the
// others after it as sub-architectures only when it is arm64 and arm is
// listed: an arm64 kernel runs arm programs).
func newProfile(arches []specs.Arch) *profile {
	p := &seccomp.Seccomp{LinuxSeccomp: specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: ptr(uint(enosys))}}
	for _, a := range arches {
		m := seccomp.Architecture{Arch: a, SubArches: []specs.Arch{}}
		if a == specs.ArchAARCH64 && slices.Contains(arches, specs.ArchARM) {
			m.SubArches = []specs.Arch{specs.ArchARM}
		}
		p.ArchMap = append(p.ArchMap, m)
	}
	return &profile{p: p, seen: map[string]bool{}}
}

// open reports whether name may still get a rule: not one already, not
// denied, and a call of the profile's architecture.
func (p *profile) open(name string) bool {
	return !p.seen[name] && !deniedNames[name] && (p.exists == nil || p.exists(name))
}

// allowGroups allows each group's calls that are open. A group with
// argument filters allows its calls only with those values (one rule per
// value: rules are ORed); a call that has a filter (argFilters) keeps it,
// whichever group brings it in, in a rule of its own before the group's.
func (p *profile) allowGroups(gs []group) {
	for _, g := range gs {
		var names []string
		for _, n := range g.names {
			if !p.open(n) {
				continue
			}
			p.seen[n] = true
			if f, ok := argFilters[n]; ok && len(g.args) == 0 {
				p.rules(f, specs.ActAllow, nil)
				continue
			}
			names = append(names, n)
		}
		if len(names) > 0 {
			p.rules(group{comment: g.comment, names: names, args: g.args}, specs.ActAllow, nil)
		}
	}
}

func (p *profile) rules(g group, action specs.LinuxSeccompAction, errno *uint) {
	if len(g.args) == 0 {
		p.p.Syscalls = append(p.p.Syscalls, &seccomp.Syscall{Comment: g.comment,
			LinuxSyscall: specs.LinuxSyscall{Names: g.names, Action: action, ErrnoRet: errno}})
		return
	}
	for _, a := range g.args {
		p.p.Syscalls = append(p.p.Syscalls, &seccomp.Syscall{Comment: g.comment,
			LinuxSyscall: specs.LinuxSyscall{Names: g.names, Action: action, ErrnoRet: errno, Args: []specs.LinuxSeccompArg{a}}})
	}
}

// done adds the explicit ENOSYS answers (probed), the denied groups and
// returns the profile.
func (p *profile) done() *seccomp.Seccomp {
	var nosys []string
	for _, n := range probed {
		if p.open(n) {
			nosys = append(nosys, n)
		}
	}
	if len(nosys) > 0 {
		p.rules(group{comment: "calls programs try and fall back from: ENOSYS, by a rule of its own (Docker 20.10 drops defaultErrnoRet)", names: nosys},
			specs.ActErrno, ptr(uint(enosys)))
	}
	for _, g := range denied {
		p.rules(g, specs.ActErrno, ptr(uint(eperm)))
	}
	return p.p
}

// deniedNames are the calls of the denied groups.
var deniedNames = func() map[string]bool {
	m := map[string]bool{}
	for _, g := range denied {
		for _, n := range g.names {
			m[n] = true
		}
	}
	return m
}()

// Allowed counts the system call names a profile allows (in any rule);
// when goarch is one derive decodes, only the names that are calls of
// linux/goarch.
func Allowed(p *seccomp.Seccomp, goarch string) int {
	return len(AllowedNames(p, goarch))
}

// AllowedNames are the system call names a profile allows (in any rule),
// sorted; when goarch is one derive decodes, only the names that are
// calls of linux/goarch.
func AllowedNames(p *seccomp.Seccomp, goarch string) []string {
	n := map[string]bool{}
	for _, s := range p.Syscalls {
		if s.Action == specs.ActAllow {
			for _, name := range append(slices.Clone(s.Names), s.Name) {
				if name != "" && (archOf[goarch] == "" || derive.Exists(goarch, name)) {
					n[name] = true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(n))
}

// DockerSeccomp is Docker's default profile, from github.com/moby/profiles.
func DockerSeccomp() *seccomp.Seccomp { return seccomp.DefaultProfile() }

// Seccomp returns the profile security.seccomp names, as compact JSON (nil
// for none). file is the content of the profile file when value is a path.
func Seccomp(value string, file []byte) ([]byte, error) {
	var p *seccomp.Seccomp
	switch value {
	case "none":
		return nil, nil
	case "go":
		p = GoSeccomp()
	case "default":
		return nil, errors.New("the default profile is derived from the binary: see DeriveSeccomp")
	case "docker":
		p = DockerSeccomp()
	default:
		if err := CheckSeccomp(file); err != nil {
			return nil, err
		}
		// The user's file, whole, with only its white space removed.
		var b bytes.Buffer
		if err := json.Compact(&b, file); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	return json.Marshal(p)
}

func ptr[T any](v T) *T { return &v }

var (
	actions = []specs.LinuxSeccompAction{specs.ActKill, specs.ActKillProcess, specs.ActKillThread, specs.ActTrap,
		specs.ActErrno, specs.ActTrace, specs.ActAllow, specs.ActLog, specs.ActNotify}
	operators = []specs.LinuxSeccompOperator{specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual, specs.OpEqualTo,
		specs.OpGreaterEqual, specs.OpGreaterThan, specs.OpMaskedEqual}
	arches = []specs.Arch{specs.ArchX86, specs.ArchX86_64, specs.ArchX32, specs.ArchARM, specs.ArchAARCH64,
		specs.ArchMIPS, specs.ArchMIPS64, specs.ArchMIPS64N32, specs.ArchMIPSEL, specs.ArchMIPSEL64, specs.ArchMIPSEL64N32,
		specs.ArchPPC, specs.ArchPPC64, specs.ArchPPC64LE, specs.ArchS390, specs.ArchS390X, specs.ArchPARISC,
		specs.ArchPARISC64, specs.ArchRISCV64, specs.ArchLOONGARCH64, specs.ArchM68K, specs.ArchSH, specs.ArchSHEB}
	flags = []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow,
		specs.LinuxSeccompFlagWaitKillableRecv, "SECCOMP_FILTER_FLAG_TSYNC"}
	// nativeArches are libseccomp's architecture names, used by the
	// includes/excludes filters of Docker's profile format.
	nativeArches = []string{"x86", "amd64", "x32", "arm", "arm64", "loongarch64", "mips", "mips64", "mips64n32",
		"mipsel", "mipsel64", "mipsel64n32", "mips3l64n32", "ppc", "ppc64", "ppc64le", "riscv64", "s390", "s390x"}
)

// CheckSeccomp checks a seccomp profile in Docker's JSON format (the format
// Podman and containerd read too): valid JSON with no unknown fields, a
// default action, and only known actions, operators, architectures, flags
// and system call names. Every problem is reported, each with where it is.
func CheckSeccomp(data []byte) error {
	var p seccomp.Seccomp
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return jsonError(data, err)
	}
	if dec.More() {
		return fmt.Errorf("%s: more than one JSON value", lineCol(data, dec.InputOffset()))
	}
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	if p.DefaultAction == "" {
		bad("defaultAction is missing (SCMP_ACT_ERRNO makes an allowlist)")
	} else if !slices.Contains(actions, p.DefaultAction) {
		bad("defaultAction: unknown action %q%s", p.DefaultAction, didYouMean(string(p.DefaultAction), actions))
	}
	if len(p.Architectures) > 0 && len(p.ArchMap) > 0 {
		bad("architectures and archMap are both set; use one of them")
	}
	checkArch := func(where string, a specs.Arch) {
		if !slices.Contains(arches, a) {
			bad("%s: unknown architecture %q%s", where, a, didYouMean(string(a), arches))
		}
	}
	for i, a := range p.Architectures {
		checkArch(fmt.Sprintf("architectures[%d]", i), a)
	}
	for i, m := range p.ArchMap {
		checkArch(fmt.Sprintf("archMap[%d].architecture", i), m.Arch)
		for j, a := range m.SubArches {
			checkArch(fmt.Sprintf("archMap[%d].subArchitectures[%d]", i, j), a)
		}
	}
	for i, f := range p.Flags {
		if !slices.Contains(flags, f) {
			bad("flags[%d]: unknown flag %q%s", i, f, didYouMean(string(f), flags))
		}
	}
	for i, s := range p.Syscalls {
		at := fmt.Sprintf("syscalls[%d]", i)
		if s == nil {
			bad("%s: null rule", at)
			continue
		}
		names := s.Names
		switch {
		case s.Name != "" && len(s.Names) > 0:
			bad("%s: name and names are both set; use names", at)
		case s.Name != "":
			names = []string{s.Name}
		case len(s.Names) == 0:
			bad("%s: names is missing or empty", at)
		}
		for j, n := range names {
			if !syscallNames[n] {
				bad("%s.names[%d]: unknown system call %q%s", at, j, n, didYouMean(n, knownNames()))
			}
		}
		if s.Action == "" {
			bad("%s.action is missing", at)
		} else if !slices.Contains(actions, s.Action) {
			bad("%s.action: unknown action %q%s", at, s.Action, didYouMean(string(s.Action), actions))
		}
		for j, a := range s.Args {
			if a.Index > 5 {
				bad("%s.args[%d].index: %d is not an argument (0 to 5)", at, j, a.Index)
			}
			if !slices.Contains(operators, a.Op) {
				bad("%s.args[%d].op: unknown operator %q%s", at, j, a.Op, didYouMean(string(a.Op), operators))
			}
		}
		for _, f := range []struct {
			name string
			f    *seccomp.Filter
		}{{"includes", s.Includes}, {"excludes", s.Excludes}} {
			if f.f == nil {
				continue
			}
			for j, a := range f.f.Arches {
				if !slices.Contains(nativeArches, a) {
					bad("%s.%s.arches[%d]: unknown architecture %q%s", at, f.name, j, a, didYouMean(a, nativeArches))
				}
			}
			for j, c := range f.f.Caps {
				if !strings.HasPrefix(c, "CAP_") {
					bad("%s.%s.caps[%d]: %q is not a capability (CAP_...)", at, f.name, j, c)
				}
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

func didYouMean[T ~string](s string, known []T) string {
	c := make([]string, len(known))
	for i, k := range known {
		c[i] = string(k)
	}
	if n := suggest.Nearest(s, c); n != "" {
		return fmt.Sprintf(" (did you mean %q?)", n)
	}
	return ""
}

func knownNames() []string {
	names := make([]string, 0, len(syscallNames))
	for n := range syscallNames {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// jsonError turns a decoding error into one with the line and column.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("%s: invalid JSON: %v", lineCol(data, syn.Offset-1), err)
	case errors.As(err, &typ):
		field := strings.NewReplacer("LinuxSeccomp.", "", "LinuxSyscall.", "").Replace(typ.Field)
		return fmt.Errorf("%s: %s must be %s, not a JSON %s", lineCol(data, typ.Offset), field, kindName(typ.Type), typ.Value)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: invalid JSON: the file ends before the profile does", lineCol(data, int64(len(data))))
	}
	return fmt.Errorf("invalid profile: %v", err)
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "an object"
	case reflect.Bool:
		return "true or false"
	}
	return "a number"
}

func lineCol(data []byte, off int64) string {
	off = min(off, int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}
