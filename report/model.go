// Package report renders what the T.report output says of one platform's
// image: report.json (the model, for CI to diff two builds), report.svg (the
// treemap alone, for a README or a pull-request comment) and report.html (one
// self-contained page: the treemap, zoomable, and the tables).
//
// The model is measured elsewhere (the frontend reads the layers and the
// binary); this package only checks it for consistency and draws it.
package report

// SchemaID is the value of Report.Schema, and the version of schema.json.
const SchemaID = "slimfile-report/v1"

// Report is what the T.report output says of one platform's image.
type Report struct {
	Schema   string   `json:"schema"` // SchemaID, "slimfile-report/v1"
	Target   string   `json:"target"`
	Platform string   `json:"platform"` // linux/arm64
	Image    Image    `json:"image"`
	Binaries []Binary `json:"binaries"`
	Floor    Floor    `json:"floor"`
	Seccomp  *Seccomp `json:"seccomp,omitempty"`
	Modules  []Module `json:"modules"` // the SBOM's modules, with versions
	Vulns    *Vulns   `json:"vulns,omitempty"`
}

// Image is the platform's image as pushed: its layers, in order.
type Image struct {
	Compressed int64   `json:"compressed"` // sum of the layers' compressed bytes
	Size       int64   `json:"size"`       // sum of the layers' uncompressed (tar) bytes
	Layers     []Layer `json:"layers"`
}

// Layer is one layer of the image and the files it holds.
type Layer struct {
	Digest     string `json:"digest,omitempty"`
	Compressed int64  `json:"compressed"`
	Size       int64  `json:"size"` // uncompressed tar bytes
	What       string `json:"what"` // "runtime files: users, /tmp, CA certificates"
	Files      []File `json:"files"`
}

// File is one entry of a layer's tar.
type File struct {
	Path string `json:"path"`
	Size int64  `json:"size"` // bytes of the file's content
	Mode string `json:"mode"` // "0755", "dir", "symlink"
	// Compressed is this file's share of its layer's compressed bytes
	// (estimated: see EstimateCompressed); the treemap is sized by it.
	Compressed int64 `json:"compressed"`
	// Binary is the index in Report.Binaries when this file is a Go binary, else -1.
	Binary int `json:"binary"`
}

// Binary is a Go binary of the image, byte by byte.
type Binary struct {
	Path      string       `json:"path"`
	Size      int64        `json:"size"`
	GoVersion string       `json:"go_version"`
	Settings  []Setting    `json:"settings"` // build settings from the build information (key, value)
	Parts     []Part       `json:"parts"`    // what every byte of the file is: these add up to Size
	Modules   []ModuleSize `json:"modules"`  // the code (text) bytes per Go module, largest first
	Hardening []Check      `json:"hardening"`
}

// CodePart is the Part.Name of the functions' bytes, the part that
// Binary.Modules subdivides.
const CodePart = "code"

// Part is a kind of bytes of the binary: "code" (the functions, attributed to
// modules below), "function table" (.gopclntab), "read-only data", "data",
// "type data", "ELF headers", "unattributed", ... Bytes add up to Binary.Size.
type Part struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
	What  string `json:"what"`
}

// ModuleSize is the code bytes of one Go module in a binary.
type ModuleSize struct {
	Path     string        `json:"path"` // "stdlib" for the standard library, "runtime" may be its own
	Version  string        `json:"version,omitempty"`
	Bytes    int64         `json:"bytes"`
	Packages []PackageSize `json:"packages"` // largest first
}

// PackageSize is the code bytes of one Go package in a binary.
type PackageSize struct {
	Path      string     `json:"path"`
	Bytes     int64      `json:"bytes"`
	Functions []FuncSize `json:"functions,omitempty"` // the largest, at most 20
}

// FuncSize is the code bytes of one function.
type FuncSize struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
}

// Check is one hardening check of a binary, as measured.
type Check struct {
	Name   string `json:"name"` // "stripped", "static", "non-executable stack", ...
	OK     bool   `json:"ok"`
	Found  string `json:"found"` // what was measured, in words
	Wanted string `json:"wanted,omitempty"`
	// Info marks a row that informs (the Go version, build settings,
	// checks that do not apply): no reason to fail a build.
	Info bool `json:"info,omitempty"`
}

// Setting is one build setting of the binary's build information.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Floor is the smallest image this binary can have, against this one.
type Floor struct {
	// Bytes any image of this binary must hold: the compressed binary, CA bundle, zoneinfo.
	Binary   int64 `json:"binary"`
	Certs    int64 `json:"certs"`
	Zoneinfo int64 `json:"zoneinfo"`
	Total    int64 `json:"total"`
	Image    int64 `json:"image"` // the image's compressed bytes
}

// Seccomp summarises the seccomp profile of the image.
type Seccomp struct {
	Profile       string   `json:"profile"`        // default, go, docker, none, a path
	BinaryCalls   []string `json:"binary_calls"`   // calls the binary can make
	Allowed       []string `json:"allowed"`        // calls the profile allows
	GoList        int      `json:"go_list"`        // size of the generic go allowlist
	DockerDefault int      `json:"docker_default"` // size of Docker's default allowlist
}

// Module is one module of the SBOM.
type Module struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	Sum     string `json:"sum"`
}

// Vulns is the outcome of the vulnerability check.
type Vulns struct {
	DB       string    `json:"db"`
	Modified string    `json:"modified"`
	Findings []Finding `json:"findings"`
}

// Finding is one known vulnerability of a module the binary links.
type Finding struct {
	ID      string   `json:"id"`
	Module  string   `json:"module"`
	Version string   `json:"version"`
	Fixed   string   `json:"fixed"`
	Status  string   `json:"status"` // "called", "imported", "required", "ignored"
	Symbol  string   `json:"symbol"`
	Trace   []string `json:"trace"` // one line per frame, main first
	// Reason is why the finding is ignored (security.vulns ignore), if it is.
	Reason string `json:"reason,omitempty"`
}
