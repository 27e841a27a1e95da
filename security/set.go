package security

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Set is the confinement of one target: its profiles, their names, and
// the user the image runs as.
type Set struct {
	// Seccomp is the profile as compact JSON; nil for none.
	Seccomp []byte
	// SeccompFile is the file the profiles output exports (the user's file
	// as written, or the indented profile).
	SeccompFile []byte
	// AppArmor is the AppArmor profile; nil for none.
	AppArmor []byte
	// AppArmorName is the name the AppArmor profile declares.
	AppArmorName string
	// Binary names the program; Kubernetes finds the seccomp profile at
	// slimfile/<Binary>.json under the kubelet's seccomp directory.
	Binary string
	// UID and GID the image runs as.
	UID, GID int
}

// Options are a target's security values and what they need.
type Options struct {
	Seccomp, AppArmor string // default, go, docker, none or a path
	// Derived is the profile derived from the binary (DeriveSeccomp), as
	// JSON, for Seccomp default; nil gives the go profile.
	Derived []byte
	// Files holds the content of the values that are paths.
	Files  map[string][]byte
	Binary string // the binary's name
	Exe    string // the binary's path in the image
	// Extra are system calls the image's other programs make (the health
	// check's probe), allowed beside the binary's in the profiles the
	// frontend makes; Programs are those programs, which the AppArmor
	// profile lets run.
	Extra    []string
	Programs []string
	// ExtraFor says in the profile what Extra is for ("the health check's
	// probe" when empty). With Override, Extra is allowed even where a
	// rule of the profile refuses it (the debug image's delve traces).
	ExtraFor string
	Override bool
	UID      int
	GID      int
}

// Error is a problem with one of the security values; Key is
// "security.seccomp" or "security.apparmor".
type Error struct {
	Key string
	Err error
}

func (e *Error) Error() string { return e.Key + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// NewSet makes the profiles o asks for, checking the user's files.
func NewSet(o Options) (*Set, error) {
	s := &Set{Binary: o.Binary, UID: o.UID, GID: o.GID}
	var err error
	switch {
	case o.Seccomp == "default" && o.Derived != nil:
		s.Seccomp = o.Derived
	case o.Seccomp == "default":
		s.Seccomp, err = Seccomp("go", nil)
	default:
		s.Seccomp, err = Seccomp(o.Seccomp, o.Files[o.Seccomp])
	}
	if err == nil && len(o.Extra) > 0 && (o.Seccomp == "default" || o.Seccomp == "go") {
		why := o.ExtraFor
		if why == "" {
			why = "the health check's probe"
		}
		s.Seccomp, err = allowing(s.Seccomp, o.Extra, why, o.Override)
	}
	if err != nil {
		return nil, &Error{Key: "security.seccomp", Err: fmt.Errorf("%s: %w", o.Seccomp, err)}
	}
	switch {
	case s.Seccomp == nil:
	case o.Seccomp == "default" || o.Seccomp == "go" || o.Seccomp == "docker":
		var b bytes.Buffer
		if err := json.Indent(&b, s.Seccomp, "", "  "); err != nil {
			return nil, err
		}
		b.WriteByte('\n')
		s.SeccompFile = b.Bytes()
	default:
		s.SeccompFile = o.Files[o.Seccomp]
	}
	switch o.AppArmor {
	case "none":
	case "default":
		s.AppArmorName = DefaultAppArmorName(o.Binary)
		s.AppArmor = DefaultAppArmor(s.AppArmorName, o.Exe, o.Programs...)
	default:
		s.AppArmor = o.Files[o.AppArmor]
		if s.AppArmorName, err = AppArmorName(s.AppArmor); err != nil {
			return nil, &Error{Key: "security.apparmor", Err: fmt.Errorf("%s: %w", o.AppArmor, err)}
		}
	}
	return s, nil
}

// Labels are the image labels that carry the profiles.
func (s *Set) Labels() map[string]string {
	l := map[string]string{}
	if s.Seccomp != nil {
		l[SeccompLabel] = string(s.Seccomp)
	}
	if s.AppArmor != nil {
		l[AppArmorLabel] = s.AppArmorName
	}
	return l
}

// Files of the profiles output.
const (
	SeccompFileName         = "seccomp.json"
	AppArmorFileName        = "apparmor.profile"
	SecurityContextFileName = "securitycontext.yaml"
)

// Files are the profiles output: file name to content.
func (s *Set) Files() map[string][]byte {
	f := map[string][]byte{SecurityContextFileName: s.SecurityContext()}
	if s.SeccompFile != nil {
		f[SeccompFileName] = s.SeccompFile
	}
	if s.AppArmor != nil {
		f[AppArmorFileName] = s.AppArmor
	}
	return f
}

// allowing is the profile (JSON) with a rule, commented with why, that
// allows those of names that no rule of it names: a call it allows with
// conditions (socket for some families only) or refuses keeps its rule;
// with override, a rule that refuses one of names no longer names it.
func allowing(profile []byte, names []string, why string, override bool) ([]byte, error) {
	var p seccomp.Seccomp
	if err := json.Unmarshal(profile, &p); err != nil {
		return nil, err
	}
	if override {
		var kept []*seccomp.Syscall
		for _, r := range p.Syscalls {
			if r.Action != specs.ActAllow {
				r.Names = slices.DeleteFunc(r.Names, func(n string) bool { return slices.Contains(names, n) })
				if len(r.Names) == 0 && r.Name == "" {
					continue
				}
			}
			kept = append(kept, r)
		}
		p.Syscalls = kept
	}
	named := map[string]bool{}
	for _, r := range p.Syscalls {
		for _, n := range append(slices.Clone(r.Names), r.Name) {
			named[n] = true
		}
	}
	var add []string
	for _, n := range names {
		if !named[n] {
			add = append(add, n)
		}
	}
	if len(add) == 0 {
		return profile, nil
	}
	p.Syscalls = append(p.Syscalls, &seccomp.Syscall{LinuxSyscall: specs.LinuxSyscall{Names: add, Action: specs.ActAllow}, Comment: why})
	return json.Marshal(&p)
}
