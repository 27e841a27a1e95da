package main

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	gobuild "go/build"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// cgoFlags are the flags of the deps and build steps that concern cgo.
type cgoFlags struct {
	libcTags             bool
	leftOut, leftOutFrom string
}

// command is the go command line args as the step runs it: with
// -libc-tags, withLibcTags.
func (c cgoFlags) command(args []string) []string {
	if c.libcTags {
		return withLibcTags(args)
	}
	return args
}

// report writes the report of -left-out, when given, for the go command
// line args; with -left-out-from, it copies that report, which the
// dependency step made for the same packages, and looks for nothing.
func (c cgoFlags) report(args []string) {
	switch {
	case c.leftOut == "":
	case c.leftOutFrom != "":
		copyLeftOut(c.leftOutFrom, c.leftOut)
	default:
		reportLeftOut(args, c.leftOut)
	}
}

// checkStatic fails unless bin is a static executable: no program
// interpreter and no shared library needed. build.cgo links with the C
// compiler, which links dynamically when it is not told otherwise (a CC
// or ldflags of the user's).
func checkStatic(bin string) error {
	f, err := elf.Open(bin)
	if err != nil {
		return fmt.Errorf("checking that %s is static: %w", bin, err)
	}
	defer f.Close()
	var why []string
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			interp := make([]byte, p.Filesz)
			if _, err := p.ReadAt(interp, 0); err == nil {
				why = append(why, "program interpreter "+strings.TrimRight(string(interp), "\x00"))
			} else {
				why = append(why, "a program interpreter")
			}
		}
	}
	if libs, err := f.ImportedLibraries(); err == nil && len(libs) > 0 {
		why = append(why, "needs "+strings.Join(libs, ", "))
	}
	if len(why) > 0 {
		return fmt.Errorf("%s is dynamically linked (%s): build.cgo: true makes static binaries only, and the image has no C library; remove what asks for dynamic linking (-linkmode, -extldflags in build.ldflags, CC or CGO_LDFLAGS in build.env)",
			filepath.Base(bin), strings.Join(why, "; "))
	}
	return nil
}

// withLibcTags returns the go command line args with -tags netgo,osusergo
// added when CC links against glibc (its -dumpmachine says -gnu): a
// static glibc cannot load the NSS modules that its getaddrinfo and
// getpwnam need, so net and os/user must not call them.
func withLibcTags(args []string) []string {
	cc := strings.Fields(os.Getenv("CC"))
	if len(cc) == 0 || len(args) < 2 {
		return args
	}
	out, err := exec.Command(cc[0], append(cc[1:], "-dumpmachine")...).Output()
	machine := strings.TrimSpace(string(out))
	if err != nil || !strings.Contains(machine, "-gnu") {
		return args
	}
	fmt.Printf("cgo: CC (%s) targets %s, glibc: a static glibc cannot load the NSS modules its DNS and user lookups need, so net and os/user use Go's own (-tags netgo,osusergo)\n", cc[0], machine)
	args = slices.Clone(args)
	for i, a := range args {
		if tags, ok := strings.CutPrefix(a, "-tags="); ok {
			args[i] = "-tags=" + tags + ",netgo,osusergo"
			return args
		}
	}
	return slices.Insert(args, 2, "-tags=netgo,osusergo")
}

// reportLeftOut writes to file, a line each, the packages outside the
// standard library, among those the go build command line args builds and
// their dependencies, that have C code which CGO_ENABLED=0 leaves out:
// cgo files that a build with cgo would compile. Such a package builds
// from its other files, often a stub that fails only at run time
// (mattn/go-sqlite3's "requires cgo to work"). The standard library's cgo
// fallbacks (net, os/user) are left out of the report. A failure only
// warns: the report is advice.
func reportLeftOut(args []string, file string) {
	pkgs, err := leftOut(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "slimfile-go: looking for C code left out: %v\n", err)
		return
	}
	if err := writeReport(file, []byte(strings.Join(pkgs, "\n"))); err != nil {
		fmt.Fprintf(os.Stderr, "slimfile-go: %v\n", err)
	}
	for _, p := range pkgs {
		fmt.Printf("cgo: %s has C code that CGO_ENABLED=0 leaves out\n", p)
	}
}

// copyLeftOut copies the report from to file. A report the dependency
// step could not make is not there: that step warned, and there is
// nothing to copy.
func copyLeftOut(from, file string) {
	dt, err := os.ReadFile(from)
	if os.IsNotExist(err) {
		return
	}
	if err == nil {
		err = writeReport(file, dt)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "slimfile-go: copying the report of C code left out: %v\n", err)
	}
}

// writeReport writes the report dt to file, making its directory.
func writeReport(file string, dt []byte) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, dt, 0o644)
}

// leftOut lists the packages of reportLeftOut.
func leftOut(args []string) ([]string, error) {
	tags, pkgs := buildTagsAndPackages(args)
	list := []string{"list", "-e", "-deps", "-f", `{{if and (not .Standard) .IgnoredGoFiles}}{{.ImportPath}}{{"\t"}}{{.Dir}}{{"\t"}}{{join context.ReleaseTags ","}}{{end}}`}
	if len(tags) > 0 {
		list = append(list, "-tags="+strings.Join(tags, ","))
	}
	cmd := exec.Command(args[0], append(list, pkgs...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	ctx := gobuild.Default
	ctx.GOOS, ctx.GOARCH = goEnv("GOOS"), goEnv("GOARCH")
	ctx.CgoEnabled = true
	ctx.BuildTags = tags
	ctx.GOPATH = ""
	var found []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 3 || f[1] == "" {
			continue
		}
		ctx.ReleaseTags = strings.Split(f[2], ",")
		if p, err := ctx.ImportDir(f[1], gobuild.ImportComment); err == nil && len(p.CgoFiles) > 0 {
			found = append(found, f[0])
		}
	}
	return found, sc.Err()
}

// buildTagsAndPackages reads a go build command line: the -tags list and
// the packages named.
func buildTagsAndPackages(args []string) (tags, pkgs []string) {
	for i := 2; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o":
			i++
		case strings.HasPrefix(a, "-tags="):
			tags = strings.FieldsFunc(strings.TrimPrefix(a, "-tags="), func(r rune) bool { return r == ',' || r == ' ' })
		case strings.HasPrefix(a, "-"):
		default:
			pkgs = append(pkgs, a)
		}
	}
	return tags, pkgs
}

// goEnv is the environment variable k, else what the go command would
// take: GOOS and GOARCH of this program.
func goEnv(k string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	if k == "GOOS" {
		return runtime.GOOS
	}
	return runtime.GOARCH
}
