package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"golang.org/x/vuln/scan"

	"github.com/slimfile/slimfile/internal/gostep"
	"github.com/slimfile/slimfile/security"
)

// vulns runs govulncheck in source mode, the way its command does (the
// golang.org/x/vuln/scan package), on the main packages of the module in
// c.Dir, with the step's environment (GOOS, GOARCH, CGO_ENABLED, CC,
// GOFLAGS: the build's), its go command and module cache, and writes what
// it found as a security.VulnReport. A check that cannot run fails the
// step, which BuildKit then does not cache.
func vulns(c *gostep.Vulns) error {
	if _, err := os.Stat(c.Dir); err != nil {
		fmt.Printf("no sources to check at %s: the frontend checks the build context instead\n", c.Dir)
		os.Exit(gostep.NoSources)
	}
	// Touched, so that no other step prunes it while it is read.
	now := time.Now()
	os.Chtimes(c.Dir, now, now)
	if c.Modules != "" {
		seedModules(c.Modules)
	}
	if c.Sources != "" {
		keepSources(c.Dir, c.Sources)
	}
	args := []string{"-db", "file://" + c.DB, "-format", "json", "-C", c.Dir}
	if c.Tags != "" {
		args = append(args, "-tags", c.Tags)
	}
	args = append(args, c.Packages...)
	var out bytes.Buffer
	cmd := scan.Command(context.Background(), args...)
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("govulncheck: %w", err)
	}
	r, err := readGovulncheck(&out, c.Dir)
	if err != nil {
		return err
	}
	locate(r, c.Dir)
	dt, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFile(c.Out, dt); err != nil {
		return err
	}
	counts := map[string]int{}
	for _, v := range r.Vulns {
		counts[v.Level]++
	}
	fmt.Printf("%s in %.1fs, database of %s, Go %s: %d called, %d imported but not called, %d in required modules only\n",
		r.Scanner, time.Since(start).Seconds(), r.DBModified.Format(time.DateOnly), strings.TrimPrefix(r.GoVersion, "go"),
		counts[security.LevelCalled], counts[security.LevelImported], counts[security.LevelRequired])
	for _, v := range r.Called() {
		fmt.Printf("%s %s@%s (fixed in %s): %s\n", v.ID, v.Module, v.Version, orNone(v.Fixed), v.CallPath())
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "no version yet"
	}
	return s
}

// The messages of govulncheck's JSON output (its protocol v1.0.0), as far
// as the report needs them.
type (
	gvMessage struct {
		Config  *gvConfig  `json:"config"`
		SBOM    *gvSBOM    `json:"SBOM"`
		OSV     *gvOSV     `json:"osv"`
		Finding *gvFinding `json:"finding"`
	}
	gvConfig struct {
		ScannerName    string     `json:"scanner_name"`
		ScannerVersion string     `json:"scanner_version"`
		DB             string     `json:"db"`
		DBLastModified *time.Time `json:"db_last_modified"`
		GoVersion      string     `json:"go_version"`
	}
	gvSBOM struct {
		GoVersion string `json:"go_version"`
		Modules   []struct {
			Path    string `json:"path"`
			Version string `json:"version"`
		} `json:"modules"`
		Roots []string `json:"roots"`
	}
	gvOSV struct {
		ID      string   `json:"id"`
		Aliases []string `json:"aliases"`
		Summary string   `json:"summary"`
		Details string   `json:"details"`
	}
	gvFinding struct {
		OSV          string    `json:"osv"`
		FixedVersion string    `json:"fixed_version"`
		Trace        []gvFrame `json:"trace"`
	}
	gvFrame struct {
		Module   string `json:"module"`
		Version  string `json:"version"`
		Package  string `json:"package"`
		Function string `json:"function"`
		Receiver string `json:"receiver"`
		Position *struct {
			Filename string `json:"filename"`
			Line     int    `json:"line"`
			Column   int    `json:"column"`
		} `json:"position"`
	}
)

// readGovulncheck reads govulncheck's JSON stream into a report: for each
// vulnerability, the most precise level it was found at (called, then
// imported, then required), the symbols called and the first call path.
func readGovulncheck(r io.Reader, dir string) (*security.VulnReport, error) {
	rep := &security.VulnReport{}
	osvs := map[string]*gvOSV{}
	found := map[string]*security.Vuln{}
	dec := json.NewDecoder(r)
	for {
		var m gvMessage
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading govulncheck's output: %w", err)
		}
		switch {
		case m.Config != nil:
			rep.Scanner = strings.TrimSpace(m.Config.ScannerName + " " + m.Config.ScannerVersion)
			rep.DB, rep.GoVersion = m.Config.DB, m.Config.GoVersion
			if m.Config.DBLastModified != nil {
				rep.DBModified = m.Config.DBLastModified.UTC()
			}
		case m.SBOM != nil:
			for _, mod := range m.SBOM.Modules {
				rep.Modules = append(rep.Modules, security.VulnModule{Path: mod.Path, Version: mod.Version})
			}
		case m.OSV != nil:
			osvs[m.OSV.ID] = m.OSV
		case m.Finding != nil && len(m.Finding.Trace) > 0:
			addFinding(found, m.Finding, dir)
		}
	}
	// The scanner names itself after this program; it is govulncheck.
	rep.Scanner = "govulncheck " + vulnVersion()
	if len(rep.Modules) > 0 {
		rep.Module = rep.Modules[0].Path
	}
	for id, v := range found {
		if o := osvs[id]; o != nil {
			v.Aliases, v.Summary = o.Aliases, o.Summary
			if v.Summary == "" {
				v.Summary, _, _ = strings.Cut(o.Details, "\n")
			}
		}
		slices.Sort(v.Packages)
		slices.Sort(v.Symbols)
		rep.Vulns = append(rep.Vulns, *v)
	}
	rep.Sort()
	return rep, nil
}

// levelOf is the level a finding was made at.
func levelOf(f *gvFinding) string {
	switch {
	case f.Trace[0].Function != "":
		return security.LevelCalled
	case f.Trace[0].Package != "":
		return security.LevelImported
	}
	return security.LevelRequired
}

var levelRank = map[string]int{security.LevelRequired: 1, security.LevelImported: 2, security.LevelCalled: 3}

// addFinding adds f to what was found of its vulnerability, keeping the
// most precise level.
func addFinding(found map[string]*security.Vuln, f *gvFinding, dir string) {
	level := levelOf(f)
	v := found[f.OSV]
	if v == nil || levelRank[level] > levelRank[v.Level] {
		sym := f.Trace[0]
		v = &security.Vuln{ID: f.OSV, Level: level, Module: sym.Module, Version: sym.Version, Fixed: f.FixedVersion}
		found[f.OSV] = v
	} else if levelRank[level] < levelRank[v.Level] {
		return
	}
	sym := f.Trace[0]
	if sym.Package != "" && !slices.Contains(v.Packages, sym.Package) {
		v.Packages = append(v.Packages, sym.Package)
	}
	if level != security.LevelCalled {
		return
	}
	name := frameOf(sym, dir).Symbol()
	if !slices.Contains(v.Symbols, name) {
		v.Symbols = append(v.Symbols, name)
	}
	if v.Trace == nil {
		// govulncheck's trace runs from the symbol up to the entry point.
		for i := len(f.Trace) - 1; i >= 0; i-- {
			v.Trace = append(v.Trace, frameOf(f.Trace[i], dir))
		}
	}
}

// frameOf is a trace frame with its file named for a person: relative to
// the module's directory, to the module cache (module@version/...) or to
// GOROOT/src.
func frameOf(g gvFrame, dir string) security.Frame {
	f := security.Frame{Module: g.Module, Package: g.Package, Function: g.Function, Receiver: g.Receiver}
	if g.Position == nil || g.Position.Filename == "" {
		return f
	}
	f.Line, f.Column = g.Position.Line, g.Position.Column
	name := filepath.ToSlash(g.Position.Filename)
	roots := []string{filepath.ToSlash(dir) + "/"}
	if mc := os.Getenv("GOMODCACHE"); mc != "" {
		roots = append(roots, filepath.ToSlash(mc)+"/")
	}
	if gr := os.Getenv("GOROOT"); gr != "" {
		roots = append(roots, filepath.ToSlash(gr)+"/src/")
	}
	for _, root := range roots {
		if rel, ok := strings.CutPrefix(name, root); ok {
			name = rel
			break
		}
	}
	if g.Module == "stdlib" {
		// Under GOROOT/src, which govulncheck may give as src/...
		if i := strings.Index(name, "/src/"); i >= 0 {
			name = name[i+len("/src/"):]
		}
		name = strings.TrimPrefix(name, "src/")
	}
	f.File = name
	return f
}

// locate gives each frame of the module's own code in r a Locator, which
// finds it again in sources of the same SourceDigest.
func locate(r *security.VulnReport, dir string) {
	srcs := map[string][]byte{}
	for i := range r.Vulns {
		for j := range r.Vulns[i].Trace {
			f := &r.Vulns[i].Trace[j]
			if f.Module != r.Module || f.File == "" || f.Line == 0 || strings.HasPrefix(f.File, "/") {
				continue
			}
			src, ok := srcs[f.File]
			if !ok {
				src, _ = os.ReadFile(filepath.Join(dir, f.File))
				srcs[f.File] = src
			}
			if l, ok := security.Locate(f.File, src, f.Line, f.Column); ok {
				f.At = l
			}
		}
	}
}

// vulnVersion is the version of golang.org/x/vuln this program was built
// with.
func vulnVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "golang.org/x/vuln" {
				return d.Version
			}
		}
	}
	return "(unknown version)"
}
