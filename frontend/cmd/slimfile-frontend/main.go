// Command slimfile-frontend is the BuildKit frontend that builds Slimfiles.
// BuildKit runs it from the frontend image named by a Slimfile's
// `# syntax=` line.
//
// The same binary is also a build step: the frontend runs its own image as
//
//	slimfile-frontend repack-zoneinfo IN.zip OUT.zip
//
// to write the image's zoneinfo.zip (see llb.RepackZoneinfo), and as
//
//	slimfile-frontend derive-seccomp OUTDIR BIN -- go build ...
//
// to build a binary and derive its seccomp profile (see
// security.DeriveSeccomp).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"

	"github.com/slimfile/slimfile/frontend"
	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/security"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == sllb.RepackCommand {
		if err := repack(os.Args[2:]); err != nil {
			fmt.Fprintf(os.Stderr, "slimfile %s: %v\n", sllb.RepackCommand, err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == sllb.DeriveCommand {
		if err := deriveSeccomp(os.Args[2:]); err != nil {
			fmt.Fprintf(os.Stderr, "slimfile %s: %v\n", sllb.DeriveCommand, err)
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

// deriveSeccomp runs the command after "--" (go build), and when it
// succeeds derives the seccomp profile of the binary it wrote.
func deriveSeccomp(args []string) error {
	if len(args) < 4 || args[2] != "--" {
		return fmt.Errorf("usage: %s OUTDIR BIN -- COMMAND...", sllb.DeriveCommand)
	}
	outDir, bin, command := args[0], args[1], args[3:]
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			os.Exit(exit.ExitCode()) // go build said why
		}
		return err
	}
	f, err := os.Open(bin)
	if err != nil {
		return err
	}
	defer f.Close()
	p, d, err := security.DeriveSeccomp(f)
	if err != nil {
		return fmt.Errorf("%s: %w", bin, err)
	}
	prof, err := json.Marshal(p)
	if err != nil {
		return err
	}
	out, err := json.Marshal(security.Derived{Profile: prof, Derivation: d})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(outDir, sllb.DerivedFile), out, 0o644); err != nil {
		return err
	}
	fmt.Println("seccomp:", d.Summary())
	for _, u := range d.Unresolved {
		fmt.Println("seccomp: not traced:", u)
	}
	return nil
}
