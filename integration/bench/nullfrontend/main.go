// Command nullfrontend is a BuildKit frontend that builds nothing: it
// returns an empty result as soon as BuildKit has started it. The
// benchmark runs it through `# syntax=`, as a Slimfile's frontend runs, to
// measure what starting any frontend from an image costs on every build:
// a floor under the time of every build that names a frontend image.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"
)

func main() {
	err := grpcclient.RunFromEnvironment(appcontext.Context(), func(context.Context, client.Client) (*client.Result, error) {
		return client.NewResult(), nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "nullfrontend:", err)
		os.Exit(1)
	}
}
