package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/slimfile/slimfile/internal/gostep"
)

// dlvPackage is delve's command, a tool of the debug tools' module.
const dlvPackage = "github.com/go-delve/delve/cmd/dlv"

// debugTools compiles the debug tools (gostep.DebugTools) with the step's
// go command: static and stripped, from the vendored modules of c.Dir,
// for GOOS and GOARCH as the step's environment sets them.
func debugTools(c *gostep.DebugTools) error {
	need, err := moduleGo(filepath.Join(c.Dir, "go.mod"))
	if err != nil {
		return err
	}
	have, err := goVersion()
	if err != nil {
		return err
	}
	if older(have, need) {
		return fmt.Errorf("the debug tools (u-root's utilities, mvdan.cc/sh and delve; see %s/vendor/modules.txt) need Go %s or newer, and the toolchain is %s: build the debug variant with a newer toolchain (go: or toolchain:)", c.Dir, need, have)
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return err
	}
	flags := []string{"-C", c.Dir, "-mod=vendor", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="}
	tools := map[string]string{"slimfile-debug": "."}
	if c.Delve {
		tools["dlv"] = dlvPackage
	}
	for name, pkg := range tools {
		bin := filepath.Join(c.Out, name)
		args := append([]string{"go", "build"}, flags...)
		if err := exitWith(command(append(args, "-o", bin, pkg))); err != nil {
			return err
		}
		if err := derive(filepath.Join(c.Derived, name+".json"), bin); err != nil {
			return err
		}
	}
	names, err := os.ReadFile(filepath.Join(c.Dir, "names"))
	if err != nil {
		return err
	}
	for _, n := range strings.Fields(string(names)) {
		if err := os.Symlink("slimfile-debug", filepath.Join(c.Out, n)); err != nil {
			return err
		}
	}
	return nil
}

// moduleGo is the go line of the go.mod file at name.
func moduleGo(name string) (string, error) {
	dt, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	f, err := modfile.ParseLax(name, dt, nil)
	if err != nil {
		return "", err
	}
	if f.Go == nil {
		return "", fmt.Errorf("%s has no go line", name)
	}
	return f.Go.Version, nil
}

// goVersion is the toolchain's Go version, such as 1.26.8.
func goVersion() (string, error) {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOVERSION: %w", err)
	}
	v := strings.TrimPrefix(string(bytes.TrimSpace(out)), "go")
	v, _, _ = strings.Cut(v, " ") // go1.26.8 X:...
	return v, nil
}

// older reports whether Go version a (1.26.8, 1.27rc1) is older than b.
func older(a, b string) bool {
	pa, pb := versionParts(a), versionParts(b)
	for i := range 3 {
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return false
}

func versionParts(v string) [3]int {
	var out [3]int
	for i, p := range strings.SplitN(v, ".", 3) {
		// A pre-release (1.27rc1) counts as its release's .0.
		end := strings.IndexFunc(p, func(r rune) bool { return r < '0' || r > '9' })
		if end >= 0 {
			p = p[:end]
		}
		out[i], _ = strconv.Atoi(p)
	}
	return out
}
