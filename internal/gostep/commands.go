package gostep

import "errors"

// Modules copies the modules go.mod needs out of the persistent module
// cache (GOMODCACHE) into Out as a module proxy directory: the module
// layer.
type Modules struct {
	Out string
}

func (*Modules) Name() string       { return "modules" }
func (*Modules) command() *[]string { return nil }
func (c *Modules) fields() []field {
	return []field{{"out", "the module layer to write", &c.Out}}
}
func (c *Modules) check() error { return need(c.Out, "-out") }

// Deps runs a platform's dependency build, Command (go build PKG...),
// through CacheProg: the dependency layer.
type Deps struct {
	// LibcTags adds -tags netgo,osusergo when CC links against glibc.
	LibcTags bool
	// LeftOut is the file to list the packages whose C code cgo being off
	// leaves out in.
	LeftOut string
	Command []string
}

func (*Deps) Name() string         { return "deps" }
func (c *Deps) command() *[]string { return &c.Command }
func (c *Deps) fields() []field {
	return []field{
		{"libc-tags", "add -tags netgo,osusergo when CC links against glibc", &c.LibcTags},
		{"left-out", "the file to list packages whose C code is left out in", &c.LeftOut},
	}
}

// CacheProg is the dependency build's GOCACHEPROG: it reads through the
// persistent build cache Persist and records what the build used in Out.
type CacheProg struct {
	Persist, Out string
}

func (*CacheProg) Name() string       { return "cacheprog" }
func (*CacheProg) command() *[]string { return nil }
func (c *CacheProg) fields() []field {
	return []field{
		{"persist", "the persistent build cache", &c.Persist},
		{"out", "the dependency layer to record in", &c.Out},
	}
}
func (c *CacheProg) check() error {
	return errors.Join(need(c.Persist, "-persist"), need(c.Out, "-out"))
}

// Build runs go build (Command) after filling the persistent caches from
// the layers, then checks and describes the binary it wrote.
type Build struct {
	// Modules is the module layer to fill GOMODCACHE from; Seed the
	// dependency layer to seed GOCACHE from.
	Modules, Seed string
	// LibcTags, LeftOut: as for Deps; LeftOutFrom is the dependency step's
	// report, copied to LeftOut instead of looking again.
	LibcTags             bool
	LeftOut, LeftOutFrom string
	// Static is the binary, which must be static (build.cgo).
	Static string
	// Binary is the binary go build writes; Derive where to write the
	// seccomp profile derived from it.
	Derive, Binary string
	// Facts is where to write what the binary (Binary, else Static) is
	// made of and its hardening (binfacts, a BinaryFacts); a hardening
	// check that fails fails the step. Stripped and Trimpath are what the
	// build asks for, BuilderPaths the paths a trimmed binary must not
	// hold, Certs and Zoneinfo files of the toolchain whose sizes the
	// facts give.
	Facts, Certs, Zoneinfo string
	Stripped, Trimpath     bool
	BuilderPaths           []string
	// Sources is a directory of a persistent cache mount to copy the
	// module's files into for the vulnerability check, unless it exists
	// (llb/vulns.go).
	Sources string
	Command []string
}

func (*Build) Name() string         { return "build" }
func (c *Build) command() *[]string { return &c.Command }
func (c *Build) fields() []field {
	return []field{
		{"modules", "the module layer to fill GOMODCACHE from", &c.Modules},
		{"seed", "the dependency layer to seed GOCACHE from", &c.Seed},
		{"libc-tags", "add -tags netgo,osusergo when CC links against glibc", &c.LibcTags},
		{"left-out", "the file to list packages whose C code is left out in", &c.LeftOut},
		{"left-out-from", "the report of -left-out the dependency step made, to copy instead", &c.LeftOutFrom},
		{"static", "the binary go build writes, which must be static (build.cgo)", &c.Static},
		{"derive", "where to write the seccomp profile derived from -binary", &c.Derive},
		{"binary", "the binary go build writes", &c.Binary},
		{"facts", "where to write what the binary is made of and its hardening", &c.Facts},
		{"certs", "the CA bundle whose size the facts give", &c.Certs},
		{"zoneinfo", "the time zone database whose size the facts give", &c.Zoneinfo},
		{"stripped", "the build strips the binary", &c.Stripped},
		{"trimpath", "the build trims paths", &c.Trimpath},
		{"builder-path", "a path a trimmed binary must not hold (repeated)", &c.BuilderPaths},
		{"sources", "the directory to copy the module's files into for the vulnerability check", &c.Sources},
	}
}
func (c *Build) check() error {
	if c.Derive != "" && c.Binary == "" {
		return errors.New("-derive needs -binary")
	}
	if c.Facts != "" && c.Binary == "" && c.Static == "" {
		return errors.New("-facts needs -binary or -static")
	}
	return nil
}

// Zoneinfo rewrites Go's zoneinfo.zip In into Out with identical zones side
// by side, which gzip then compresses better.
type Zoneinfo struct {
	In, Out string
}

func (*Zoneinfo) Name() string       { return "zoneinfo" }
func (*Zoneinfo) command() *[]string { return nil }
func (c *Zoneinfo) fields() []field {
	return []field{
		{"in", "the toolchain's zoneinfo.zip", &c.In},
		{"out", "the repacked zoneinfo.zip to write", &c.Out},
	}
}
func (c *Zoneinfo) check() error { return errors.Join(need(c.In, "-in"), need(c.Out, "-out")) }

// Report measures one platform's image as the request file Request (a
// report.Request) says, and writes report.json, report.svg and
// report.html into Out.
type Report struct {
	Request, Out string
}

func (*Report) Name() string       { return "report" }
func (*Report) command() *[]string { return nil }
func (c *Report) fields() []field {
	return []field{
		{"request", "the report.Request to answer", &c.Request},
		{"out", "the directory to write the report to", &c.Out},
	}
}
func (c *Report) check() error { return errors.Join(need(c.Request, "-request"), need(c.Out, "-out")) }

// Certs writes to Out the CA bundle Bundle with the PEM certificates of
// Add appended.
type Certs struct {
	Bundle, Add, Out string
}

func (*Certs) Name() string       { return "certs" }
func (*Certs) command() *[]string { return nil }
func (c *Certs) fields() []field {
	return []field{
		{"bundle", "the toolchain's CA bundle", &c.Bundle},
		{"add", "the certificates to append", &c.Add},
		{"out", "the bundle to write", &c.Out},
	}
}
func (c *Certs) check() error {
	return errors.Join(need(c.Bundle, "-bundle"), need(c.Add, "-add"), need(c.Out, "-out"))
}

// Tmp makes the directory Dir with mode 1777, for the image's /tmp.
type Tmp struct {
	Dir string
}

func (*Tmp) Name() string       { return "tmp" }
func (*Tmp) command() *[]string { return nil }
func (c *Tmp) fields() []field {
	return []field{{"dir", "the directory to make, mode 1777", &c.Dir}}
}
func (c *Tmp) check() error { return need(c.Dir, "-dir") }

// VulnDB checks a Go vulnerability database In (its directory layout, or a
// directory holding its vulndb.zip) and writes it to Out in the directory
// layout, without the entries it cannot read, with a summary of what it
// holds (DBInfo); Source names the database in messages.
type VulnDB struct {
	In, Out, Source string
}

func (*VulnDB) Name() string       { return "vulndb" }
func (*VulnDB) command() *[]string { return nil }
func (c *VulnDB) fields() []field {
	return []field{
		{"in", "the database as given: a directory in its layout, or one holding vulndb.zip", &c.In},
		{"out", "the checked database to write", &c.Out},
		{"source", "where the database came from, for messages", &c.Source},
	}
}
func (c *VulnDB) check() error { return errors.Join(need(c.In, "-in"), need(c.Out, "-out")) }

// Vulns runs govulncheck in source mode on Packages of the module in Dir
// against the database DB (as VulnDB wrote it), with build tags Tags, and
// writes what it found to Out (a VulnReport); without Dir, it exits with
// NoSources. Modules, as for Build, fills the module cache first; Sources,
// as for Build, keeps the module's files for the next check.
type Vulns struct {
	DB, Out, Dir, Modules, Tags, Sources string
	Packages                             []string
}

// NoSources is the exit status of Vulns when its Dir does not exist.
const NoSources = 42

func (*Vulns) Name() string       { return "vulns" }
func (*Vulns) command() *[]string { return nil }
func (c *Vulns) fields() []field {
	return []field{
		{"db", "the vulnerability database, as vulndb wrote it", &c.DB},
		{"out", "the file to write the findings to", &c.Out},
		{"dir", "the module's directory", &c.Dir},
		{"modules", "the module layer to fill GOMODCACHE from", &c.Modules},
		{"tags", "build tags, comma-separated", &c.Tags},
		{"sources", "the directory to keep the module's files in for the next check", &c.Sources},
		{"package", "a main package to check (repeated)", &c.Packages},
	}
}
func (c *Vulns) check() error {
	if len(c.Packages) == 0 {
		return errors.New("no -package")
	}
	return errors.Join(need(c.DB, "-db"), need(c.Out, "-out"), need(c.Dir, "-dir"))
}

func need(v, flag string) error {
	if v == "" {
		return errors.New(flag + " is required")
	}
	return nil
}

// DebugTools compiles the debug image's tools from their module Dir, whose
// dependencies are vendored, with the step's toolchain and environment
// (GOOS, GOARCH: the target's): Out/slimfile-debug, a link to it in Out for
// each name in Dir/names, and with Delve Out/dlv; and for each program the
// seccomp profile derived from it, Derived/<name>.json (security.Derived).
type DebugTools struct {
	Dir, Out, Derived string
	Delve             bool
}

func (*DebugTools) Name() string       { return "debugtools" }
func (*DebugTools) command() *[]string { return nil }
func (c *DebugTools) fields() []field {
	return []field{
		{"dir", "the debug tools' module, vendored", &c.Dir},
		{"out", "the directory to write the tools and their links to", &c.Out},
		{"derived", "the directory to write the profile derived from each tool to", &c.Derived},
		{"delve", "build delve too", &c.Delve},
	}
}
func (c *DebugTools) check() error {
	return errors.Join(need(c.Dir, "-dir"), need(c.Out, "-out"), need(c.Derived, "-derived"))
}
