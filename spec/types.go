// Package spec parses and validates Slimfiles (the v1 format of
// shared/slimfile.md) into typed targets, keeping the YAML position of every
// value so errors can point at the Slimfile line that caused them.
package spec

// Version is the only Slimfile format version.
const Version = 1

// File is a parsed Slimfile.
type File struct {
	// Go is the Go version of the toolchain image; empty means "from go.mod".
	Go string `key:"go"`
	// Toolchain is the toolchain image reference; empty means golang:<go>-alpine.
	Toolchain string `key:"toolchain"`
	// Module is the context directory that holds go.mod, cleaned, "." for the root.
	Module string `key:"module"`
	// Args are the declared build args, in file order.
	Args []Arg `key:"args"`
	// Targets are the resolved targets (inheritance applied), in file order.
	// A file without `targets` has one target named "default".
	Targets []*Target `key:"targets"`
	// Source is the Slimfile text, for error reporting.
	Source []byte

	pos map[string]Range
}

// Arg is a declared build arg.
type Arg struct {
	Name        string
	Default     string
	Description string // the YAML comment above the key, if any
	Pos         Range
}

// Target is one image the Slimfile describes.
type Target struct {
	Name      string
	Main      string   `key:"main"`
	Binary    string   `key:"binary"`
	Platforms []string `key:"platforms"`
	Build     Build    `key:"build"`
	Image     Image    `key:"image"`
	Security  Security `key:"security"`
	// Pos is the position of the target's key (or of the document root for
	// the default target).
	Pos Range
	// path is the key path prefix of this target's values ("" or "targets.NAME.").
	path string
}

// Build says how the binary is compiled.
type Build struct {
	CGO      bool              `key:"cgo"`
	Tags     []string          `key:"tags"`
	Ldflags  []string          `key:"ldflags"`
	Gcflags  []string          `key:"gcflags"`
	Env      map[string]string `key:"env"`
	Strip    bool              `key:"strip"`
	Trimpath bool              `key:"trimpath"`
	Compress string            `key:"compress"`
	Private  []string          `key:"private"`
	Goproxy  string            `key:"goproxy"`
}

// Image says what the runtime image holds.
type Image struct {
	Base        string            `key:"base"`
	User        string            `key:"user"`
	Certs       bool              `key:"certs"`
	Tzdata      bool              `key:"tzdata"`
	Files       []FileCopy        `key:"files"`
	Env         map[string]string `key:"env"`
	Expose      []string          `key:"expose"`
	Workdir     string            `key:"workdir"`
	Entrypoint  []string          `key:"entrypoint"`
	Cmd         []string          `key:"cmd"`
	Labels      map[string]string `key:"labels"`
	Annotations map[string]string `key:"annotations"`
	Stopsignal  string            `key:"stopsignal"`
}

// FileCopy is an extra file or directory copied from the build context.
type FileCopy struct {
	Src  string `key:"src"`
	Dst  string `key:"dst"`
	Mode uint32 `key:"mode"` // 0: keep the source mode
}

// Security names the confinement profiles shipped with the image.
type Security struct {
	Seccomp  string `key:"seccomp"`
	Apparmor string `key:"apparmor"`
}

// Range is a span of the Slimfile, 1-based lines and columns.
type Range struct {
	Line, Column       int
	EndLine, EndColumn int
}

// Pos returns the position of the value at a key path such as "main",
// "build.ldflags" or "image.expose[1]", as resolved for target t (a
// target's own value, or the top-level one it inherited). ok is false when
// the key was not written.
func (f *File) Pos(t *Target, key string) (Range, bool) {
	if t != nil {
		if r, ok := f.pos[t.path+key]; ok {
			return r, true
		}
	}
	r, ok := f.pos[key]
	return r, ok
}

// Target returns the target with the given name, or nil.
func (f *File) Target(name string) *Target {
	for _, t := range f.Targets {
		if t.Name == name {
			return t
		}
	}
	return nil
}
