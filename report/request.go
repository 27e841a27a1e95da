package report

import "time"

// Request is what the frontend asks the report step (gostep.Report) to
// measure of one platform's image: the layers it makes, each a directory
// holding exactly that layer's files (the stage the layer is copied from),
// and what it knows that the files do not say (the confinement, the
// vulnerability check). The step measures the rest: the layer blobs as
// BuildKit writes them (internal/layerblob), every byte of the binary
// (binfacts), its hardening and the floor.
type Request struct {
	Target   string    `json:"target"`
	Platform string    `json:"platform"`
	Epoch    time.Time `json:"epoch"`
	// Base names the runtime base image, "" for scratch; its own layers
	// are not measured.
	Base   string         `json:"base,omitempty"`
	Layers []RequestLayer `json:"layers"`
	// Binaries are the paths of the Go binaries in the image.
	Binaries []string `json:"binaries"`
	// Strip and Trimpath are what the build asked for; BuilderPaths the
	// paths of the build a trimmed binary must not hold.
	Strip        bool     `json:"strip"`
	Trimpath     bool     `json:"trimpath"`
	BuilderPaths []string `json:"builder_paths"`
	// Certs and Zoneinfo are the paths of the CA bundle and the time zone
	// database in the image, "" when it has none.
	Certs    string   `json:"certs,omitempty"`
	Zoneinfo string   `json:"zoneinfo,omitempty"`
	Seccomp  *Seccomp `json:"seccomp,omitempty"`
	Vulns    *Vulns   `json:"vulns,omitempty"`
}

// RequestLayer is one layer: what it holds, in words, and the directory
// of its files in the report step.
type RequestLayer struct {
	What string `json:"what"`
	Dir  string `json:"dir"`
}
