package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// cgoModule writes a module whose package example.com/m/db has C code and
// a stub for builds without cgo, as mattn/go-sqlite3 has, beside a main
// package that imports it and net and os/user (whose cgo files the
// report leaves out: the standard library falls back by design).
func cgoModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), "module example.com/m\n\ngo 1.24\n")
	write(t, filepath.Join(dir, "db", "db.go"), "package db\n\n// int answer(void) { return 42; }\nimport \"C\"\n\nfunc Answer() int { return int(C.answer()) }\n")
	write(t, filepath.Join(dir, "db", "stub.go"), "//go:build !cgo\n\npackage db\n\nfunc Answer() int { panic(\"requires cgo\") }\n")
	write(t, filepath.Join(dir, "plain", "plain.go"), "package plain\n\nconst X = 1\n")
	write(t, filepath.Join(dir, "plain", "plain_windows.go"), "package plain\n\nimport \"C\"\n")
	write(t, filepath.Join(dir, "main.go"), "package main\n\nimport (\n\t\"fmt\"\n\t\"net\"\n\t\"os/user\"\n\n\t\"example.com/m/db\"\n\t\"example.com/m/plain\"\n)\n\nfunc main() { fmt.Println(db.Answer(), plain.X, net.IPv4len); user.Current() }\n")
	return dir
}

// With cgo off, the package whose C code is left out is reported; one
// whose cgo file is for another system, and the standard library, are
// not.
func TestLeftOut(t *testing.T) {
	dir := cgoModule(t)
	t.Chdir(dir)
	t.Setenv("CGO_ENABLED", "0")
	t.Setenv("GOFLAGS", "-mod=mod")
	got, err := leftOut([]string{"go", "build", "-trimpath", "-o", "/tmp/x", "."})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"example.com/m/db"}) {
		t.Errorf("left out %q, want example.com/m/db only", got)
	}
	// The packages of a go build command line are read past its -o and
	// flags.
	if _, pkgs := buildTagsAndPackages([]string{"go", "build", "-tags=a,b", "-o", "/out/x", "./cmd/x"}); !slices.Equal(pkgs, []string{"./cmd/x"}) {
		t.Errorf("packages %q", pkgs)
	}
}

// With -left-out-from, the report the dependency step made is copied and
// nothing is looked for: the command line names a package that is not
// there. A report the dependency step could not make leaves none.
func TestLeftOutCopied(t *testing.T) {
	dir := t.TempDir()
	from, to := filepath.Join(dir, "deps", "left-out"), filepath.Join(dir, "out", "slimfile-cgo", "left-out")
	write(t, from, "example.com/m/db")
	cf := cgoFlags{leftOut: to, leftOutFrom: from}
	args := []string{"go", "build", "./missing"}
	cf.report(args)
	if dt, err := os.ReadFile(to); err != nil || string(dt) != "example.com/m/db" {
		t.Errorf("copied report %q, %v", dt, err)
	}
	os.Remove(to)
	os.Remove(from)
	cf.report(args)
	if _, err := os.Stat(to); !os.IsNotExist(err) {
		t.Errorf("a report with none to copy: %v", err)
	}
}

// checkStatic accepts a static binary and names what a dynamic one needs.
func TestCheckStatic(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc for cgo")
	}
	dir := cgoModule(t)
	bin := func(name string, ldflags string) string {
		out := filepath.Join(t.TempDir(), name)
		cmd := exec.Command("go", "build", "-ldflags="+ldflags, "-o", out, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "GOFLAGS=-mod=mod")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, b)
		}
		return out
	}
	if err := checkStatic(bin("static", "-linkmode=external '-extldflags=-static'")); err != nil {
		t.Errorf("static binary refused: %v", err)
	}
	err := checkStatic(bin("dynamic", ""))
	if err == nil || !strings.Contains(err.Error(), "dynamic is dynamically linked") || !strings.Contains(err.Error(), "libc.so") {
		t.Errorf("dynamic binary: %v", err)
	}
}

// A CC that targets glibc gets Go's own lookups, added to -tags or as
// -tags; the tags already given stay.
func TestLibcTags(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc")
	}
	t.Setenv("CC", "gcc")
	out, _ := exec.Command("gcc", "-dumpmachine").Output()
	if !strings.Contains(string(out), "-gnu") {
		t.Skipf("gcc targets %s", out)
	}
	if got := withLibcTags([]string{"go", "build", "-tags=a", "."}); !slices.Equal(got, []string{"go", "build", "-tags=a,netgo,osusergo", "."}) {
		t.Errorf("got %q", got)
	}
	if got := withLibcTags([]string{"go", "build", "."}); !slices.Equal(got, []string{"go", "build", "-tags=netgo,osusergo", "."}) {
		t.Errorf("got %q", got)
	}
	t.Setenv("CC", "true")
	if got := withLibcTags([]string{"go", "build", "."}); len(got) != 3 {
		t.Errorf("a CC that says nothing got %q", got)
	}
}
