package report

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"
)

// The page is a template, a style sheet and a script, all inlined into the
// one file: a report opened from a CI artifact has nothing beside it.
//
//go:embed page.html page.css page.js
var pageFiles embed.FS

var (
	pageTemplate = template.Must(template.New("page.html").Funcs(template.FuncMap{
		"human": human, "percent": percent, "ratio": ratio, "digits": digits, "bar": bar,
	}).ParseFS(pageFiles, "page.html"))
	pageCSS = mustRead("page.css")
	pageJS  = mustRead("page.js")
	// Nothing but the page's own script and style can run or load: not a
	// script a path smuggled in, not a request for anything.
	pageCSP = "default-src 'none'; script-src " + hash(pageJS) + "; style-src " + hash(pageCSS) +
		"; img-src data:; base-uri 'none'; form-action 'none'"
)

func mustRead(name string) string {
	b, err := pageFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	// Inlined, the text must not end its element early.
	if s := strings.ToLower(string(b)); strings.Contains(s, "</script") || strings.Contains(s, "</style") || strings.Contains(s, "<!--") {
		panic(name + " cannot be inlined")
	}
	return string(b)
}

// page is what page.html is executed with.
type page struct {
	R        *Report
	Title    string
	Totals   string
	CSP      string
	CSS      template.CSS
	Script   template.JS
	Data     template.JS
	Problems []string
	Layers   []layerView
	Binaries []binaryView
	Floor    floorView
	Seccomp  *seccompView
	Vulns    *vulnsView
}

// writePage executes the page for r, whose report.json is data.
func writePage(r *Report, data []byte) ([]byte, error) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return nil, err
	}
	// The embedded JSON may hold any path: with <, > and & escaped as
	// \u003c and so on, no "</script>" or "<!--" in it can end or change
	// the element, and it still parses to the same report.
	var embedded bytes.Buffer
	json.HTMLEscape(&embedded, compact.Bytes())
	p := page{
		R:        r,
		CSP:      pageCSP,
		Title:    title(r),
		Totals:   totals(r),
		CSS:      template.CSS(pageCSS),
		Script:   template.JS(pageJS),
		Data:     template.JS(embedded.String()),
		Problems: Inconsistencies(r),
		Layers:   layerViews(r),
		Floor:    newFloorView(r.Floor),
		Seccomp:  newSeccompView(r.Seccomp),
		Vulns:    newVulnsView(r.Vulns),
	}
	for i := range r.Binaries {
		p.Binaries = append(p.Binaries, newBinaryView(r, i))
	}
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// hash is the CSP source of an inline element's text.
func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}

type layerView struct {
	N int
	Layer
	ShortDigest string
}

func layerViews(r *Report) []layerView {
	var out []layerView
	for i, l := range r.Image.Layers {
		d := l.Digest
		if _, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
			d = hex[:12]
		}
		out = append(out, layerView{N: i + 1, Layer: l, ShortDigest: d})
	}
	return out
}

type binaryView struct {
	ID       string // the suffix of its tables' ids: "" for the first binary, "-2" for the second...
	B        *Binary
	Code     int64        // bytes of its code part
	Packages []packageRow // the largest packages of every module
	OK       int          // hardening checks that pass
}

type packageRow struct {
	Module string
	PackageSize
}

// topPackages is how many of the largest packages the page lists.
const topPackages = 15

func newBinaryView(r *Report, i int) binaryView {
	b := &r.Binaries[i]
	v := binaryView{B: b}
	if i > 0 {
		v.ID = "-" + strconv.Itoa(i+1)
	}
	for _, p := range b.Parts {
		if p.Name == CodePart {
			v.Code += p.Bytes
		}
	}
	for _, m := range b.Modules {
		for _, p := range m.Packages {
			v.Packages = append(v.Packages, packageRow{m.Path, p})
		}
	}
	sort.SliceStable(v.Packages, func(i, j int) bool { return v.Packages[i].Bytes > v.Packages[j].Bytes })
	if len(v.Packages) > topPackages {
		v.Packages = v.Packages[:topPackages]
	}
	for _, c := range b.Hardening {
		if c.OK {
			v.OK++
		}
	}
	return v
}

type floorView struct {
	Floor
	Over  int64 // the image's bytes over the floor
	Known bool  // whether there is a floor to compare with
}

func newFloorView(f Floor) floorView {
	return floorView{Floor: f, Over: f.Image - f.Total, Known: f.Total > 0}
}

type seccompView struct {
	*Seccomp
	Beyond  []string // calls the profile allows that the binary cannot make
	Missing []string // calls the binary can make that the profile does not allow
	Max     int      // the largest of the four counts, for the bars
}

func newSeccompView(s *Seccomp) *seccompView {
	if s == nil {
		return nil
	}
	v := &seccompView{Seccomp: s, Beyond: minus(s.Allowed, s.BinaryCalls), Missing: minus(s.BinaryCalls, s.Allowed)}
	v.Max = max(len(s.BinaryCalls), len(s.Allowed), s.GoList, s.DockerDefault)
	return v
}

// minus is the strings of a that b does not hold, sorted.
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

type vulnsView struct {
	*Vulns
	Called int // findings whose vulnerable symbol the binary can call
}

func newVulnsView(v *Vulns) *vulnsView {
	if v == nil {
		return nil
	}
	out := &vulnsView{Vulns: v}
	for _, f := range v.Findings {
		if f.Status == "called" {
			out.Called++
		}
	}
	return out
}

// digits writes n with thousands separators, for the exact byte counts.
func digits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// bar is a table cell's bar of part of whole (int or int64), drawn in SVG
// because the page's style policy admits no style attribute; class is
// more classes for its colour and width ("wide", "image", "ref").
func bar(class string, part, whole any) template.HTML {
	p, w := toInt64(part), toInt64(whole)
	width := "0"
	if w > 0 && p > 0 {
		width = strconv.FormatFloat(min(float64(p)*100/float64(w), 100), 'f', 1, 64)
	}
	return template.HTML(`<svg class="bar ` + template.HTMLEscapeString(class) + `" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">` +
		`<rect width="` + width + `" height="8"/></svg>`)
}

func toInt64(v any) int64 {
	switch v := v.(type) {
	case int:
		return int64(v)
	case int64:
		return v
	}
	panic(fmt.Sprintf("bar of %T", v))
}
