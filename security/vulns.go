package security

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The vulnerability gate (security.vulns). The check step runs govulncheck
// in source mode on the build's packages, tags, platform, toolchain and
// module cache, and writes a VulnReport; the frontend reads it, warns or
// fails at the Slimfile line, and makes the OpenVEX document (openvex.go).

// VulnReport is what the vulnerability check found for one platform's
// binary.
type VulnReport struct {
	// Scanner is the checker and its version: govulncheck v1.9.0.
	Scanner string `json:"scanner"`
	// DB is the database, as govulncheck names it, and DBModified its
	// modification time.
	DB         string    `json:"db"`
	DBModified time.Time `json:"db_modified"`
	// GoVersion is the toolchain's Go version (go1.26.8): the standard
	// library's.
	GoVersion string `json:"go_version"`
	// Module is the main module; Modules every module of the build.
	Module  string       `json:"module"`
	Modules []VulnModule `json:"modules"`
	// Vulns are the known vulnerabilities of the modules of the build at
	// their versions, called or not, by ID.
	Vulns []Vuln `json:"vulns"`
}

// VulnModule is a module of the build at its version; the standard library
// is "stdlib" at the Go version (v1.26.8).
type VulnModule struct {
	Path    string `json:"path"`
	Version string `json:"version,omitempty"`
}

// The levels at which govulncheck finds a vulnerability, most precise
// last.
const (
	// LevelRequired: a module of the build is at a vulnerable version.
	LevelRequired = "required"
	// LevelImported: the build imports a vulnerable package.
	LevelImported = "imported"
	// LevelCalled: the program can call a vulnerable symbol.
	LevelCalled = "called"
)

// Vuln is one known vulnerability of the build.
type Vuln struct {
	ID      string   `json:"id"`
	Aliases []string `json:"aliases,omitempty"`
	Summary string   `json:"summary"`
	// Level is LevelCalled, LevelImported or LevelRequired.
	Level string `json:"level"`
	// Module and Version are the vulnerable module as the build has it;
	// Fixed the version that fixes it ("" when none does).
	Module  string `json:"module"`
	Version string `json:"version,omitempty"`
	Fixed   string `json:"fixed,omitempty"`
	// Packages are the vulnerable packages the build imports (imported and
	// called).
	Packages []string `json:"packages,omitempty"`
	// Symbols are the vulnerable symbols the program can call, and Trace
	// the first call path found to one of them, from the entry point down.
	Symbols []string `json:"symbols,omitempty"`
	Trace   []Frame  `json:"trace,omitempty"`
}

// Frame is one call of a call path.
type Frame struct {
	Module   string `json:"module"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver,omitempty"`
	// File is the source file, relative to the main module's directory
	// for the module's own code, else module@version/path (or the path
	// under GOROOT/src for the standard library); Line and Column are 0
	// when unknown.
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// At locates a frame of the module's own code independently of line
	// numbers, so that the position can be found again in sources whose
	// structure is the same (SourceDigest).
	At *Locator `json:"at,omitempty"`
}

// Symbol is the frame's function as Go code names it: pkg.F, pkg.T.M.
func (f Frame) Symbol() string {
	name := f.Function
	if f.Receiver != "" {
		name = strings.TrimPrefix(f.Receiver, "*") + "." + name
	}
	pkg := f.Package
	if i := strings.LastIndex(pkg, "/"); i >= 0 {
		pkg = pkg[i+1:]
	}
	if pkg == "" {
		return name
	}
	return pkg + "." + name
}

// Position is file:line:column, or what of it is known.
func (f Frame) Position() string {
	switch {
	case f.File == "":
		return ""
	case f.Line == 0:
		return f.File
	case f.Column == 0:
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Column)
}

// CallPath is the trace as one line: main.main (main.go:12:3) →
// language.ParseAcceptLanguage.
func (v Vuln) CallPath() string {
	var parts []string
	for i, f := range v.Trace {
		s := f.Symbol()
		// A frame's position is where it calls the next one.
		if p := f.Position(); p != "" && i < len(v.Trace)-1 {
			s += " (" + p + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " → ")
}

// Names are the vulnerability's ID and its aliases.
func (v Vuln) Names() []string {
	return append([]string{v.ID}, v.Aliases...)
}

// IsStdlib reports whether the vulnerability is in the standard library
// (or the Go toolchain), which a newer Go fixes.
func (v Vuln) IsStdlib() bool {
	return v.Module == "stdlib" || v.Module == "toolchain"
}

// Called are the vulnerabilities the program can call, by ID.
func (r *VulnReport) Called() []Vuln {
	var out []Vuln
	for _, v := range r.Vulns {
		if v.Level == LevelCalled {
			out = append(out, v)
		}
	}
	return out
}

// Sort orders the vulnerabilities by ID.
func (r *VulnReport) Sort() {
	slices.SortFunc(r.Vulns, func(a, b Vuln) int { return strings.Compare(a.ID, b.ID) })
}

// Files the vulnerability database step (gostep.VulnDB) writes beside the
// database's own.
const (
	// VulnDBInfoFile holds a VulnDBInfo.
	VulnDBInfoFile = "slimfile/info.json"
	// VulnDBIDsFile lists every entry's ID and aliases, a line each.
	VulnDBIDsFile = "slimfile/ids.txt"
)

// VulnDBInfo is what the vulnerability database step found in the
// database it was given.
type VulnDBInfo struct {
	// Source names the database: its URL, or the govulndb context.
	Source string `json:"source"`
	// Modified is the database's modification time (index/db.json, else
	// its newest entry's).
	Modified time.Time `json:"modified"`
	// Entries is how many entries were read; Skipped those left out.
	Entries int             `json:"entries"`
	Skipped []VulnDBProblem `json:"skipped,omitempty"`
	// Error says why the database cannot be used at all: it is not in the
	// layout, or no entry can be read.
	Error string `json:"error,omitempty"`
}

// VulnDBProblem is an entry of the database the check cannot read.
type VulnDBProblem struct {
	Name  string `json:"name"`
	Error string `json:"error"`
}
