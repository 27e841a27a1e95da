package llb

import (
	"fmt"
	"path"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/slimfile/slimfile/spec"
)

// DeriveCommand is the frontend binary's subcommand that derives the
// default seccomp profile of a binary: derive-seccomp BIN OUTDIR writes
// OUTDIR/SeccompFile and OUTDIR/DerivationFile (security.DeriveSeccomp).
const DeriveCommand = "derive-seccomp"

// Files the derivation step writes.
const (
	DerivedSeccompFile = "seccomp.json"
	DerivationFile     = "derivation.json"
)

// DeriveSeccomp runs the frontend's own binary on the binary in bin (a
// state holding /<binary>) and returns the state holding the derived
// profile and its report. It runs on the build platform, without network,
// and is cached like any step: a warm build does not run it again.
func DeriveSeccomp(in *Inputs, t *spec.Target, p ocispecs.Platform, binary string, bin llb.State) llb.State {
	opts := []llb.RunOption{
		llb.Args([]string{frontendBinary, DeriveCommand, path.Join("/bin-in", binary), outDir}),
		llb.AddMount("/bin-in", bin, llb.Readonly),
		llb.Network(llb.NetModeNone),
		llb.WithCustomName(fmt.Sprintf("[%s] seccomp: system calls of %s", PlatformString(p), path.Join(BinDir, binary))),
	}
	if in.Locate != nil {
		opts = append(opts, in.Locate(t, "security.seccomp"))
	}
	return in.Frontend.Run(opts...).AddMount(outDir, llb.Scratch())
}
