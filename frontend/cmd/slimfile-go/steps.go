package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/slimfile/slimfile/internal/gocache"
)

// deps runs the dependency build; when it fails, the layer holds what it
// compiled, and the go build step compiles the rest. With -left-out, it
// also reports the C code that cgo being off leaves out (reportLeftOut).
func deps(args []string) error {
	fs := flag.NewFlagSet("deps", flag.ContinueOnError)
	cf := addCgoFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return errors.New(usage)
	}
	rest = cf.command(rest)
	cf.report(rest)
	if err := command(rest); err != nil {
		fmt.Fprintf(os.Stderr, "slimfile-go: the dependency layer is incomplete (%v); go build compiles what it lacks\n", err)
	}
	return nil
}

// cacheprog is the dependency build's GOCACHEPROG.
func cacheprog(persist, out string) error {
	c := &gocache.Recorder{Persist: gocache.Dir(persist), Out: gocache.Dir(out)}
	return c.Serve(os.Stdin, os.Stdout)
}

// build seeds the build cache, runs go build, and derives the profile.
func build(args []string) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	seed := fs.String("seed", "", "the dependency layer to seed GOCACHE from")
	mods := fs.String("modules", "", "the module layer to fill GOMODCACHE from")
	out := fs.String("derive", "", "where to write the seccomp profile derived from -binary")
	bin := fs.String("binary", "", "the binary go build writes")
	static := fs.String("static", "", "the binary go build writes, which must be static (build.cgo)")
	cf := addCgoFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	// The flag package drops the "--" that ends the flags.
	rest := fs.Args()
	if len(rest) == 0 || (*out != "") != (*bin != "") {
		return errors.New(usage)
	}
	if *mods != "" {
		seedModules(*mods)
	}
	if *seed != "" {
		cache := os.Getenv("GOCACHE")
		if cache == "" {
			return errors.New("GOCACHE is not set")
		}
		n, err := gocache.Dir(cache).Seed(gocache.Dir(*seed))
		if err != nil {
			// The cache is only slower without the seed.
			fmt.Fprintf(os.Stderr, "slimfile-go: seeding the build cache: %v\n", err)
		} else if n > 0 {
			fmt.Printf("build cache: %d files from the dependency layer\n", n)
		}
	}
	rest = cf.command(rest)
	if err := command(rest); err != nil {
		return exitWith(err)
	}
	if *static != "" {
		if err := checkStatic(*static); err != nil {
			return err
		}
	}
	cf.report(rest)
	if *out != "" {
		return derive(*out, *bin)
	}
	return nil
}
