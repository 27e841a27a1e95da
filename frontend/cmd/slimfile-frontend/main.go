// Command slimfile-frontend is the BuildKit frontend that builds Slimfiles.
// BuildKit runs it from the frontend image named by a Slimfile's
// `# syntax=` line.
//
// The same binary is also a build step: the frontend runs its own image as
//
//	slimfile-frontend repack-zoneinfo IN.zip OUT.zip
//
// to write the image's zoneinfo.zip (see llb.RepackZoneinfo). The image's
// other program, slimfile-go, runs the Go steps that need more than the go command.
package main

import (
	"fmt"
	"os"

	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"

	"github.com/slimfile/slimfile/frontend"
	sllb "github.com/slimfile/slimfile/llb"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == sllb.RepackCommand {
		if err := repack(os.Args[2:]); err != nil {
			fmt.Fprintf(os.Stderr, "slimfile %s: %v\n", sllb.RepackCommand, err)
			os.Exit(1)
		}
		return
	}
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), frontend.Build); err != nil {
		fmt.Fprintf(os.Stderr, "slimfile: %v\n", err)
		os.Exit(1)
	}
}

func repack(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: %s IN.zip OUT.zip", sllb.RepackCommand)
	}
	in, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	out, err := sllb.RepackZoneinfo(in)
	if err != nil {
		return err
	}
	return os.WriteFile(args[1], out, 0o644)
}
