// Command slimfile-derive is the go build step of a Slimfile whose
// security.seccomp is default. The frontend image carries it beside the
// frontend, and the step runs it from that image as
//
//	slimfile-derive OUT.json BIN -- go build ...
//
// It runs go build and, when that succeeds, derives the seccomp profile of
// the binary BIN it wrote (security.DeriveSeccomp) and writes it to
// OUT.json (security.Derived: the profile and what the derivation found).
// It is a program of its own, without the frontend's BuildKit and gRPC
// packages, because it runs in every rebuild that changes the binary, and
// their start-up would be most of its time.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/slimfile/slimfile/security"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "slimfile-derive: %v\n", err)
		os.Exit(1)
	}
}

// run runs the command after "--" (go build), and when it succeeds derives
// the seccomp profile of the binary it wrote.
func run(args []string) error {
	if len(args) < 4 || args[2] != "--" {
		return errors.New("usage: slimfile-derive OUT.json BIN -- COMMAND...")
	}
	out, bin, command := args[0], args[1], args[3:]
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			os.Exit(exit.ExitCode()) // go build said why
		}
		return err
	}
	code, err := mapFile(bin)
	if err != nil {
		return err
	}
	p, d, err := security.DeriveSeccomp(code)
	if err != nil {
		return fmt.Errorf("%s: %w", bin, err)
	}
	prof, err := json.Marshal(p)
	if err != nil {
		return err
	}
	derived, err := json.Marshal(security.Derived{Profile: prof, Derivation: d})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, derived, 0o644); err != nil {
		return err
	}
	fmt.Println("seccomp:", d.Summary())
	for _, u := range d.Unresolved {
		fmt.Println("seccomp: not traced:", u)
	}
	for _, r := range d.Refused {
		fmt.Println("seccomp: refused (EPERM) although the binary can make it:", r)
	}
	return nil
}

// mapFile maps the file at name read-only: the analysis reads its code and
// tables in place instead of copying them.
func mapFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() == 0 || int64(int(st.Size())) != st.Size() {
		return nil, fmt.Errorf("%s: %d bytes: not a binary", name, st.Size())
	}
	return syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_PRIVATE)
}
