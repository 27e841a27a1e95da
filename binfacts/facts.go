package binfacts

import (
	"fmt"
	"strings"
)

// Facts is what the go build step says of the binary it wrote, for the
// progress line every image build shows and for its hardening checks:
// small, so that the frontend reads it in one round trip.
type Facts struct {
	Size int64 `json:"size"`
	// Modules are the largest modules of the code, at most 3, with Code
	// the code's bytes in all.
	Modules []ModuleBytes `json:"modules"`
	Code    int64         `json:"code"`
	// Hardening are the checks (Harden).
	Hardening []Check `json:"hardening"`
	// Certs and Zoneinfo are the sizes of the CA bundle and the time zone
	// database the image may ship beside the binary (0 when unknown).
	Certs    int64 `json:"certs,omitempty"`
	Zoneinfo int64 `json:"zoneinfo,omitempty"`
}

// ModuleBytes is a module's code bytes.
type ModuleBytes struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
}

// FactsOf is the Facts of bin, checked against e.
func FactsOf(bin []byte, e Expect) (*Facts, error) {
	a, err := Attribute(bin)
	if err != nil {
		return nil, err
	}
	checks, err := Harden(bin, e)
	if err != nil {
		return nil, err
	}
	f := &Facts{Size: a.Size, Hardening: checks}
	for _, m := range a.Modules {
		f.Code += m.Bytes
		if len(f.Modules) < 3 {
			f.Modules = append(f.Modules, ModuleBytes{m.Path, m.Bytes})
		}
	}
	return f, nil
}

// Failed are the hardening checks that failed and are no mere
// information.
func (f *Facts) Failed() []Check {
	var out []Check
	for _, c := range f.Hardening {
		if !c.OK && !c.Info {
			out = append(out, c)
		}
	}
	return out
}

// Line is the progress line of an image whose binary at path the facts
// are of, with the CA bundle and time zones when it ships them: "image
// about 7.2 MB uncompressed, /usr/local/bin/hello 6.5 MB (90%): stdlib
// 4.1 MB, golang.org/x/net 0.6 MB, ...".
func (f *Facts) Line(path string, certs, tzdata bool) string {
	return Line([]string{path}, []*Facts{f}, certs, tzdata)
}

// Line is the progress line of an image with several binaries, at paths,
// whose facts are facts (the CA bundle's and time zones' sizes are the
// first's): each binary with its share and largest modules, separated by
// "; ".
func Line(paths []string, facts []*Facts, certs, tzdata bool) string {
	var image int64
	for _, f := range facts {
		image += f.Size
	}
	if certs {
		image += facts[0].Certs
	}
	if tzdata {
		image += facts[0].Zoneinfo
	}
	var bins []string
	for i, f := range facts {
		var mods []string
		for _, m := range f.Modules {
			mods = append(mods, fmt.Sprintf("%s %s", m.Path, MB(m.Bytes)))
		}
		if len(mods) > 0 && f.Code > 0 {
			rest := f.Code
			for _, m := range f.Modules {
				rest -= m.Bytes
			}
			if rest > 0 {
				mods = append(mods, "other code "+MB(rest))
			}
		}
		bins = append(bins, fmt.Sprintf("%s %s (%.0f%%): %s", paths[i], MB(f.Size), 100*float64(f.Size)/float64(max(image, 1)), strings.Join(mods, ", ")))
	}
	return fmt.Sprintf("image about %s uncompressed, %s", MB(image), strings.Join(bins, "; "))
}

// MB is n bytes in megabytes with one place of decimals (kilobytes below
// 0.1 MB).
func MB(n int64) string {
	if n < 100_000 {
		return fmt.Sprintf("%d kB", (n+500)/1000)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}
