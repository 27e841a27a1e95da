// Package spec parses and validates Slimfiles (the v1 format of
// shared/slimfile.md) into typed targets, keeping the YAML position of every
// value so errors can point at the Slimfile line that caused them.
//
// The types below are the key tree: each field tagged `key` is a Slimfile
// key, and its other tags say everything the package knows about it, which
// drives decoding, defaults, ${ARG} expansion and its checks, positions,
// the JSON Schema and docs/reference.md (see keys.go):
//
//	key      the YAML key
//	doc      one line for the reference and the JSON Schema
//	default  the value when the key is not written (or written empty)
//	check    a check of the value, or of each list element (checks in values.go)
//	names    a check of each name of a mapping
//	entry    a check of each name and value of a mapping
//	enum     the closed set of values, checked and published
//	norm     how a value is normalized, once decoded or expanded
//	required the key must be written (in a list of mappings)
package spec

// Version is the only Slimfile format version.
const Version = 1

// File is a parsed Slimfile. The keys of Target may also be written at its
// top level, where every target inherits them.
type File struct {
	Version int `key:"slimfile" doc:"format version; only 1 exists" check:"version"`
	// Go is the Go version of the toolchain image; empty means "from go.mod".
	Go string `key:"go" check:"go" doc:"Go version of the toolchain image; default: go.mod's toolchain line, else its go line"`
	// Toolchain is the toolchain image reference; empty means golang:<go>-alpine.
	Toolchain string `key:"toolchain" check:"toolchain" doc:"image holding the Go toolchain; default golang:<go>-alpine; the named build context golang replaces it"`
	// Module is the context directory that holds go.mod, cleaned, "." for the root.
	Module string `key:"module" default:"." check:"relpath" norm:"clean" doc:"directory of the build context that holds go.mod"`
	// Args are the declared build args, in file order.
	Args []Arg `key:"args" names:"argdecl" doc:"build args read as ${NAME}, with their defaults; --build-arg overrides; not TARGETPLATFORM, TARGETOS, TARGETARCH or TARGETVARIANT, which are always defined"`
	// Targets are the resolved targets (inheritance applied), in file order.
	// A file without `targets` has one target named "default".
	Targets []*Target `key:"targets" doc:"several images from one Slimfile; each inherits the top-level values it does not set"`
	// Source is the Slimfile text, for error reporting.
	Source []byte

	// pos holds the position of every top-level-only value written.
	pos positions
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
	Name string
	// Mains are the binaries to build, at least one (main: . when not
	// written); the first is the entrypoint.
	Mains     []Main   `key:"main" short:"package" default:"." doc:"package to build, relative to module; or a list of packages or {package, binary}, every binary in the same image, the first the entrypoint"`
	Binary    string   `key:"binary" check:"binary" doc:"name of the (first) binary; default: last element of its package (or of the module path), skipping /vN"`
	Platforms []string `key:"platforms" check:"platform" doc:"platforms built when --platform is not given, os/arch[/variant]"`
	Build     Build    `key:"build" doc:"how the binary is compiled"`
	Image     Image    `key:"image" doc:"what the runtime image holds"`
	Security  Security `key:"security" doc:"confinement profiles shipped with the image"`
	Debug     Debug    `key:"debug" doc:"what the T.debug output adds to the image: always a pure-Go shell and core utilities"`
	// Defined is the position of the target's key (or of the document root
	// for the default target).
	Defined Range

	// pos holds the position of every value of the target, its own or
	// inherited; version is the position of the slimfile key.
	pos     positions
	version Range
}

// Main is one binary of a target: an entry of main.
type Main struct {
	Package string `key:"package" required:"true" check:"main" norm:"main" doc:"package to build, relative to module"`
	Binary  string `key:"binary" check:"binary" doc:"binary name; default: last element of package (or of the module path), skipping /vN"`
}

// Build says how the binary is compiled.
type Build struct {
	CGO      bool              `key:"cgo" doc:"CGO_ENABLED; true compiles the C code with the toolchain's C cross compiler for each platform, linked statically against musl"`
	Tags     []string          `key:"tags" check:"tag" doc:"build tags (-tags)"`
	Ldflags  []string          `key:"ldflags" doc:"linker flags appended after -s -w -buildid="`
	Gcflags  []string          `key:"gcflags" doc:"compiler flags (-gcflags)"`
	Env      map[string]string `key:"env" names:"envname" entry:"buildenv" doc:"extra environment for go build (GOEXPERIMENT, GOFLAGS, GOPROXY, ...); not what the frontend sets (GOOS, GOARCH, GOARM, GOAMD64, GOARM64, CGO_ENABLED, GOTOOLCHAIN, GOCACHE, GOMODCACHE, GOCACHEPROG, NETRC, SSH_AUTH_SOCK, zig's cache, GOFLAGS with -toolexec); CC and CXX replace the C compiler search"`
	Strip    bool              `key:"strip" default:"true" doc:"drop symbol and DWARF tables (-s -w)"`
	Trimpath bool              `key:"trimpath" default:"true" doc:"build with -trimpath"`
	Compress string            `key:"compress" default:"none" enum:"none,upx" doc:"none, or upx to pack the binary after stripping"`
	Private  []string          `key:"private" check:"modpattern" doc:"module patterns for GOPRIVATE and GONOSUMDB; credentials from the netrc secret or --ssh default"`
	Goproxy  string            `key:"goproxy" doc:"GOPROXY for module downloads; default: the toolchain's"`
}

// Image says what the runtime image holds.
type Image struct {
	Base        string            `key:"base" default:"scratch" check:"base" doc:"scratch or an image reference; the named build context base replaces it"`
	User        string            `key:"user" default:"nonroot" check:"user" doc:"nonroot (65532:65532), root, or uid[:gid]"`
	Certs       bool              `key:"certs" default:"true" doc:"ship /etc/ssl/certs/ca-certificates.crt and set SSL_CERT_FILE"`
	Tzdata      bool              `key:"tzdata" default:"true" doc:"ship Go's time zone database and set ZONEINFO"`
	Files       []FileCopy        `key:"files" doc:"extra files or directories from the build context: {src, dst, mode}"`
	Env         map[string]string `key:"env" names:"envname" doc:"image environment"`
	Expose      []string          `key:"expose" check:"port" doc:"exposed ports, port[/tcp|udp]"`
	Workdir     string            `key:"workdir" default:"/" check:"abspath" doc:"working directory"`
	Entrypoint  []string          `key:"entrypoint" doc:"entrypoint; default [/usr/local/bin/<binary>]; on scratch its program must be one of the binaries or an image.files destination (else an error at its line)"`
	Cmd         []string          `key:"cmd" doc:"default arguments"`
	Labels      map[string]string `key:"labels" names:"labelkey" doc:"image config labels (merged with --label)"`
	Annotations map[string]string `key:"annotations" names:"labelkey" doc:"manifest annotations"`
	Stopsignal  string            `key:"stopsignal" check:"signal" doc:"stop signal, such as SIGTERM"`
	Healthcheck Healthcheck       `key:"healthcheck" oneof:"http,tcp,exec" replace:"true" doc:"the image's health check (Docker and Podman run it; Kubernetes uses its own probes): {http: URL} or {tcp: host:port} on loopback, served by a probe of a few hundred bytes the frontend adds, or {exec: [argv]}, the program's own command; with interval, timeout, start_period, retries"`
	CA          []string          `key:"ca" check:"relpath" doc:"PEM certificate files of the build context, appended to the CA bundle (the whole bundle with certs: false); each is parsed at build time"`
}

// Debug says what the debug variant (the T.debug output) adds beside the
// shell and core utilities it always has.
type Debug struct {
	Delve bool `key:"delve" doc:"build the binary with -gcflags=all=-N -l, unstripped, and start it under dlv exec --headless --listen=:40000 --api-version=2 --accept-multiclient"`
}

// Healthcheck is the image's health check (image.healthcheck): one of
// HTTP, TCP and Exec, and how often and how long to try.
type Healthcheck struct {
	HTTP        string   `key:"http" check:"healthurl" doc:"an http:// URL on loopback (127.0.0.1, [::1] or localhost) that answers 2xx or 3xx when the program is healthy"`
	TCP         string   `key:"tcp" check:"healthaddr" doc:"a loopback host:port that accepts a connection when the program is healthy"`
	Exec        []string `key:"exec" doc:"a command of the image, exec form, that exits 0 when the program is healthy: [/usr/local/bin/server, health]"`
	Interval    string   `key:"interval" check:"duration" doc:"time between checks, such as 30s (the engine's default when not written)"`
	Timeout     string   `key:"timeout" check:"duration" doc:"time a check may take, such as 5s; the probe stops itself then"`
	StartPeriod string   `key:"start_period" check:"duration" doc:"time the program is given to start, such as 10s"`
	Retries     int      `key:"retries" check:"retries" doc:"failed checks in a row that make the container unhealthy"`
}

// FileCopy is an extra file or directory copied from the build context.
type FileCopy struct {
	Src  string `key:"src" required:"true" check:"relpath" doc:"path in the build context"`
	Dst  string `key:"dst" required:"true" check:"abspath" doc:"absolute path in the image"`
	Mode uint32 `key:"mode" check:"mode" doc:"octal file mode such as \"0640\"; default: the source's"` // 0: keep the source mode
}

// Security names the confinement profiles shipped with the image and the
// vulnerability gate.
type Security struct {
	Seccomp  string `key:"seccomp" default:"default" check:"seccomp" doc:"default (derived from the binary), go, docker, none, or a profile file in the build context"`
	Apparmor string `key:"apparmor" default:"default" check:"apparmor" doc:"default, none, or a profile file in the build context"`
	Vulns    Vulns  `key:"vulns" short:"mode" doc:"the vulnerability gate: known Go vulnerabilities the binary can call; warn, fail, off, or {mode, ignore}"`
}

// Vulns is the vulnerability gate (security.vulns): written as a mode
// alone (vulns: fail) or as a mapping with the ignored vulnerabilities.
type Vulns struct {
	Mode   string       `key:"mode" default:"warn" enum:"warn,fail,off" doc:"warn: a build warning for each known vulnerability the binary can call; fail: the build fails on them, and when no vulnerability database can be had; off: no check"`
	Ignore []VulnIgnore `key:"ignore" doc:"vulnerabilities still reported, with their reason, but neither warned about nor failing the build: {id, reason}"`
}

// VulnIgnore is a vulnerability security.vulns.ignore names.
type VulnIgnore struct {
	ID     string `key:"id" required:"true" check:"vulnid" doc:"the vulnerability: a Go ID (GO-2024-2687) or one of its aliases (CVE-..., GHSA-...)"`
	Reason string `key:"reason" required:"true" check:"reason" doc:"why it does not matter here; it goes into the OpenVEX document"`
}

// Range is a span of the Slimfile, 1-based lines and columns.
type Range struct {
	Line, Column       int
	EndLine, EndColumn int
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
