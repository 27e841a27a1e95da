package llb

import (
	"fmt"
	"path"

	"github.com/moby/buildkit/client/llb"

	"github.com/slimfile/slimfile/internal/gostep"
)

// The image report (the T.report output): a step of the frontend's image
// mounts the files of each layer r.Image adds (Layers) and measures them
// as the request, made by the frontend, asks (gostep.Report,
// report.Request): the layer blobs as BuildKit writes them, every byte of
// the binary, its hardening. It runs only for the report output.

// ReportLayerDir is where the report step mounts the files of layer i.
func ReportLayerDir(i int) string { return fmt.Sprintf("/slimfile-layers/%d", i) }

// ReportFiles are the files of the report step's output.
var ReportFiles = []string{"report.json", "report.svg", "report.html"}

// Report is the report step of r for request (a report.Request, as JSON,
// whose layer directories are ReportLayerDir): its output holds
// ReportFiles.
func (r *Result) Report(request []byte) (llb.State, error) {
	in := r.opts
	if in.Frontend == nil {
		return llb.State{}, fmt.Errorf("the report needs the frontend's image, whose step program measures the image")
	}
	req := llb.Scratch().File(llb.Mkfile("/request.json", 0o644, request), llb.WithCustomName(fmt.Sprintf("[%s] what the report measures", PlatformString(r.Platform))))
	opts := []llb.RunOption{
		llb.Args(append([]string{gostep.Program}, gostep.Argv(&gostep.Report{Request: "/slimfile-request/request.json", Out: "/out"})...)),
		llb.AddMount("/slimfile-request", req, llb.Readonly),
		llb.Network(llb.NetModeNone),
		llb.WithCustomName(fmt.Sprintf("[%s] report of the image: %s", PlatformString(r.Platform), path.Join(BinDir, r.BinaryName))),
	}
	for i, l := range r.Layers() {
		opts = append(opts, llb.AddMount(ReportLayerDir(i), l.Files, llb.Readonly))
	}
	return in.Frontend.Run(opts...).AddMount("/out", llb.Scratch()), nil
}

// BuilderPaths are the paths of r's go build step that a binary built
// with -trimpath must not hold: the build context, the Go caches and
// GOROOT.
func (r *Result) BuilderPaths() []string { return r.opts.builderPaths() }

func (in *Options) builderPaths() []string {
	return []string{srcDir, modCache, buildCache, in.GOROOT}
}
