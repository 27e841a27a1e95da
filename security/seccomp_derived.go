package security

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/slimfile/slimfile/security/derive"
)

// Derivation is what deriving a binary's profile found: the report the
// frontend shows and warns from, written beside the profile.
type Derivation struct {
	// GOARCH is the binary's architecture.
	GOARCH string `json:"goarch"`
	// Binary are the system calls the binary's code can make.
	Binary []string `json:"binary"`
	// Allowed counts the calls of the binary's architecture the profile
	// allows; Go counts those of the go profile, for comparison.
	Allowed int `json:"allowed"`
	Go      int `json:"go"`
	// Fallback says why the go profile was added to the binary's calls
	// ("" when it was not): the functions whose call numbers could not be
	// traced, or a binary that could not be read.
	Fallback string `json:"fallback,omitempty"`
	// Unresolved are those functions, each with the reason.
	Unresolved []string `json:"unresolved,omitempty"`
	// ForeignCode is set when the binary links C code (cgo): the C
	// library's calls (libcGroups) are added too.
	ForeignCode bool `json:"foreign_code,omitempty"`
	// Refused are the calls of the binary's code that the profile denies
	// all the same (EPERM), each with every function that makes it.
	Refused []Refused `json:"refused,omitempty"`
}

// Refused is a denied call that the binary's code can make.
type Refused struct {
	Call  string   `json:"call"`
	Funcs []string `json:"funcs"`
}

// Unexpected reports whether code outside the standard library makes
// the call: syscall's child setup reaches ptrace, mount, unshare and
// chroot only for SysProcAttr options, which services leave unset.
func (r Refused) Unexpected() bool {
	for _, f := range r.Funcs {
		// A module path's first element has a dot; the standard
		// library's do not.
		i := strings.IndexByte(f, '/')
		if strings.HasPrefix(f, "main.") || (i > 0 && strings.Contains(f[:i], ".")) {
			return true
		}
	}
	return false
}

// String is the call with the first three functions that make it.
func (r Refused) String() string {
	fs := strings.Join(r.Funcs[:min(3, len(r.Funcs))], ", ")
	if n := len(r.Funcs) - 3; n > 0 {
		fs += fmt.Sprintf(" and %d more", n)
	}
	return r.Call + " (" + fs + ")"
}

// Derived is the file the derivation writes beside the binary: the
// profile, as the image label holds it, and what was found.
type Derived struct {
	Profile    json.RawMessage `json:"profile"`
	Derivation *Derivation     `json:"derivation"`
}

// archOf maps a GOARCH to the seccomp architecture of its profile.
var archOf = map[string]specs.Arch{"amd64": specs.ArchX86_64, "arm64": specs.ArchAARCH64, "arm": specs.ArchARM}

// DeriveSeccomp makes the default profile of a binary: every system call
// its code can make (derive.Binary), plus what the kernel and the
// container runtime call in its process (startGroups), for its
// architecture only. Calls that the go profile filters by argument keep
// that filter; denied calls stay denied, whether or not the binary makes
// them. Where a call number cannot be traced, or the binary cannot be
// read, the go profile's calls are added and Derivation.Fallback says
// why: the profile is never smaller than what the binary can call.
func DeriveSeccomp(bin []byte) (*seccomp.Seccomp, *Derivation, error) {
	d := &Derivation{}
	r, err := derive.Binary(bin)
	switch {
	case errors.Is(err, derive.ErrUnsupported):
		d.Fallback = err.Error()
	case err != nil:
		return nil, nil, err
	default:
		d.GOARCH = r.GOARCH
		d.Binary = r.Names()
		for _, n := range d.Binary {
			if deniedNames[n] {
				d.Refused = append(d.Refused, Refused{Call: n, Funcs: r.Calls[n]})
			}
		}
		for _, u := range r.Unresolved {
			d.Unresolved = append(d.Unresolved, u.String())
		}
		switch {
		case len(r.Unresolved) > 0:
			fs := make([]string, len(r.Unresolved))
			for i, u := range r.Unresolved {
				fs[i] = u.Func
			}
			d.Fallback = "the system call numbers of " + strings.Join(fs, ", ") + " could not be read from the binary"
		case len(r.Unnamed) > 0:
			d.Fallback = fmt.Sprintf("the binary makes system calls that have no name on linux/%s: %v", r.GOARCH, r.Unnamed)
		case r.ForeignCode:
			d.Fallback = "the binary links C code (cgo), whose system calls are not read from it (the C library's calls are added too)"
		}
		d.ForeignCode = r.ForeignCode
	}
	return d.profile(), d, nil
}

// profile makes the profile of what d found, and sets d.Go and d.Allowed.
func (d *Derivation) profile() *seccomp.Seccomp {
	goProfile := GoSeccomp()
	d.Go = Allowed(goProfile, d.GOARCH)
	arch, ok := archOf[d.GOARCH]
	if !ok {
		if d.Fallback == "" {
			d.Fallback = "no profile can be derived for linux/" + d.GOARCH
		}
		d.Allowed = d.Go
		return goProfile
	}
	p := newProfile([]specs.Arch{arch})
	p.exists = func(name string) bool { return derive.Exists(d.GOARCH, name) }
	p.allowGroups([]group{{comment: "the system calls the binary's code can make, read from the binary", names: d.Binary}})
	p.allowGroups(startGroups)
	if d.Fallback != "" {
		p.allowGroups(goGroups)
	}
	if d.ForeignCode {
		p.allowGroups(libcGroups)
	}
	prof := p.done()
	d.Allowed = Allowed(prof, d.GOARCH)
	return prof
}

// UnionSeccomp makes the profile of an image with several binaries of one
// architecture from what deriving each one's found (in ds, the
// entrypoint first): every call any of them can make, the go profile
// added when it was added for any of them (Fallback says for which), and
// a call refused with every function of any binary that makes it.
func UnionSeccomp(names []string, ds []*Derivation) (*seccomp.Seccomp, *Derivation, error) {
	u := &Derivation{GOARCH: ds[0].GOARCH}
	calls := map[string]bool{}
	refused := map[string][]string{}
	var fallbacks []string
	for i, d := range ds {
		if d.GOARCH != u.GOARCH {
			return nil, nil, fmt.Errorf("%s is for %s, %s for %s", names[0], u.GOARCH, names[i], d.GOARCH)
		}
		for _, c := range d.Binary {
			calls[c] = true
		}
		for _, r := range d.Refused {
			refused[r.Call] = append(refused[r.Call], r.Funcs...)
		}
		if d.Fallback != "" {
			fallbacks = append(fallbacks, names[i]+": "+d.Fallback)
		}
		u.Unresolved = append(u.Unresolved, d.Unresolved...)
		u.ForeignCode = u.ForeignCode || d.ForeignCode
	}
	u.Binary = slices.Sorted(maps.Keys(calls))
	for _, c := range slices.Sorted(maps.Keys(refused)) {
		fs := refused[c]
		slices.Sort(fs)
		u.Refused = append(u.Refused, Refused{Call: c, Funcs: slices.Compact(fs)})
	}
	u.Fallback = strings.Join(fallbacks, "; ")
	return u.profile(), u, nil
}

// Adds are the calls of d that none of others makes, sorted.
func (d *Derivation) Adds(others ...*Derivation) []string {
	seen := map[string]bool{}
	for _, o := range others {
		for _, c := range o.Binary {
			seen[c] = true
		}
	}
	var out []string
	for _, c := range d.Binary {
		if !seen[c] {
			out = append(out, c)
		}
	}
	return out
}

// Summary is the one line the derivation step prints.
func (d *Derivation) Summary() string {
	s := fmt.Sprintf("the binary can make %d system calls; the profile allows %d (the go profile: %d)", len(d.Binary), d.Allowed, d.Go)
	if d.Fallback != "" {
		s += "; the go profile was added: " + d.Fallback
	}
	return s
}
