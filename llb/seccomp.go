package llb

import (
	"github.com/slimfile/slimfile/spec"
)

// Where the derivation writes, in the binary's output directory: every
// consumer of that directory copies the binary alone.
const (
	DerivedDir  = "/.slimfile"
	DerivedFile = "seccomp-derived.json"
	// FactsFile is what the binary is made of and its hardening
	// (binfacts.Facts), which go build writes whenever it runs through
	// the step program.
	FactsFile = DerivedDir + "/binary.json"
)

// derives reports whether the go build step derives t's seccomp profile:
// for security.seccomp: default, when the frontend's image is known. The
// derivation runs in the go build step itself (gostep.Build
// Derive), so that a rebuild starts no container of its own for it and
// the profile is cached with the binary.
func derives(in *Options, t *spec.Target) bool {
	return in.Frontend != nil && t.Security.Seccomp == "default"
}
