package spec

// Outputs are the outputs every target T offers beside its image, as
// --target T.<name> (plain <name> for the single default target) selects
// them; the frontend builds each, and docs/reference.md lists them.
var Outputs = []Output{
	{"binaries", "only the compiled binaries, a directory per platform (`--output type=local,dest=DIR`)"},
	{"profiles", "the seccomp and AppArmor profiles and a Kubernetes `securityContext` that uses them"},
	{"vulns", "the vulnerability check: an OpenVEX document (`vex.json`) and a summary (`vulns.txt`), a directory per platform; runs whatever `security.vulns` says"},
	{"report", "what the image holds, byte by byte: `report.html` (a treemap from layers down to Go functions, and tables), `report.svg`, `report.json`, a directory per platform"},
	{"debug", "the image plus a pure-Go shell at `/bin/sh` and core utilities (u-root's), and with `debug: {delve: true}` the binary unstripped under delve: for debugging only"},
}

// Output is one of Outputs.
type Output struct {
	Name, Doc string
}
