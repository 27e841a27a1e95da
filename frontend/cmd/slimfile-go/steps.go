package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/slimfile/slimfile/internal/gocache"
)

// modules downloads the modules go.mod needs from the persistent module
// cache (GOMODCACHE), which go mod download filled, into out, with the
// persistent cache's download directory as the only proxy: out gets
// exactly the modules this go.mod needs, in the module cache's own
// format, and the persistent cache keeps serving every build. A failed
// copy (a module cache emptied under a cached download step) only leaves
// out incomplete, and go build downloads what it lacks.
func modules(out string) error {
	persist := os.Getenv("GOMODCACHE")
	if persist == "" {
		return errors.New("GOMODCACHE is not set")
	}
	err := command([]string{"go", "mod", "download"},
		"GOMODCACHE="+out, "GOPROXY=file://"+persist+"/cache/download", "GOSUMDB=off",
		"GOPRIVATE=", "GONOPROXY=", "GONOSUMDB=", "GOFLAGS=-modcacherw")
	if err != nil {
		fmt.Fprintf(os.Stderr, "slimfile-go: the module layer is incomplete (%v); go build downloads what it lacks\n", err)
	}
	return nil
}

// deps runs the dependency build; when it fails, the layer holds what it
// compiled, and the go build step compiles the rest.
func deps(args []string) error {
	if err := command(args); err != nil {
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
	out := fs.String("derive", "", "where to write the seccomp profile derived from -binary")
	bin := fs.String("binary", "", "the binary go build writes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// The flag package drops the "--" that ends the flags.
	rest := fs.Args()
	if len(rest) == 0 || (*out != "") != (*bin != "") {
		return errors.New(usage)
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
	if err := command(rest); err != nil {
		return exitWith(err)
	}
	if *out != "" {
		return derive(*out, *bin)
	}
	return nil
}
