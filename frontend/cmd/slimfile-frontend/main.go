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
//	slimfile-frontend derive-seccomp BIN OUTDIR
//
// to derive a binary's seccomp profile (see security.DeriveSeccomp).
package main

import (
	"encoding/json"
	"fmt"
	"os"
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

func deriveSeccomp(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: %s BIN OUTDIR", sllb.DeriveCommand)
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	p, d, err := security.DeriveSeccomp(f)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	prof, err := json.Marshal(p)
	if err != nil {
		return err
	}
	rep, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(args[1], sllb.DerivedSeccompFile), prof, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(args[1], sllb.DerivationFile), rep, 0o644); err != nil {
		return err
	}
	fmt.Println(d.Summary())
	for _, u := range d.Unresolved {
		fmt.Println("  not traced:", u)
	}
	return nil
}
