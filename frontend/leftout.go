package frontend

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/gateway/client"

	sllb "github.com/slimfile/slimfile/llb"
)

// warnLeftOut starts reading, for every result built with cgo off, the
// packages whose C code was left out (sllb.Result.LeftOut, which the
// dependency step or go build writes) and returns a function that waits
// and shows a warning for each package at the target's cgo line (or the
// line that defines the target). Such a package is built from its files
// without C, often a stub that fails only when it runs. Reading the
// report costs no step: it comes from a step the build runs anyway; a
// report that cannot be read only goes unshown.
func (b *builder) warnLeftOut(ctx context.Context, results []*sllb.Result) func() {
	var waits []func() error
	found := make([][][]string, len(results))
	for i, r := range results {
		if !r.LeftOut {
			continue
		}
		found[i] = make([][]string, len(r.Binaries))
		for j, bin := range r.Binaries {
			waits = append(waits, spawn(func() error {
				ref, err := b.goBuild(ctx, bin)
				if err != nil {
					return err
				}
				dt, err := ref.ReadFile(ctx, client.ReadRequest{Filename: sllb.LeftOutPath})
				if err == nil {
					found[i][j] = strings.Fields(string(dt))
				}
				return err
			}))
		}
	}
	return func() {
		for _, wait := range waits {
			wait() // a report that cannot be read goes unshown
		}
		shown := map[[2]string]bool{} // target name, package
		for i, perBinary := range found {
			t := results[i].Target
			for _, pkgs := range perBinary {
				for _, p := range pkgs {
					if k := [2]string{t.Name, p}; !shown[k] {
						shown[k] = true
						b.warn(ctx, t.Where(&t.Build.CGO), leftOutMessage(p))
					}
				}
			}
		}
	}
}

// leftOutMessage is the warning for package pkg, whose C code cgo being
// off left out.
func leftOutMessage(pkg string) string {
	return fmt.Sprintf("%s has C code that build.cgo: false leaves out: the package is built without it, often from a stub that fails only at run time; set build.cgo: true to compile it", pkg)
}
