package report

import "fmt"

// normalized is a copy of r as report.json writes it: Schema set, and every
// list a list, empty rather than null, so that a consumer (and the page's
// script) never meets a null where the schema says array. r is not changed.
func normalized(r *Report) (*Report, error) {
	c := *r
	switch c.Schema {
	case "":
		c.Schema = SchemaID
	case SchemaID:
	default:
		return nil, fmt.Errorf("report: schema %q, not %q", c.Schema, SchemaID)
	}
	c.Image.Layers = list(c.Image.Layers, func(l *Layer) { l.Files = list(l.Files, nil) })
	c.Binaries = list(c.Binaries, func(b *Binary) {
		b.Settings = list(b.Settings, nil)
		b.Parts = list(b.Parts, nil)
		b.Modules = list(b.Modules, func(m *ModuleSize) { m.Packages = list(m.Packages, nil) })
		b.Hardening = list(b.Hardening, nil)
	})
	if c.Seccomp != nil {
		s := *c.Seccomp
		s.BinaryCalls, s.Allowed = list(s.BinaryCalls, nil), list(s.Allowed, nil)
		c.Seccomp = &s
	}
	c.Modules = list(c.Modules, nil)
	if c.Vulns != nil {
		v := *c.Vulns
		v.Findings = list(v.Findings, func(f *Finding) { f.Trace = list(f.Trace, nil) })
		c.Vulns = &v
	}
	return &c, nil
}

// list is a copy of s, never nil, with fix applied to every element.
func list[T any](s []T, fix func(*T)) []T {
	out := make([]T, len(s))
	copy(out, s)
	if fix != nil {
		for i := range out {
			fix(&out[i])
		}
	}
	return out
}
