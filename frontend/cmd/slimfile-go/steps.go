package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/slimfile/slimfile/binfacts"
	"github.com/slimfile/slimfile/internal/gocache"
	"github.com/slimfile/slimfile/internal/gostep"
	"github.com/slimfile/slimfile/internal/zoneinfo"
)

// deps runs the dependency build; when it fails, the layer holds what it
// compiled, and the go build step compiles the rest. With LeftOut, it
// also reports the C code that cgo being off leaves out (reportLeftOut).
func deps(c *gostep.Deps) error {
	cf := cgoFlags{libcTags: c.LibcTags, leftOut: c.LeftOut}
	rest := cf.command(c.Command)
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

// build seeds the build cache, runs go build, and checks and describes
// the binary.
func build(c *gostep.Build) error {
	if c.Modules != "" {
		seedModules(c.Modules)
	}
	if c.Seed != "" {
		cache := os.Getenv("GOCACHE")
		if cache == "" {
			return errors.New("GOCACHE is not set")
		}
		n, err := gocache.Dir(cache).Seed(gocache.Dir(c.Seed))
		if err != nil {
			// The cache is only slower without the seed.
			fmt.Fprintf(os.Stderr, "slimfile-go: seeding the build cache: %v\n", err)
		} else if n > 0 {
			fmt.Printf("build cache: %d files from the dependency layer\n", n)
		}
	}
	cf := cgoFlags{libcTags: c.LibcTags, leftOut: c.LeftOut, leftOutFrom: c.LeftOutFrom}
	rest := cf.command(c.Command)
	if err := command(rest); err != nil {
		return exitWith(err)
	}
	if c.Static != "" {
		if err := checkStatic(c.Static); err != nil {
			return err
		}
	}
	cf.report(rest)
	if c.Facts != "" {
		if err := writeFacts(c); err != nil {
			return err
		}
	}
	if c.Sources != "" {
		keepSources(".", c.Sources)
	}
	if c.Derive != "" {
		return derive(c.Derive, c.Binary)
	}
	return nil
}

// repackZoneinfo writes in, Go's zoneinfo.zip, repacked to out.
func repackZoneinfo(in, out string) error {
	dt, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	if dt, err = zoneinfo.Repack(dt); err != nil {
		return err
	}
	return os.WriteFile(out, dt, 0o644)
}

// writeFacts writes what the binary is made of and its hardening
// (binfacts.Facts) to c.Facts, and fails when a hardening check fails:
// the build said it strips, trims paths and links statically.
func writeFacts(c *gostep.Build) error {
	path := c.Binary
	if path == "" {
		path = c.Static
	}
	bin, unmap, err := binfacts.MapFile(path)
	if err != nil {
		return err
	}
	defer unmap()
	f, err := binfacts.FactsOf(bin, binfacts.Expect{Stripped: c.Stripped, Trimpath: c.Trimpath, BuilderPaths: c.BuilderPaths})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, s := range []struct {
		file string
		size *int64
	}{{c.Certs, &f.Certs}, {c.Zoneinfo, &f.Zoneinfo}} {
		if fi, err := os.Stat(s.file); s.file != "" && err == nil {
			*s.size = fi.Size()
		}
	}
	if failed := f.Failed(); len(failed) > 0 {
		var why []string
		for _, ch := range failed {
			why = append(why, fmt.Sprintf("%s: found %s (wanted %s)", ch.Name, ch.Found, ch.Wanted))
		}
		return fmt.Errorf("%s fails its hardening checks: %s", path, strings.Join(why, "; "))
	}
	dt, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return writeFile(c.Facts, dt)
}
