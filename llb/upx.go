package llb

import (
	"context"
	"fmt"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/slimfile/slimfile/spec"
)

// UPXArgs are the options the binary is packed with: the best ratio, LZMA.
var UPXArgs = []string{"-q", "--best", "--lzma"}

// upxPath is where upx is looked for: the root of a directory given as the
// named context upx, then the usual bin directories of an image.
const upxPath = "/:/usr/local/bin:/usr/bin:/bin"

// compress packs the binary in bin (a state holding /<binary>) with UPX
// when t asks for it, on the build platform, and returns the state holding
// the packed binary; otherwise it returns bin. upx runs in the named build
// context upx when given (a directory or image holding upx and what it
// needs), else in the toolchain image; a missing upx fails the step, which
// points at build.compress.
func compress(in *Options, t *spec.Target, p ocispecs.Platform, bin llb.State, binary string) llb.State {
	if t.Build.Compress != "upx" {
		return bin
	}
	root := in.Toolchain
	opts := []llb.RunOption{
		llb.Args(append(append([]string{"upx"}, UPXArgs...), outDir+"/"+binary)),
		llb.Network(llb.NetModeNone),
		llb.WithCustomName(fmt.Sprintf("[%s] upx --best --lzma %s (packed binaries start slower; some scanners flag them)", PlatformString(p), binary)),
	}
	if in.UPX != nil {
		// On the toolchain's platform: the build platform.
		root = *in.UPX
		if bp, err := in.Toolchain.GetPlatform(context.Background()); err == nil && bp != nil {
			root = root.Platform(*bp)
		}
		opts = append(opts, llb.AddEnv("PATH", upxPath))
	}
	if in.Locate != nil {
		opts = append(opts, in.Locate(t.Where(&t.Build.Compress)))
	}
	return root.Run(opts...).AddMount(outDir, bin)
}
