package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// shell is sh: -c COMMAND [NAME [ARG...]], a script file with its
// arguments, or commands read from stdin (one at a time, with a prompt,
// from a terminal).
func shell(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var command *string
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		switch a := args[0]; {
		case a == "-c" && len(args) > 1:
			command, args = &args[1], args[2:]
			continue
		case a == "--":
			args = args[1:]
		case a == "-i" || a == "-s":
			args = args[1:]
			continue
		default:
			fmt.Fprintf(stderr, "sh: unknown option %s (sh [-c COMMAND [NAME [ARG...]]] [SCRIPT [ARG...]])\n", a)
			return 2
		}
		break
	}
	name, params := "sh", args
	var src io.Reader
	switch {
	case command != nil:
		src = strings.NewReader(*command)
		if len(args) > 0 {
			name, params = args[0], args[1:]
		}
	case len(args) > 0 && args[0] != "-":
		f, err := os.Open(args[0])
		if err != nil {
			fmt.Fprintf(stderr, "sh: %v\n", err)
			return 127
		}
		defer f.Close()
		src, name, params = f, args[0], args[1:]
	}
	runner, err := interp.New(
		interp.StdIO(stdin, stdout, stderr),
		interp.Params(append([]string{"--"}, params...)...),
		interp.Env(expand.ListEnviron(os.Environ()...)),
		interp.ExecHandlers(utilitiesInProcess),
	)
	if err != nil {
		fmt.Fprintf(stderr, "sh: %v\n", err)
		return 2
	}
	_ = name
	parser := syntax.NewParser()
	if src == nil {
		return interactive(ctx, runner, parser, stdin, stdout, stderr)
	}
	prog, err := parser.Parse(src, name)
	if err != nil {
		fmt.Fprintf(stderr, "sh: %v\n", err)
		return 2
	}
	return status(runner.Run(ctx, prog), stderr)
}

// interactive reads and runs commands from stdin until it ends or exit;
// a terminal gets a prompt.
func interactive(ctx context.Context, runner *interp.Runner, parser *syntax.Parser, stdin io.Reader, stdout, stderr io.Writer) int {
	prompt := func() {}
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			prompt = func() { fmt.Fprint(stdout, "$ ") }
		}
	}
	code := 0
	prompt()
	err := parser.Interactive(stdin, func(stmts []*syntax.Stmt) bool {
		if parser.Incomplete() {
			fmt.Fprint(stdout, "> ")
			return true
		}
		for _, st := range stmts {
			code = status(runner.Run(ctx, st), stderr)
			if runner.Exited() {
				return false
			}
		}
		prompt()
		return true
	})
	if err != nil {
		fmt.Fprintf(stderr, "sh: %v\n", err)
		return 2
	}
	return code
}

// status is the exit status of a run that ended with err.
func status(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if s, ok := interp.IsExitStatus(err); ok {
		return int(s)
	}
	fmt.Fprintf(stderr, "sh: %v\n", err)
	return 1
}

// utilitiesInProcess runs the utilities inside the shell's process, with
// the shell's directory and variables, and anything else as a program.
func utilitiesInProcess(next interp.ExecHandlerFunc) interp.ExecHandlerFunc {
	return func(ctx context.Context, args []string) error {
		newCmd, ok := utilities[args[0]]
		if !ok {
			return next(ctx, args)
		}
		hc := interp.HandlerCtx(ctx)
		cmd := newCmd()
		if e, ok := cmd.(*envCmd); ok {
			e.list = func() []string {
				var vars []string
				hc.Env.Each(func(name string, v expand.Variable) bool {
					if v.Exported && v.IsSet() {
						vars = append(vars, name+"="+v.String())
					}
					return true
				})
				return vars
			}
		}
		var stdin io.Reader = hc.Stdin
		if hc.Stdin == nil {
			stdin = strings.NewReader("")
		}
		cmd.SetIO(stdin, hc.Stdout, hc.Stderr)
		cmd.SetWorkingDir(hc.Dir)
		cmd.SetLookupEnv(func(k string) (string, bool) {
			v := hc.Env.Get(k)
			return v.String(), v.IsSet()
		})
		if err := cmd.RunContext(ctx, args[1:]...); err != nil {
			if code := reportErr(args[0], err, hc.Stderr); code != 0 {
				return interp.NewExitStatus(uint8(code))
			}
		}
		return nil
	}
}
