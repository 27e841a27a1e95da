// Command slimfile-frontend is the BuildKit frontend that builds Slimfiles.
// BuildKit runs it from the frontend image named by a Slimfile's
// `# syntax=` line. The image's other program, slimfile-go, runs the build
// steps that need more than the go command (internal/gostep).
package main

import (
	"fmt"
	"os"

	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"

	"github.com/slimfile/slimfile/frontend"
)

func main() {
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), frontend.Build); err != nil {
		fmt.Fprintf(os.Stderr, "slimfile: %v\n", err)
		os.Exit(1)
	}
}
