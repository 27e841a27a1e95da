package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/slimfile/slimfile/security"
)

// derive derives the seccomp profile of the binary bin and writes it to
// out (security.Derived: the profile and what the derivation found).
func derive(out, bin string) error {
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
