package llb

import (
	"path"

	"github.com/moby/buildkit/client/llb"
)

// GoStepBinary is the frontend image's program that runs the Go steps
// that need more than the go command (frontend/cmd/slimfile-go): the
// module layer, the dependency layer and its GOCACHEPROG, and go build
// with the build cache seeded from that layer and the seccomp profile
// derived from the binary.
const GoStepBinary = "/bin/slimfile-go"

// frontendMount is where the Go steps mount the frontend's image.
const frontendMount = "/slimfile-frontend"

// goStep is the command line of GoStepBinary with args, and the mount of
// the frontend's image it runs from.
func (in *Options) goStep(args ...string) ([]string, llb.RunOption) {
	return append([]string{path.Join(frontendMount, GoStepBinary)}, args...),
		llb.AddMount(frontendMount, *in.Frontend, llb.Readonly)
}
