// Command slimfile-go runs the Go steps of a Slimfile build. The frontend
// image carries it beside the frontend, and each step runs it from that
// image:
//
//	slimfile-go modules OUT                  # the module layer
//	slimfile-go deps [-libc-tags] [-left-out FILE] -- go build PKG...   # a platform's dependency layer
//	slimfile-go cacheprog PERSIST OUT        # GOCACHEPROG of that step
//	slimfile-go build [-modules DIR] [-seed DIR] [-static BIN] [-libc-tags] [-left-out FILE] [-derive OUT.json -binary BIN] -- go build ...
//
// modules copies the modules go.mod needs out of the persistent module
// cache (GOMODCACHE) into OUT, a layer of the step, as a module proxy
// directory (modules.go). deps compiles the dependency packages through cacheprog,
// which reads through the persistent build cache PERSIST and records what
// the build used in OUT, the dependency layer; a failed dependency build
// only leaves that layer incomplete. build fills the persistent module
// cache from the module layer and seeds the persistent build cache
// (GOCACHE) from the dependency layer DIR, each once, runs go build and,
// with -derive, derives the seccomp profile of the binary BIN it wrote
// (security.DeriveSeccomp) into OUT.json (security.Derived). For
// build.cgo, -static checks that the binary is static and -libc-tags
// builds a glibc CC's program with Go's own lookups; with cgo off,
// -left-out lists the packages whose C code is left out (cgo.go).
//
// It is a program of its own, without the frontend's BuildKit and gRPC
// packages, because it runs in every rebuild that changes the binary, and
// their start-up would be most of its time.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "slimfile-go: %v\n", err)
		os.Exit(1)
	}
}

const usage = "usage: slimfile-go modules OUT | deps [-libc-tags] [-left-out FILE] -- COMMAND... | cacheprog PERSIST OUT | build [-modules DIR] [-seed DIR] [-static BIN] [-libc-tags] [-left-out FILE] [-derive OUT.json -binary BIN] -- COMMAND..."

func run(args []string) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch cmd, args := args[0], args[1:]; {
	case cmd == "modules" && len(args) == 1:
		return modules(args[0])
	case cmd == "deps":
		return deps(args)
	case cmd == "cacheprog" && len(args) == 2:
		return cacheprog(args[0], args[1])
	case cmd == "build":
		return build(args)
	}
	return errors.New(usage)
}

// command runs a command with this program's standard streams and
// environment plus env.
func command(args []string, env ...string) error {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), env...)
	return cmd.Run()
}

// exitWith ends the program with err's exit status when err is a failed
// command's, which said why on its own; other errors are returned.
func exitWith(err error) error {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		os.Exit(exit.ExitCode())
	}
	return err
}
