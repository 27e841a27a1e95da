//go:build libseccomp

// Package seccompbpf compiles a seccomp profile in Docker's JSON format to
// the BPF program runc would load for one architecture, and runs that
// program on a system call as the kernel does, to tell what the call gets.
//
// It needs cgo and libseccomp's headers (Debian's libseccomp-dev and
// pkg-config), hence the libseccomp build tag.
package seccompbpf

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

// arch is what the filter and the kernel know of an architecture.
type arch struct {
	scmp  libseccomp.ScmpArch
	audit uint32 // AUDIT_ARCH_*, seccomp_data.arch
	wide  bool   // 64-bit: system call arguments have 64 bits
}

// arches are the architectures Slimfile builds for, by GOARCH (which are
// also libseccomp's names, used by the profile's includes and excludes).
var arches = map[string]arch{
	"amd64": {scmp: libseccomp.ArchAMD64, audit: 0xc000003e, wide: true}, // EM_X86_64 | 64BIT | LE
	"arm64": {scmp: libseccomp.ArchARM64, audit: 0xc00000b7, wide: true}, // EM_AARCH64 | 64BIT | LE
	"arm":   {scmp: libseccomp.ArchARM, audit: 0x40000028},               // EM_ARM | LE
}

// Filter is a profile compiled for one architecture.
type Filter struct {
	name string
	arch arch
	prog []Instruction
}

// Compile turns profile, in Docker's JSON format, into the program runc
// loads on arch ("amd64", "arm64" or "arm") for a container with no
// capabilities: moby's LoadProfile, then libseccomp with that architecture
// alone, then runc's -ENOSYS prefix.
func Compile(profile []byte, arch string) (*Filter, error) {
	a, ok := arches[arch]
	if !ok {
		return nil, fmt.Errorf("architecture %q: want amd64, arm64 or arm", arch)
	}
	body, err := resolveArches(profile, arch)
	if err != nil {
		return nil, err
	}
	cfg, err := seccomp.LoadProfile(string(body), &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{}}})
	if err != nil {
		return nil, fmt.Errorf("loading the profile: %w", err)
	}
	if cfg == nil {
		return nil, errors.New("the profile has no default action and no rules: runc runs such a container unconfined")
	}
	prog, err := build(cfg, a)
	if err != nil {
		return nil, fmt.Errorf("compiling the profile for %s: %w", arch, err)
	}
	prog = append(enosysStub(cfg, a), prog...)
	if err := check(prog); err != nil {
		return nil, fmt.Errorf("the program for %s would not load: %w", arch, err)
	}
	return &Filter{name: arch, arch: a, prog: prog}, nil
}

// Program returns the filter's BPF program, as runc would load it.
func (f *Filter) Program() []Instruction { return slices.Clone(f.prog) }

// Eval runs the filter on system call nr with args, as the kernel does for
// a process of the filter's architecture. On arm the arguments are 32-bit
// registers, so only the low 32 bits of each count.
func (f *Filter) Eval(nr int, args [6]uint64) Result {
	return f.eval(f.arch.audit, nr, args)
}

// EvalName is Eval for the system call called name on the filter's
// architecture.
func (f *Filter) EvalName(name string, args [6]uint64) (Result, error) {
	nr, err := f.Number(name)
	if err != nil {
		return Result{}, err
	}
	return f.Eval(nr, args), nil
}

// Number is the number of system call name on the filter's architecture,
// from libseccomp's tables.
func (f *Filter) Number(name string) (int, error) {
	nr, err := libseccomp.GetSyscallFromNameByArch(name, f.arch.scmp)
	if err != nil {
		return 0, fmt.Errorf("system call %q on %s: %w", name, f.name, err)
	}
	if nr < 0 { // libseccomp's pseudo-number for a call of other architectures
		return 0, fmt.Errorf("system call %q does not exist on %s", name, f.name)
	}
	return int(nr), nil
}

// eval builds struct seccomp_data {int nr; u32 arch; u64 ip; u64 args[6]}
// in the architecture's byte order (little-endian for all three) and runs
// the program on it.
func (f *Filter) eval(audit uint32, nr int, args [6]uint64) Result {
	var d [seccompDataLen]byte
	binary.LittleEndian.PutUint32(d[0:], uint32(int32(nr)))
	binary.LittleEndian.PutUint32(d[4:], audit)
	// d[8:16], the instruction pointer, stays 0.
	for i, v := range args {
		if !f.arch.wide {
			v = uint64(uint32(v))
		}
		binary.LittleEndian.PutUint64(d[16+8*i:], v)
	}
	return decode(run(f.prog, &d))
}

// resolveArches decides the rules' includes.arches and excludes.arches for
// arch and removes them: moby's LoadProfile would decide them for the
// machine running this (runtime.GOARCH), where runc on an arch machine
// sees them decided for arch.
func resolveArches(profile []byte, arch string) ([]byte, error) {
	var p seccomp.Seccomp
	if err := json.Unmarshal(profile, &p); err != nil {
		return nil, fmt.Errorf("decoding the profile: %w", err)
	}
	kept := p.Syscalls[:0]
	for i, s := range p.Syscalls {
		if s == nil {
			return nil, fmt.Errorf("syscalls[%d] is null", i)
		}
		if s.Excludes != nil {
			if slices.Contains(s.Excludes.Arches, arch) {
				continue
			}
			s.Excludes.Arches = nil
		}
		if s.Includes != nil {
			if len(s.Includes.Arches) > 0 && !slices.Contains(s.Includes.Arches, arch) {
				continue
			}
			s.Includes.Arches = nil
		}
		kept = append(kept, s)
	}
	p.Syscalls = kept
	return json.Marshal(&p)
}

// build makes the libseccomp filter the way runc's
// libcontainer/seccomp.InitSeccomp does, for arch alone, and exports it.
func build(cfg *specs.LinuxSeccomp, a arch) ([]Instruction, error) {
	def, err := action(cfg.DefaultAction, cfg.DefaultErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("defaultAction: %w", err)
	}
	if def == libseccomp.ActNotify {
		return nil, errors.New("defaultAction: runc refuses SCMP_ACT_NOTIFY")
	}
	f, err := libseccomp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("creating the filter: %w", err)
	}
	defer f.Release()
	native, err := libseccomp.GetNativeArch()
	if err != nil {
		return nil, fmt.Errorf("the native architecture: %w", err)
	}
	if native != a.scmp {
		if err := f.AddArch(a.scmp); err != nil {
			return nil, fmt.Errorf("adding %v: %w", a.scmp, err)
		}
		if err := f.RemoveArch(native); err != nil {
			return nil, fmt.Errorf("removing %v: %w", native, err)
		}
	}
	n := 0
	for _, c := range cfg.Syscalls {
		n += len(c.Names)
	}
	if n > 32 {
		// runc's binary tree for long lists; it ignores a libseccomp
		// without it too.
		_ = f.SetOptimize(2)
	}
	for _, c := range cfg.Syscalls {
		if err := addRules(f, c, def); err != nil {
			return nil, err
		}
	}
	raw, err := export(f)
	if err != nil {
		return nil, fmt.Errorf("exporting the BPF program: %w", err)
	}
	if len(raw)%8 != 0 {
		return nil, fmt.Errorf("exported BPF program of %d bytes, not a multiple of 8", len(raw))
	}
	prog := make([]Instruction, len(raw)/8)
	for i := range prog {
		// seccomp_export_bpf writes struct sock_filter in the byte
		// order of this machine.
		b := raw[8*i:]
		prog[i] = Instruction{Code: binary.NativeEndian.Uint16(b), Jt: b[2], Jf: b[3], K: binary.NativeEndian.Uint32(b[4:])}
	}
	return prog, nil
}

// addRules adds rule c for each of its names, as runc's matchCall does: a
// rule with the default action is left out, a name libseccomp does not
// know is ignored, the conditions are ANDed unless two test the same
// argument, in which case each is a rule of its own (ORed).
func addRules(f *libseccomp.ScmpFilter, c specs.LinuxSyscall, def libseccomp.ScmpAction) error {
	act, err := action(c.Action, c.ErrnoRet)
	if err != nil {
		return fmt.Errorf("the rule for %v: %w", c.Names, err)
	}
	var conds []libseccomp.ScmpCondition
	var seen [6]bool
	split := false
	for _, arg := range c.Args {
		op, ok := operators[arg.Op]
		if !ok {
			return fmt.Errorf("the rule for %v: unknown operator %q", c.Names, arg.Op)
		}
		cond, err := libseccomp.MakeCondition(arg.Index, op, arg.Value, arg.ValueTwo)
		if err != nil {
			return fmt.Errorf("the rule for %v: %w", c.Names, err)
		}
		split = split || seen[arg.Index]
		seen[arg.Index] = true
		conds = append(conds, cond)
	}
	for _, name := range c.Names {
		if act == libseccomp.ActNotify && name == "write" {
			return errors.New("runc refuses SCMP_ACT_NOTIFY for write")
		}
		if act == def {
			continue
		}
		// The number on this machine: libseccomp translates it by name
		// for the filter's architecture.
		nr, err := libseccomp.GetSyscallFromName(name)
		if err != nil {
			continue
		}
		switch {
		case len(conds) == 0:
			err = f.AddRule(nr, act)
		case split:
			for _, cond := range conds {
				if err = f.AddRuleConditional(nr, act, []libseccomp.ScmpCondition{cond}); err != nil {
					break
				}
			}
		default:
			err = f.AddRuleConditional(nr, act, conds)
		}
		if err != nil {
			return fmt.Errorf("adding the rule for %s: %w", name, err)
		}
	}
	return nil
}

// action is runc's getAction: SCMP_ACT_KILL kills the thread, ERRNO and
// TRACE without errnoRet return EPERM.
func action(a specs.LinuxSeccompAction, errnoRet *uint) (libseccomp.ScmpAction, error) {
	code := int16(1) // EPERM
	if errnoRet != nil {
		code = int16(*errnoRet)
	}
	switch a {
	case specs.ActKill, specs.ActKillThread:
		return libseccomp.ActKillThread, nil
	case specs.ActKillProcess:
		return libseccomp.ActKillProcess, nil
	case specs.ActErrno:
		return libseccomp.ActErrno.SetReturnCode(code), nil
	case specs.ActTrace:
		return libseccomp.ActTrace.SetReturnCode(code), nil
	case specs.ActTrap:
		return libseccomp.ActTrap, nil
	case specs.ActAllow:
		return libseccomp.ActAllow, nil
	case specs.ActLog:
		return libseccomp.ActLog, nil
	case specs.ActNotify:
		return libseccomp.ActNotify, nil
	}
	return libseccomp.ActInvalid, fmt.Errorf("unknown action %q", a)
}

var operators = map[specs.LinuxSeccompOperator]libseccomp.ScmpCompareOp{
	specs.OpNotEqual:     libseccomp.CompareNotEqual,
	specs.OpLessThan:     libseccomp.CompareLess,
	specs.OpLessEqual:    libseccomp.CompareLessOrEqual,
	specs.OpEqualTo:      libseccomp.CompareEqual,
	specs.OpGreaterEqual: libseccomp.CompareGreaterEqual,
	specs.OpGreaterThan:  libseccomp.CompareGreater,
	specs.OpMaskedEqual:  libseccomp.CompareMaskedEqual,
}

// export returns the filter's program as seccomp_export_bpf writes it.
func export(f *libseccomp.ScmpFilter) ([]byte, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	type read struct {
		b   []byte
		err error
	}
	done := make(chan read, 1)
	go func() {
		b, err := io.ReadAll(r)
		done <- read{b, err}
	}()
	err = f.ExportBPF(w)
	w.Close()
	got := <-done
	if err != nil {
		return nil, err
	}
	return got.b, got.err
}

// enosysStub is runc's -ENOSYS prefix (libcontainer/seccomp/patchbpf) for
// one architecture: a call numbered above every call the profile names
// (a call newer than the profile) fails with ENOSYS, as on a kernel that
// lacks it, instead of getting the default action. runc adds it unless
// the default action lets calls run; on amd64 it leaves x32 calls alone.
func enosysStub(cfg *specs.LinuxSeccomp, a arch) []Instruction {
	switch cfg.DefaultAction {
	case specs.ActAllow, specs.ActLog, specs.ActTrace:
		return nil
	}
	var last libseccomp.ScmpSyscall
	for _, c := range cfg.Syscalls {
		for _, name := range c.Names {
			if nr, err := libseccomp.GetSyscallFromNameByArch(name, a.scmp); err == nil && nr > last {
				last = nr
			}
		}
	}
	if last == 0 {
		return nil
	}
	const (
		ldAbs = clsLD | modeABS | sizeW
		jeq   = clsJMP | jmpJEQ | srcK
		jgt   = clsJMP | jmpJGT | srcK
		jset  = clsJMP | jmpJSET | srcK
		ret   = clsRET | srcK
	)
	p := []Instruction{
		{Code: ldAbs, K: 4},                   // A = arch
		{Code: jeq, K: a.audit},               // another architecture: to the filter
		{Code: ldAbs, K: 0},                   // A = nr
		{Code: jset, K: 1 << 30},              // amd64 only: an x32 call, to the filter
		{Code: jgt, K: uint32(last)},          // not newer: to the filter
		{Code: ret, K: uint32(ActErrno) | 38}, // ENOSYS
	}
	if a.scmp != libseccomp.ArchAMD64 {
		p = slices.Delete(p, 3, 4)
	}
	// Each jump to the filter goes past the end of the stub.
	toFilter := func(i int) uint8 { return uint8(len(p) - i - 1) }
	p[1].Jf = toFilter(1)
	if a.scmp == libseccomp.ArchAMD64 {
		p[3].Jt = toFilter(3)
	}
	p[len(p)-2].Jf = toFilter(len(p) - 2)
	return p
}
