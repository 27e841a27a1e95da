package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slimfile/slimfile/integration/chromium"
	"github.com/slimfile/slimfile/report"
)

// TestReportInBrowser opens the report.html of real builds of the examples
// in headless Chromium, offline, and checks what a person would see: the
// page renders with no console error, exception or request but its own
// file; its treemap draws every layer and module of report.json with their
// bytes; its tables hold report.json's rows; and it does not look blank.
// report's TestBrowser does the same for a made-up report; this one is for
// what the frontend really measures (a module path, a layer, a finding
// that a sample would not think of). It keeps a screenshot of each page.
func TestReportInBrowser(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(chromium.Path); err != nil {
		t.Skipf("%s is missing (the test bed's packages.sh installs Debian's chromium)", chromium.Path)
	}
	artifacts := os.Getenv("SLIMFILE_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	} else if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ example, target string }{
		{"hello", "report"},
		{"grpc-health", "report"}, // two platforms: two pages
		{"two-binaries", "api.report"},
	} {
		t.Run(c.example, func(t *testing.T) {
			t.Parallel()
			dir := exampleModule(t, c.example)
			out, b, err := localOutput(t, dir, c.target, mirrorOpt()...)
			if err != nil {
				t.Fatalf("%v%s", err, builderErrors())
			}
			pages, _ := filepath.Glob(filepath.Join(out, "*", "report.html"))
			if len(pages) == 0 {
				t.Fatalf("no report.html in the output: %v", listDir(out))
			}
			// The build is the slow part; the browser has its own deadline.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			br, err := chromium.Start(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer br.Close()
			for _, html := range pages {
				// Named <example>-report.png for linux/amd64, which every
				// example builds, and with the platform for the others.
				name := c.example
				if p := filepath.Base(filepath.Dir(html)); p != "linux_amd64" {
					name += "-" + p
				}
				checkReportPage(ctx, t, br, html, filepath.Join(artifacts, name+"-report.png"), append(b.progress.mentioning("security.vulns"), warningMsgs(b.progress.warned("security.vulns"))...))
			}
		})
	}
}

// The window the page is looked at in: a laptop's, as in report's
// TestBrowser.
const viewW, viewH = 1280, 900

// checkReportPage opens html (a report.html beside its report.json) in a
// new tab of b and checks it against the report.json; it writes a
// screenshot of the whole page to png.
func checkReportPage(ctx context.Context, t *testing.T, b *chromium.Browser, html, png string, warned []string) {
	var r report.Report
	dt, err := os.ReadFile(filepath.Join(filepath.Dir(html), "report.json"))
	if err == nil {
		err = json.Unmarshal(dt, &r)
	}
	if err != nil {
		t.Fatalf("report.json beside %s: %v", html, err)
	}
	p := r.Platform
	if bad := report.Inconsistencies(&r); len(bad) > 0 {
		t.Errorf("%s: report.json does not add up: %q", p, bad)
	}
	// Every example is one binary, and the page is meant to show the
	// vulnerability check that mirrorOpt points at the test bed's database.
	if len(r.Binaries) != 1 || r.Vulns == nil {
		t.Fatalf("%s: report.json has %d binaries and vulns %+v; the build said of its check:\n%s", p, len(r.Binaries), r.Vulns, strings.Join(warned, "\n"))
	}
	tab, err := b.NewTab(ctx, viewW, viewH)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	url := chromium.FileURL(html)
	must(tab.Navigate(ctx, url))

	var head struct{ Target, Platform, Title string }
	must(tab.Eval(ctx, `({Target: document.querySelector('h1 .target').textContent,
		Platform: document.querySelector('h1 .platform').textContent, Title: document.title})`, &head))
	if head.Target != r.Target || head.Platform != r.Platform || !strings.HasPrefix(head.Title, r.Target) {
		t.Errorf("%s: the page is headed %+v, for target %q", p, head, r.Target)
	}

	checkTreemap(ctx, t, tab, &r)
	checkTables(ctx, t, tab, &r)

	// The whole page, before the code is zoomed into.
	var height float64
	must(tab.Eval(ctx, `document.documentElement.scrollHeight`, &height))
	shot, err := tab.Screenshot(ctx, 0, 0, viewW, height)
	must(err)
	colours, w, h, err := chromium.DistinctColours(shot)
	must(err)
	if err := os.WriteFile(png, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: screenshot %s: %dx%d, %d colours", p, png, w, h, colours)
	if colours < 200 {
		t.Errorf("%s: %s looks blank: %d colours", p, png, colours)
	}

	checkCodeZoom(ctx, t, tab, &r)

	// Last, when everything the page did has been reported: a round trip
	// to the page delivers the events that came before it. A console
	// error of the test's own proves the test hears the page's.
	var done bool
	must(tab.Eval(ctx, `console.error('slimfile probe'), true`, &done))
	must(tab.Eval(ctx, `true`, &done))
	probed := false
	for _, m := range tab.Problems() {
		if m.Source == "console" && m.Text == "slimfile probe" {
			probed = true
			continue
		}
		t.Errorf("%s: in the browser: %s", p, m)
	}
	if !probed {
		t.Errorf("%s: a console error made by the test was not heard: the test cannot hear the page's", p)
	}
	if reqs := tab.Requests(); len(reqs) == 0 || reqs[0] != url {
		t.Errorf("%s: the tab's requests %q do not start with the page's: the test cannot see them", p, reqs)
	}
	for _, u := range tab.Requests() {
		if u != url {
			t.Errorf("%s: the page requested %s", p, u)
		}
	}
}

// rect is what the page's script writes into a treemap rectangle's data
// attributes, as report's TestBrowser reads them.
type rect struct {
	Kind, Name  string
	Bytes, Size int64
}

const rectsJS = `[...document.querySelectorAll('#treemap svg rect')].map(r =>
	({Kind: r.dataset.kind, Name: r.dataset.name, Bytes: +r.dataset.bytes, Size: +r.dataset.size}))`

func findRect(rects []rect, kind, name string) *rect {
	for i, d := range rects {
		if d.Kind == kind && d.Name == name {
			return &rects[i]
		}
	}
	return nil
}

// checkTreemap: at the top, the treemap draws every layer with its
// compressed and tar bytes, and the binary's modules it has room for with
// their code bytes (checkCodeZoom sees the rest).
func checkTreemap(ctx context.Context, t *testing.T, tab *chromium.Tab, r *report.Report) {
	var rects []rect
	if err := tab.Eval(ctx, rectsJS, &rects); err != nil {
		t.Fatal(err)
	}
	for i, l := range r.Image.Layers {
		d := findRect(rects, "layer", fmt.Sprintf("layer %d", i+1))
		if d == nil || d.Bytes != l.Compressed || d.Size != l.Size {
			t.Errorf("%s: layer %d (%s) of report.json, %d bytes compressed, %d in its tar, is drawn as %+v", r.Platform, i+1, l.What, l.Compressed, l.Size, d)
		}
	}
	drawn := 0
	for _, m := range r.Binaries[0].Modules {
		if d := findRect(rects, "module", m.Path); d != nil {
			drawn++
			if d.Size != m.Bytes || d.Bytes <= 0 {
				t.Errorf("%s: module %s of report.json (%d bytes of code) is drawn as %+v", r.Platform, m.Path, m.Bytes, d)
			}
		}
	}
	if len(r.Binaries[0].Modules) > 0 && drawn == 0 {
		t.Errorf("%s: the treemap draws none of the binary's %d modules", r.Platform, len(r.Binaries[0].Modules))
	}
	t.Logf("%s: the treemap draws %d rectangles, %d of the %d modules", r.Platform, len(rects), drawn, len(r.Binaries[0].Modules))
}

// checkCodeZoom clicks the label strip of the binary's code and checks
// that the treemap then draws every module of the binary, with its code
// bytes: zoomed in, the smallest module of these examples (a few hundred
// bytes of megabytes) has tens of pixels.
func checkCodeZoom(ctx context.Context, t *testing.T, tab *chromium.Tab, r *report.Report) {
	var at struct{ X, Y float64 }
	err := tab.Eval(ctx, `(() => {
		const r = document.querySelector('#treemap rect[data-kind="part"][data-name="code"]').getBoundingClientRect();
		return {X: r.x + 6, Y: r.y + 6};
	})()`, &at)
	if err == nil {
		err = tab.Click(ctx, at.X, at.Y)
	}
	var crumbs string
	if err == nil {
		err = tab.Eval(ctx, `document.getElementById('crumbs').textContent`, &crumbs)
	}
	if err != nil {
		t.Fatalf("%s: zooming into the code: %v", r.Platform, err)
	}
	if !strings.Contains(crumbs, "›code · ") {
		t.Fatalf("%s: after a click on the code's strip the path reads %q", r.Platform, crumbs)
	}
	var rects []rect
	if err := tab.Eval(ctx, rectsJS, &rects); err != nil {
		t.Fatal(err)
	}
	for _, m := range r.Binaries[0].Modules {
		if d := findRect(rects, "module", m.Path); d == nil || d.Size != m.Bytes || d.Bytes <= 0 {
			t.Errorf("%s: zoomed into the code, module %s of report.json (%d bytes of code) is drawn as %+v", r.Platform, m.Path, m.Bytes, d)
		}
	}
}

// row is a table row as the page shows it: the text of its cells and the
// exact numbers the page writes beside the rounded ones.
type row struct {
	Class  string
	Cells  []string
	Bytes  []int64 // data-bytes of its cells
	Counts []int   // data-count of its cells
}

// table is one of the page's tables with an id.
type table struct {
	Shown bool // laid out with a height, unless in a closed <details>
	Rows  []row
}

// checkTables: every table the page has for report.json's contents is
// there, shown, with report.json's rows, and no table is left over.
func checkTables(ctx context.Context, t *testing.T, tab *chromium.Tab, r *report.Report) {
	var got map[string]table
	err := tab.Eval(ctx, `Object.fromEntries([...document.querySelectorAll('table[id]')].map(t => [t.id, {
		Shown: !!t.closest('details:not([open])') || t.getClientRects().length > 0 && t.offsetHeight > 0,
		Rows: [...t.querySelectorAll(':scope > tbody > tr')].map(tr => {
			const cells = [...tr.querySelectorAll(':scope > td, :scope > th')];
			return {Class: tr.className, Cells: cells.map(c => c.textContent.trim()),
				Bytes: cells.filter(c => c.dataset.bytes !== undefined).map(c => +c.dataset.bytes),
				Counts: cells.filter(c => c.dataset.count !== undefined).map(c => +c.dataset.count)};
		})}]))`, &got)
	if err != nil {
		t.Fatal(err)
	}
	p, bin := r.Platform, r.Binaries[0]
	// want is the tables of report.json, row by row: the first cells'
	// texts (a prefix each), then data-bytes and data-count.
	want := map[string][]row{}
	for i, l := range r.Image.Layers {
		want["layers"] = append(want["layers"], row{Cells: []string{strconv.Itoa(i + 1), l.What}, Bytes: []int64{l.Compressed, l.Size}})
		var files []row
		for _, f := range l.Files {
			files = append(files, row{Cells: []string{f.Path, f.Mode, digits(f.Size), digits(f.Compressed)}})
		}
		if len(files) > 0 {
			want[fmt.Sprintf("files-%d", i+1)] = files
		}
	}
	for _, s := range bin.Settings {
		want["settings"] = append(want["settings"], row{Cells: []string{s.Key, s.Value}})
	}
	for _, part := range bin.Parts {
		want["parts"] = append(want["parts"], row{Cells: []string{part.Name + part.What}, Bytes: []int64{part.Bytes}})
	}
	var packages []report.PackageSize
	for _, m := range bin.Modules {
		want["code-modules"] = append(want["code-modules"], row{Cells: []string{m.Path + m.Version}, Bytes: []int64{m.Bytes}})
		packages = append(packages, m.Packages...)
	}
	// The page lists the largest packages only, at most 15: their number
	// and their bytes, largest first, are checked, not which of equals.
	if n := min(len(packages), 15); n > 0 {
		want["packages"] = make([]row, n)
	}
	for _, c := range bin.Hardening {
		class := "fail"
		if c.OK {
			class = "pass"
		}
		want["hardening"] = append(want["hardening"], row{Class: class, Cells: []string{c.Name, "", c.Found, c.Wanted}})
	}
	if r.Floor.Total > 0 {
		want["floor"] = []row{{}, {}, {}, {Bytes: []int64{r.Floor.Total}}, {Bytes: []int64{r.Floor.Image}}, {}}
	}
	if s := r.Seccomp; s != nil {
		want["seccomp"] = []row{{Counts: []int{len(s.BinaryCalls)}}, {Counts: []int{len(s.Allowed)}}, {Class: "muted", Counts: []int{s.GoList}}, {Class: "muted", Counts: []int{s.DockerDefault}}}
	}
	want["modules"] = []row{} // the table is there even with no row
	for _, m := range r.Modules {
		want["modules"] = append(want["modules"], row{Cells: []string{m.Path, m.Version, m.Sum}})
	}
	for _, f := range r.Vulns.Findings {
		want["vulns"] = append(want["vulns"], row{Class: f.Status, Cells: []string{f.ID, f.Module + "@" + f.Version, f.Fixed, f.Status, f.Symbol}})
	}

	checked := 0
	for id, rows := range want {
		checked += len(rows)
		g, ok := got[id]
		if !ok {
			t.Errorf("%s: the page has no table %q (it has %v)", p, id, keys(got))
			continue
		}
		if !g.Shown {
			t.Errorf("%s: the table %q is not shown", p, id)
		}
		if len(g.Rows) != len(rows) {
			t.Errorf("%s: the table %q has %d rows, report.json %d", p, id, len(g.Rows), len(rows))
			continue
		}
		for i, w := range rows {
			if err := matchRow(g.Rows[i], w); err != "" {
				t.Errorf("%s: table %q, row %d: %s", p, id, i+1, err)
			}
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s: the page has a table %q that report.json has nothing for", p, id)
		}
	}
	t.Logf("%s: %d tables, %d rows as in report.json", p, len(want), checked)
	if g := got["packages"].Rows; len(g) > 0 {
		largest := packages[0].Bytes
		for _, pk := range packages {
			largest = max(largest, pk.Bytes)
		}
		for i, rw := range g {
			if len(rw.Bytes) != 1 || (i == 0 && rw.Bytes[0] != largest) || (i > 0 && rw.Bytes[0] > g[i-1].Bytes[0]) {
				t.Errorf("%s: the largest packages are not the largest first: row %d %+v (the largest is %d bytes)", p, i+1, rw, largest)
				break
			}
		}
	}
}

// matchRow says how got differs from w: a cell of w that is not empty
// starts the cell of got (a cell's text also holds what is under it, as a
// layer's files or a finding's trace), w's numbers are got's.
func matchRow(got, w row) string {
	if w.Class != "" && got.Class != w.Class {
		return fmt.Sprintf("class %q, want %q", got.Class, w.Class)
	}
	for i, c := range w.Cells {
		if c == "" {
			continue
		}
		if i >= len(got.Cells) || !strings.HasPrefix(got.Cells[i], c) {
			return fmt.Sprintf("cells %q, want %q", got.Cells, w.Cells)
		}
	}
	if w.Bytes != nil && fmt.Sprint(got.Bytes) != fmt.Sprint(w.Bytes) {
		return fmt.Sprintf("bytes %v, want %v", got.Bytes, w.Bytes)
	}
	if w.Counts != nil && fmt.Sprint(got.Counts) != fmt.Sprint(w.Counts) {
		return fmt.Sprintf("counts %v, want %v", got.Counts, w.Counts)
	}
	return ""
}

// digits is how the page writes an exact byte count: 1,234,567.
func digits(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// warningMsgs are the messages of ws.
func warningMsgs(ws []warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.msg)
	}
	return out
}
