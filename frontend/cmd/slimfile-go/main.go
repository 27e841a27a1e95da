// Command slimfile-go runs the Go steps of a Slimfile build. The frontend
// image carries it beside the frontend, and each step runs it from that
// image with a command of internal/gostep, which package llb writes:
//
//   - modules copies the modules go.mod needs out of the persistent module
//     cache (GOMODCACHE) into a layer of the step, as a module proxy
//     directory (modules.go);
//   - deps compiles the dependency packages through cacheprog, which reads
//     through the persistent build cache and records what the build used
//     in the dependency layer; a failed dependency build only leaves that
//     layer incomplete;
//   - build fills the persistent module cache from the module layer and
//     seeds the persistent build cache from the dependency layer, each
//     once, runs go build and, as asked, checks that the binary is static
//     (build.cgo), lists the packages whose C code cgo being off left out
//     (cgo.go), derives the seccomp profile of the binary
//     (security.DeriveSeccomp) and keeps the module's files for the
//     vulnerability check (sources.go);
//   - zoneinfo repacks Go's time zone database (internal/zoneinfo);
//   - vulndb checks a Go vulnerability database and vulns runs govulncheck
//     against it (vulns.go);
//   - debugtools compiles the debug image's shell, utilities and delve
//     (debugtools.go).
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

	"github.com/slimfile/slimfile/internal/gostep"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "slimfile-go: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	c, err := gostep.Parse(args)
	if err != nil {
		return err
	}
	switch c := c.(type) {
	case *gostep.Modules:
		return modules(c.Out)
	case *gostep.Deps:
		return deps(c)
	case *gostep.CacheProg:
		return cacheprog(c.Persist, c.Out)
	case *gostep.Build:
		return build(c)
	case *gostep.Zoneinfo:
		return repackZoneinfo(c.In, c.Out)
	case *gostep.Tmp:
		// The umask would clear bits of Mkdir's mode; Chmod sets them all.
		if err := os.Mkdir(c.Dir, 0o700); err != nil {
			return err
		}
		return os.Chmod(c.Dir, 0o777|os.ModeSticky)
	case *gostep.Certs:
		return appendCerts(c)
	case *gostep.Report:
		return makeReport(c)
	case *gostep.VulnDB:
		return vulnDB(c)
	case *gostep.Vulns:
		return vulns(c)
	case *gostep.DebugTools:
		return debugTools(c)
	}
	return fmt.Errorf("%s: not a command of this program", c.Name())
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
