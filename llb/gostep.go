package llb

import (
	"path"

	"github.com/moby/buildkit/client/llb"

	"github.com/slimfile/slimfile/internal/gostep"
)

// frontendMount is where the Go steps mount the frontend's image, whose
// step program (gostep.Program, frontend/cmd/slimfile-go) runs the Go
// steps that need more than the go command: the module layer, the
// dependency layer and its GOCACHEPROG, go build with the build cache
// seeded from that layer and the seccomp profile derived from the binary,
// and the vulnerability check.
const frontendMount = "/slimfile-frontend"

// goStep is the command line of the step program running c, and the mount
// of the frontend's image it runs from.
func (in *Options) goStep(c gostep.Command) ([]string, llb.RunOption) {
	return append([]string{path.Join(frontendMount, gostep.Program)}, gostep.Argv(c)...),
		llb.AddMount(frontendMount, *in.Frontend, llb.Readonly)
}
