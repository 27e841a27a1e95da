// Package gostep is the command line of the frontend image's step program
// (frontend/cmd/slimfile-go): package llb writes each step's command as one
// of the types below (Argv), and the program reads it back (Parse), so the
// two cannot disagree on a flag, and tests assert on typed values rather
// than on argument lists.
//
// Each command is a struct whose fields are its flags; fields() lists them
// once, in the order Argv writes them, with the name Parse reads them by.
// A command that runs another (go build ...) takes it after "--".
package gostep

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Paths of the frontend image's programs; Dockerfile.frontend copies them
// there (a test checks it).
const (
	// Program is the step program, frontend/cmd/slimfile-go.
	Program = "/bin/slimfile-go"
	// Frontend is the frontend itself, frontend/cmd/slimfile-frontend.
	Frontend = "/bin/slimfile-frontend"
)

// Command is one of the step program's commands.
type Command interface {
	// Name is the command's first argument.
	Name() string
	fields() []field
	// command is where the command after "--" goes, nil when it takes none.
	command() *[]string
}

// field is one flag of a command: a *string, a *bool or a *[]string
// (repeated flag).
type field struct {
	name, usage string
	ptr         any
}

// Argv is c's command line, without the program: its name, then every flag
// that is set, in fields order, then "--" and the command it runs.
func Argv(c Command) []string {
	args := []string{c.Name()}
	for _, f := range c.fields() {
		switch p := f.ptr.(type) {
		case *string:
			if *p != "" {
				args = append(args, "-"+f.name, *p)
			}
		case *bool:
			if *p {
				args = append(args, "-"+f.name)
			}
		case *[]string:
			for _, v := range *p {
				args = append(args, "-"+f.name, v)
			}
		default:
			panic(fmt.Sprintf("gostep: flag -%s of %s has a field of type %T", f.name, c.Name(), f.ptr))
		}
	}
	if cmd := c.command(); cmd != nil {
		args = append(append(args, "--"), *cmd...)
	}
	return args
}

// commands are the step program's commands, each new.
var commands = []func() Command{
	func() Command { return &Modules{} },
	func() Command { return &Deps{} },
	func() Command { return &CacheProg{} },
	func() Command { return &Build{} },
	func() Command { return &Zoneinfo{} },
	func() Command { return &Tmp{} },
	func() Command { return &Certs{} },
	func() Command { return &Report{} },
	func() Command { return &VulnDB{} },
	func() Command { return &Vulns{} },
	func() Command { return &DebugTools{} },
}

// Parse reads a command line that Argv wrote (without the program).
func Parse(args []string) (Command, error) {
	if len(args) == 0 {
		return nil, errors.New(Usage())
	}
	for _, mk := range commands {
		c := mk()
		if c.Name() != args[0] {
			continue
		}
		fs := flagSet(c, io.Discard)
		if err := fs.Parse(args[1:]); err != nil {
			return nil, fmt.Errorf("%s: %v\n%s", c.Name(), err, Usage())
		}
		rest := fs.Args() // the flag package drops the "--" that ends the flags
		if cmd := c.command(); cmd != nil {
			if len(rest) == 0 {
				return nil, fmt.Errorf("%s: no command after --\n%s", c.Name(), Usage())
			}
			*cmd = rest
		} else if len(rest) > 0 {
			return nil, fmt.Errorf("%s: unexpected arguments %q\n%s", c.Name(), rest, Usage())
		}
		if v, ok := c.(interface{ check() error }); ok {
			if err := v.check(); err != nil {
				return nil, fmt.Errorf("%s: %v", c.Name(), err)
			}
		}
		return c, nil
	}
	return nil, fmt.Errorf("unknown command %q\n%s", args[0], Usage())
}

func flagSet(c Command, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(c.Name(), flag.ContinueOnError)
	fs.SetOutput(out)
	for _, f := range c.fields() {
		switch p := f.ptr.(type) {
		case *string:
			fs.StringVar(p, f.name, "", f.usage)
		case *bool:
			fs.BoolVar(p, f.name, false, f.usage)
		case *[]string:
			fs.Func(f.name, f.usage, func(v string) error { *p = append(*p, v); return nil })
		}
	}
	return fs
}

// Usage lists every command with its flags.
func Usage() string {
	var b strings.Builder
	b.WriteString("usage: slimfile-go COMMAND [flags] [-- COMMAND...]\n")
	for _, mk := range commands {
		c := mk()
		fmt.Fprintf(&b, "  %s", c.Name())
		for _, f := range c.fields() {
			if _, ok := f.ptr.(*bool); ok {
				fmt.Fprintf(&b, " [-%s]", f.name)
			} else {
				fmt.Fprintf(&b, " [-%s V]", f.name)
			}
		}
		if c.command() != nil {
			b.WriteString(" -- COMMAND...")
		}
		b.WriteString("\n")
	}
	return b.String()
}
