package report

import "fmt"

// Inconsistencies lists what in r does not add up: totals that are not
// the sums of their parts, a file that names no binary. The report is
// rendered all the same (bytes no child explains are drawn as such), and
// the page lists these at its top, so that a fault of the measuring is seen
// rather than drawn over.
func Inconsistencies(r *Report) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	var compressed, size int64
	for i, l := range r.Image.Layers {
		compressed += l.Compressed
		size += l.Size
		var shares, content int64
		for _, f := range l.Files {
			shares += f.Compressed
			content += f.Size
			if f.Binary < -1 || f.Binary >= len(r.Binaries) {
				bad("layer %d: file %q names binary %d of %d", i+1, f.Path, f.Binary, len(r.Binaries))
			}
		}
		if len(l.Files) > 0 && shares != l.Compressed {
			bad("layer %d: its files' compressed shares add up to %d bytes, the layer has %d", i+1, shares, l.Compressed)
		}
		if content > l.Size {
			bad("layer %d: its files hold %d bytes, more than its tar's %d", i+1, content, l.Size)
		}
	}
	if compressed != r.Image.Compressed {
		bad("the layers' compressed bytes add up to %d, the image has %d", compressed, r.Image.Compressed)
	}
	if size != r.Image.Size {
		bad("the layers' uncompressed bytes add up to %d, the image has %d", size, r.Image.Size)
	}
	for _, b := range r.Binaries {
		var parts, code, mods int64
		for _, p := range b.Parts {
			parts += p.Bytes
			if p.Name == CodePart {
				code += p.Bytes
			}
		}
		if parts != b.Size {
			bad("%s: its parts add up to %d bytes, the file has %d", b.Path, parts, b.Size)
		}
		for _, m := range b.Modules {
			mods += m.Bytes
			var pkgs int64
			for _, p := range m.Packages {
				pkgs += p.Bytes
				var funcs int64
				for _, f := range p.Functions {
					funcs += f.Bytes
				}
				if funcs > p.Bytes {
					bad("%s: the functions of package %s add up to %d bytes, more than its %d", b.Path, p.Path, funcs, p.Bytes)
				}
			}
			if pkgs > m.Bytes {
				bad("%s: the packages of module %s add up to %d bytes, more than its %d", b.Path, m.Path, pkgs, m.Bytes)
			}
		}
		if mods > code {
			bad("%s: its modules add up to %d bytes of code, more than the %d of its code part", b.Path, mods, code)
		}
	}
	f := r.Floor
	if f.Total != f.Binary+f.Certs+f.Zoneinfo {
		bad("the floor's total is %d bytes, its binary, certificates and time zones add up to %d", f.Total, f.Binary+f.Certs+f.Zoneinfo)
	}
	if f.Image != r.Image.Compressed {
		bad("the floor compares the image as %d bytes, the image has %d", f.Image, r.Image.Compressed)
	}
	return out
}
