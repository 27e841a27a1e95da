package llb

import (
	"path"

	"github.com/moby/buildkit/client/llb"

	"github.com/slimfile/slimfile/internal/gostep"
)

// repackedZoneinfo runs the step program on the toolchain's zoneinfo.zip
// (gostep.Zoneinfo, internal/zoneinfo.Repack: identical zones side by side,
// so that gzip compresses the layer about a sixth smaller). Being a build
// step, it is cached like any other: a warm build neither reads nor sends
// the file, and the frontend image is on the builder already, since it
// runs the frontend.
func repackedZoneinfo(in *Options) llb.State {
	src := path.Join("/toolchain", in.GOROOT, "lib/time/zoneinfo.zip")
	run := in.Frontend.Run(
		llb.Args(append([]string{gostep.Program}, gostep.Argv(&gostep.Zoneinfo{In: src, Out: "/out/zoneinfo.zip"})...)),
		llb.AddMount("/toolchain", in.Toolchain, llb.Readonly),
		llb.Network(llb.NetModeNone),
		llb.WithCustomName("time zones: repack zoneinfo.zip, identical zones side by side"),
	)
	return run.AddMount("/out", llb.Scratch())
}
