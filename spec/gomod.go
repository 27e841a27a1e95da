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

// BinaryName is the name of t's first binary, the entrypoint
// (Binaries).
func (t *Target) BinaryName(modPath string) string {
	return t.binaryName(0, modPath)
}

// binaryName is the name of binary i: its entry's binary, else for the
// first the target's binary, else the last element of its package, else
// (package ".") of the module path, skipping a /vN element.
func (t *Target) binaryName(i int, modPath string) string {
	m := t.Mains[i]
	switch {
	case m.Binary != "":
		return m.Binary
	case i == 0 && t.Binary != "":
		return t.Binary
	}
	p := modPath
	if m.Package != "." {
		p = m.Package
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

// Packages are the packages of t's binaries, in the order of main.
func (t *Target) Packages() []string {
	out := make([]string, len(t.Mains))
	for i, m := range t.Mains {
		out[i] = m.Package
	}
	return out
}

// Bin is one binary of a target: its package, relative to the module, and
// its file name in the image.
type Bin struct {
	Package string
	Name    string
	// Main is the entry of t.Mains it comes from, for positions
	// (t.Where(&b.Main.Package)).
	Main *Main
}

// Binaries are t's binaries in the order of main, the entrypoint first.
// Two that would have the same name, or the same package twice, are an
// error at the second one's entry.
func (t *Target) Binaries(modPath string) ([]Bin, error) {
	var out []Bin
	for i := range t.Mains {
		m := &t.Mains[i]
		b := Bin{Package: m.Package, Name: t.binaryName(i, modPath), Main: m}
		for _, o := range out {
			var err error
			switch {
			case o.Package == b.Package:
				err = fmt.Errorf("main: %s is listed twice", b.Package)
			case o.Name == b.Name && m.Binary != "":
				err = fmt.Errorf("main: %s and %s would both be /usr/local/bin/%s", o.Package, b.Package, b.Name)
			case o.Name == b.Name:
				err = fmt.Errorf("main: %s and %s would both be /usr/local/bin/%s; give one of them another name with {package: %s, binary: NAME}", o.Package, b.Package, b.Name, b.Package)
			}
			if err != nil {
				at := t.Where(&m.Package)
				if r, ok := t.Pos(&m.Binary); ok && o.Package != b.Package {
					at = r
				}
				return nil, &ValueError{Range: at, Err: err}
			}
		}
		out = append(out, b)
	}
	return out, nil
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
