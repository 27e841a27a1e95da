package llb

import (
	"path"

	"github.com/moby/buildkit/client/llb"

	"github.com/slimfile/slimfile/spec"
)

// DeriveBinary is the frontend image's program that runs go build and then
// derives the default seccomp profile of the binary it wrote:
//
//	slimfile-derive OUT.json BIN -- go build ...
//
// writes OUT.json (security.Derived: the profile and what the derivation
// found) once the command succeeded (frontend/cmd/slimfile-derive).
const DeriveBinary = "/bin/slimfile-derive"

// Where the derivation writes, in the binary's output directory: every
// consumer of that directory copies the binary alone.
const (
	DerivedDir  = "/.slimfile"
	DerivedFile = "seccomp-derived.json"
)

// frontendMount is where the go build step mounts the frontend's image.
const frontendMount = "/slimfile-frontend"

// derives reports whether the go build step derives t's seccomp profile:
// for security.seccomp: default, when the frontend's image is known.
func derives(in *Options, t *spec.Target) bool {
	return in.Frontend != nil && t.Security.Seccomp == "default"
}

// deriveWrapped runs args (go build ...) through the frontend's binary,
// which derives the profile of binary once they succeed: in the same
// step, so that a rebuild starts no container of its own for it and the
// profile is cached with the binary.
func deriveWrapped(in *Options, binary string, args []string) ([]string, llb.RunOption) {
	wrapped := []string{path.Join(frontendMount, DeriveBinary),
		path.Join(outDir, DerivedDir, DerivedFile), path.Join(outDir, binary), "--"}
	return append(wrapped, args...), llb.AddMount(frontendMount, *in.Frontend, llb.Readonly)
}
