// Command slimfile-debug is the shell and core utilities of a Slimfile
// debug image (the T.debug output), in one static binary that the image
// links as /bin/sh and as each utility's name, busybox-style: the shell is
// mvdan.cc/sh's POSIX interpreter, the utilities u-root's (pkg/core) and
// three small ones of this file's package for a container's questions
// (ps, id, env). The shell runs the utilities in its own process, and
// anything else (the image's program) as a program.
//
// It is its own module, vendored into the frontend's image, so that a
// build compiles it with the build's toolchain for the target platform,
// with no network and no emulation (llb/debug.go).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/u-root/u-root/pkg/core"
	"github.com/u-root/u-root/pkg/core/base64"
	"github.com/u-root/u-root/pkg/core/cat"
	"github.com/u-root/u-root/pkg/core/chmod"
	"github.com/u-root/u-root/pkg/core/cp"
	"github.com/u-root/u-root/pkg/core/find"
	"github.com/u-root/u-root/pkg/core/gzip"
	"github.com/u-root/u-root/pkg/core/ls"
	"github.com/u-root/u-root/pkg/core/mkdir"
	"github.com/u-root/u-root/pkg/core/mktemp"
	"github.com/u-root/u-root/pkg/core/mv"
	"github.com/u-root/u-root/pkg/core/rm"
	"github.com/u-root/u-root/pkg/core/shasum"
	"github.com/u-root/u-root/pkg/core/tar"
	"github.com/u-root/u-root/pkg/core/touch"
	"github.com/u-root/u-root/pkg/core/xargs"
	"mvdan.cc/sh/v3/interp"
)

// utilities are the commands besides sh, by name.
var utilities = map[string]func() core.Command{
	"base64": base64.New,
	"cat":    cat.New,
	"chmod":  chmod.New,
	"cp":     cp.New,
	"env":    func() core.Command { return &envCmd{} },
	"find":   find.New,
	"gunzip": func() core.Command { return gzip.New("gunzip") },
	"gzip":   func() core.Command { return gzip.New("gzip") },
	"id":     func() core.Command { return &idCmd{} },
	"ls":     ls.New,
	"mkdir":  mkdir.New,
	"mktemp": mktemp.New,
	"mv":     mv.New,
	"ps":     func() core.Command { return &psCmd{} },
	"rm":     rm.New,
	"shasum": shasum.New,
	"tar":    tar.New,
	"touch":  touch.New,
	"xargs":  xargs.New,
}

// Names are the names the binary answers to: sh and the utilities, which
// the image links to it.
func Names() []string {
	names := []string{"sh"}
	for n := range utilities {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func main() {
	name, args := filepath.Base(os.Args[0]), os.Args[1:]
	if name == "slimfile-debug" {
		if len(args) == 0 || args[0] == "--list" {
			fmt.Println(strings.Join(Names(), "\n"))
			return
		}
		name, args = args[0], args[1:]
	}
	os.Exit(run(context.Background(), name, args, os.Stdin, os.Stdout, os.Stderr))
}

// run runs the command name with args and gives its exit status.
func run(ctx context.Context, name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if name == "sh" {
		return shell(ctx, args, stdin, stdout, stderr)
	}
	newCmd, ok := utilities[name]
	if !ok {
		fmt.Fprintf(stderr, "slimfile-debug: no command %q; it has %s\n", name, strings.Join(Names(), " "))
		return 127
	}
	cmd := newCmd()
	cmd.SetIO(stdin, stdout, stderr)
	if err := cmd.RunContext(ctx, args...); err != nil {
		return reportErr(name, err, stderr)
	}
	return 0
}

// reportErr prints a command's error, unless it is an exit status the
// command chose, and gives the status.
func reportErr(name string, err error, stderr io.Writer) int {
	if status, ok := interp.IsExitStatus(err); ok {
		return int(status)
	}
	var exit interface{ ExitCode() int }
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return 1
}
