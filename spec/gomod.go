package spec

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"golang.org/x/mod/modfile"
)

// GoMod is what the frontend needs from a module's go.mod.
type GoMod struct {
	// Path is the module path.
	Path string
	// Go is the version of the go line; Toolchain that of the toolchain
	// line without its "go" prefix ("" when absent).
	Go, Toolchain string
	// Requires says whether the module depends on other modules.
	Requires bool
	// LocalReplaces says whether a replace directive points at a directory,
	// so that modules cannot be downloaded from go.mod and go.sum alone.
	LocalReplaces bool
}

// ParseGoMod parses go.mod data; name is used in errors.
func ParseGoMod(name string, data []byte) (*GoMod, error) {
	// ParseLax would skip the toolchain line; fall back to it only for a
	// go.mod with directives newer than this x/mod knows.
	mf, err := modfile.Parse(name, data, nil)
	if err != nil {
		if mf, err = modfile.ParseLax(name, data, nil); err != nil {
			return nil, err
		}
	}
	if mf.Module == nil {
		return nil, fmt.Errorf("%s has no module line", name)
	}
	m := &GoMod{Path: mf.Module.Mod.Path, Requires: len(mf.Require) > 0}
	if mf.Go != nil {
		m.Go = mf.Go.Version
	}
	if mf.Toolchain != nil {
		m.Toolchain = strings.TrimPrefix(mf.Toolchain.Name, "go")
	}
	for _, r := range mf.Replace {
		if modfile.IsDirectoryPath(r.New.Path) {
			m.LocalReplaces = true
		}
	}
	return m, nil
}

var toolchainSuffixRe = regexp.MustCompile(`^([0-9]+\.[0-9]+(\.[0-9]+)?((rc|beta)[0-9]+)?)`)

// GoVersion is the Go version of the toolchain image: the Slimfile's `go`,
// else go.mod's toolchain line, else its go line.
func (f *File) GoVersion(m *GoMod) (string, error) {
	switch {
	case f.Go != "":
		return f.Go, nil
	case m != nil && toolchainSuffixRe.MatchString(m.Toolchain):
		// "toolchain go1.22.3-custom" names a custom suffix; the image is the
		// release. "toolchain default" names no release: the go line decides.
		return toolchainSuffixRe.FindString(m.Toolchain), nil
	case m != nil && m.Go != "":
		return m.Go, nil
	}
	return "", fmt.Errorf("cannot tell the Go version: go.mod has no go line and the Slimfile no \"go\" key")
}

// ToolchainRef is the toolchain image reference for a Go version.
func (f *File) ToolchainRef(goVersion string) string {
	if f.Toolchain != "" {
		return f.Toolchain
	}
	return "golang:" + goVersion + "-alpine"
}

// BinaryName is the name of t's binary: `binary`, else the last element of
// `main`, else (main is ".") of the module path, skipping a /vN element.
func (t *Target) BinaryName(modPath string) string {
	if t.Binary != "" {
		return t.Binary
	}
	p := modPath
	if t.Main != "." {
		p = t.Main
	}
	p = strings.TrimSuffix(path.Clean(p), "/")
	base := path.Base(p)
	if isMajorElem(base) {
		base = path.Base(path.Dir(p))
	}
	if base == "." || base == "/" || base == "" {
		return "app"
	}
	return base
}

// isMajorElem reports whether s is a /vN major-version element (N >= 2).
func isMajorElem(s string) bool {
	if len(s) < 2 || s[0] != 'v' || s[1] == '0' || (s[1] == '1' && len(s) == 2) {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
