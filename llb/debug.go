package llb

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/slimfile/slimfile/internal/gostep"
	"github.com/slimfile/slimfile/security"
	"github.com/slimfile/slimfile/spec"
)

// The debug variant (the T.debug output) is the image with a layer of
// tools: a shell at /bin/sh and core utilities, one static binary of the
// module internal/debugtools (mvdan.cc/sh and u-root), linked under each
// of its names, and, with debug.delve, delve's dlv, which then starts the
// binary. The frontend's image carries that module with its dependencies
// vendored; a step compiles it with the build's toolchain for the target
// platform, as go build compiles the binary: natively, with no network
// and no emulation.

// Where the debug tools are.
const (
	// DebugToolsDir is where the frontend's image holds the tools' module.
	DebugToolsDir = "/debugtools"
	// DebugBinDir is the directory of the image the tools go into.
	DebugBinDir = "/bin"
	// DlvPath is delve in the debug image.
	DlvPath = DebugBinDir + "/dlv"
	// DlvPort is the port delve listens on.
	DlvPort = "40000"
	// DebugDerivedDir is the directory of the tools step's output that holds
	// the seccomp profile derived from each tool (<name>.json, as
	// security.Derived).
	DebugDerivedDir = "/derived"
)

// delveArches are the architectures delve debugs on Linux.
var delveArches = []string{"amd64", "arm64", "386", "ppc64le", "riscv64", "loong64"}

// DebugTarget is t as its debug variant builds it: with debug.delve, the
// binary unoptimized, not inlined, unstripped and unpacked, so that delve
// can map it to its source; t itself otherwise. It shares t's positions.
func DebugTarget(t *spec.Target) *spec.Target {
	if !t.Debug.Delve {
		return t
	}
	d := *t
	d.Build.Gcflags = append(slices.Clone(t.Build.Gcflags), "all=-N -l")
	d.Build.Strip = false
	d.Build.Compress = "none"
	return &d
}

// debugTools is the step that compiles the debug tools for r's platform:
// its output holds DebugBinDir's files and DebugDerivedDir.
func (r *Result) debugTools() (llb.State, error) {
	in, t, p := r.opts, r.Target, r.Platform
	if in.Frontend == nil {
		return llb.State{}, &spec.ValueError{Range: t.Where(&t.Debug),
			Err: fmt.Errorf("the debug variant compiles its tools from the frontend's image, which this BuildKit does not name")}
	}
	if t.Debug.Delve && !slices.Contains(delveArches, p.Architecture) {
		return llb.State{}, &spec.ValueError{Range: t.Where(&t.Debug.Delve),
			Err: fmt.Errorf("delve does not debug %s programs (it debugs linux on %s): build T.debug without debug.delve for that platform", PlatformString(p), strings.Join(delveArches, ", "))}
	}
	goEnv, err := GoEnv(p)
	if err != nil {
		return llb.State{}, &spec.ValueError{Range: t.Where(&t.Platforms), Err: err}
	}
	c := &gostep.DebugTools{
		Dir: path.Join(frontendMount, DebugToolsDir), Out: path.Join(outDir, DebugBinDir),
		Derived: path.Join(outDir, DebugDerivedDir), Delve: t.Debug.Delve,
	}
	args, mount := in.goStep(c)
	what := "sh and core utilities"
	if t.Debug.Delve {
		what += ", delve"
	}
	opts := []llb.RunOption{mount,
		llb.Args(args),
		llb.Dir("/"),
		llb.Network(llb.NetModeNone),
		llb.WithCustomName(fmt.Sprintf("[%s] go build the debug tools: %s", PlatformString(p), what)),
		// The tools' own settings, whatever the build's: static, from
		// their vendored modules alone.
		llb.AddEnv("CGO_ENABLED", "0"),
		llb.AddEnv("GOFLAGS", "-mod=vendor"),
		llb.AddEnv("GOWORK", "off"),
		llb.AddEnv("GOTOOLCHAIN", "local"),
	}
	for _, kv := range goEnv {
		k, v, _ := strings.Cut(kv, "=")
		opts = append(opts, llb.AddEnv(k, v))
	}
	opts = append(opts, in.buildCacheMount())
	opts = append(opts, goCacheEnv()...)
	opts = append(opts, in.at(t.Where(&t.Debug))...)
	return in.Toolchain.Run(opts...).AddMount(outDir, llb.Scratch()), nil
}

// Debug is r's debug image (r built from DebugTarget): r.Image with the
// tools in DebugBinDir as one more layer, and the tools step's output,
// whose DebugDerivedDir the debug profile is made from (DebugConfinement).
func (r *Result) Debug() (image, tools llb.State, err error) {
	tools, err = r.debugTools()
	if err != nil {
		return llb.State{}, llb.State{}, err
	}
	layer := llb.Scratch().File(
		llb.Copy(tools, DebugBinDir, DebugBinDir, &llb.CopyInfo{CopyDirContentsOnly: true, CreateDestPath: true}),
		llb.WithCustomName(fmt.Sprintf("[%s] stage the debug tools in %s", PlatformString(r.Platform), DebugBinDir)))
	image = r.Image.File(pinnedCopy(r.opts, layer), llb.WithCustomName("debug tools: "+DebugBinDir+" (for debugging only)"))
	return image, tools, nil
}

// DebugConfig is the debug image's config: r.Config(set) with the debug
// layer's history, and, with debug.delve, delve as the entrypoint, which
// starts the binary (and the image's own entrypoint arguments) on its port.
func (r *Result) DebugConfig(img *Image) *Image {
	t := r.Target
	epoch := r.opts.Epoch
	what := "sh and core utilities"
	if t.Debug.Delve {
		what += ", delve"
	}
	img.History = append(img.History, ocispecs.History{Created: &epoch, CreatedBy: "slimfile: debug tools in " + DebugBinDir + ": " + what + " (for debugging only)", Comment: "slimfile"})
	if t.Debug.Delve {
		c := &img.Config
		entry := c.Entrypoint
		if len(entry) == 0 {
			entry = []string{path.Join(BinDir, r.BinaryName)}
		}
		c.Entrypoint = append([]string{DlvPath, "exec", "--headless", "--listen=:" + DlvPort, "--api-version=2", "--accept-multiclient", entry[0], "--"}, entry[1:]...)
		if c.ExposedPorts == nil {
			c.ExposedPorts = map[string]struct{}{}
		}
		c.ExposedPorts[DlvPort+"/tcp"] = struct{}{}
	}
	if c := &img.Config; c.Labels == nil {
		c.Labels = map[string]string{}
	}
	img.Config.Labels[DebugLabel] = "for debugging only: a shell and core utilities" + map[bool]string{true: ", delve", false: ""}[t.Debug.Delve]
	return img
}

// DebugLabel marks a debug image.
const DebugLabel = "com.github.slimfile.debug"

// DebugConfinement is the debug image's confinement. Its seccomp profile is
// Confinement's (derived: as there) allowing, besides, every call of the
// go list and those the tools can make (toolCalls, derived from them by
// their step): the shell runs programs and the utilities read and write
// what a user asks, which no derivation of the binary foresees, and delve
// traces. A profile file (security.seccomp: PATH), docker and none stay as
// they are. It has no AppArmor profile: the generated one forbids running
// other programs and ptrace, and the engine's default applies.
func (r *Result) DebugConfinement(derived []byte, toolCalls []string) (*security.Set, error) {
	t := r.Target
	uid, gid := userIDs(t.Image.User)
	extra := ProbeSyscalls(t, r.Platform.Architecture)
	extra = append(extra, security.AllowedNames(security.GoSeccomp(), r.Platform.Architecture)...)
	extra = append(extra, toolCalls...)
	slices.Sort(extra)
	set, err := security.NewSet(security.Options{
		Seccomp: t.Security.Seccomp, AppArmor: "none", Files: r.opts.ProfileFiles, Derived: derived,
		Binary: r.BinaryName, Exe: path.Join(BinDir, r.BinaryName), UID: uid, GID: gid,
		Extra: slices.Compact(extra), ExtraFor: "the debug image's tools (the go list, and what the tools can call)", Override: true,
	})
	var se *security.Error
	if errors.As(err, &se) {
		return nil, &spec.ValueError{Range: t.Where(&t.Security.Seccomp), Err: err}
	}
	return set, err
}
