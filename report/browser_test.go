package report

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slimfile/slimfile/integration/chromium"
)

// The window the page is looked at in: a laptop's.
const viewW, viewH = 1280, 900

// TestBrowser opens the sample's report.html offline in headless Chromium
// and checks, through the DevTools protocol, that it renders without a
// console error or a network request, that its treemap has the layers and
// modules of report.json with their bytes, rectangle for rectangle the
// layout report.svg has, that hovering shows a tooltip and clicking zooms
// in and out, and that it does not look blank. It keeps screenshots of the
// page, of a zoomed treemap and of report.svg.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromium.Path); err != nil {
		t.Skipf("%s is missing (apt-get install chromium)", chromium.Path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := artifacts(t)
	sample := richSample()
	// A finding that can call as many symbols as govulncheck lists for a
	// net/http vulnerability, which a real report has: the table must still
	// give the other columns room (see the check below).
	var symbols []string
	for i := range 40 {
		symbols = append(symbols, fmt.Sprintf("http.http2Frame%dWriter.Write", i))
	}
	sample.Vulns.Findings[0].Symbol = strings.Join(symbols, ", ")
	jsonPath, svgPath, htmlPath := writeSample(t, sample, t.TempDir())
	var r Report
	if b, err := os.ReadFile(jsonPath); err != nil || json.Unmarshal(b, &r) != nil {
		t.Fatalf("reading back report.json: %v", err)
	}
	htmlURL, svgURL := chromium.FileURL(htmlPath), chromium.FileURL(svgPath)

	tb := openTab(ctx, t)
	tb.navigate(htmlURL)

	// The treemap, as the page's script drew it at the top.
	type drawn struct {
		Kind, Name, Fill string
		Bytes, Size      int64
		X, Y, W, H       float64
	}
	var top struct {
		W, H  float64
		Rects []drawn
	}
	tb.eval(`(() => {
		const svg = document.querySelector('#treemap svg');
		return {W: +svg.getAttribute('width'), H: +svg.getAttribute('height'),
			Rects: [...svg.querySelectorAll('rect')].map(r => ({Kind: r.dataset.kind, Name: r.dataset.name, Fill: r.getAttribute('fill'),
				Bytes: +r.dataset.bytes, Size: +r.dataset.size, X: +r.getAttribute('x'), Y: +r.getAttribute('y'),
				W: +r.getAttribute('width'), H: +r.getAttribute('height')}))};
	})()`, &top)
	find := func(kind, name string) *drawn {
		for i, d := range top.Rects {
			if d.Kind == kind && d.Name == name {
				return &top.Rects[i]
			}
		}
		return nil
	}
	tree := buildTree(&r, false)
	for i, l := range r.Image.Layers {
		d := find("layer", fmt.Sprintf("layer %d", i+1))
		if d == nil || d.Bytes != l.Compressed || d.Size != l.Size {
			t.Errorf("layer %d of report.json (%d bytes compressed) is drawn as %+v", i+1, l.Compressed, d)
		}
	}
	for _, m := range r.Binaries[0].Modules {
		d, n := find("module", m.Path), findNode(tree, "module", m.Path)
		if d == nil || d.Size != m.Bytes || d.Bytes != n.Bytes {
			t.Errorf("module %s of report.json (%d bytes of code, %d compressed) is drawn as %+v", m.Path, m.Bytes, n.Bytes, d)
		}
	}
	// The page's script and report.svg lay out the same tree alike.
	var want []drawn
	for _, p := range Layout(tree, Rect{0, 0, top.W, top.H}, display) {
		if shown(p) {
			n := p.Node
			want = append(want, drawn{n.Kind, n.Name, n.Fill, n.Bytes, n.Size, p.Rect.X, p.Rect.Y, p.Rect.W, p.Rect.H})
		}
	}
	if len(want) != len(top.Rects) {
		t.Errorf("the page draws %d rectangles at %gx%g, the Go layout %d", len(top.Rects), top.W, top.H, len(want))
	}
	for i := range min(len(want), len(top.Rects)) {
		g, w := top.Rects[i], want[i]
		far := math.Max(math.Max(math.Abs(g.X-w.X), math.Abs(g.Y-w.Y)), math.Max(math.Abs(g.W-w.W), math.Abs(g.H-w.H)))
		if g.Kind != w.Kind || g.Name != w.Name || g.Bytes != w.Bytes || g.Size != w.Size || g.Fill != w.Fill || far > 0.11 {
			t.Errorf("rectangle %d: the page draws %+v, the Go layout %+v", i, g, w)
			break
		}
	}
	t.Logf("the treemap is %gx%g with %d rectangles", top.W, top.H, len(top.Rects))

	// Hovering a rectangle shows what it is.
	var at struct {
		X, Y float64
		Name string
	}
	tb.eval(`(() => {
		const r = document.querySelector('#treemap rect[data-kind="module"][data-name="stdlib"]').getBoundingClientRect();
		const x = r.x + r.width / 2, y = r.y + r.height / 2;
		return {X: x, Y: y, Name: document.elementFromPoint(x, y).dataset.name};
	})()`, &at)
	tb.mouse("mouseMoved", at.X, at.Y)
	var tip struct {
		Hidden bool
		Text   string
	}
	tb.eval(`({Hidden: document.getElementById('tip').hidden, Text: document.getElementById('tip').textContent})`, &tip)
	if tip.Hidden || !strings.Contains(tip.Text, at.Name) || !strings.Contains(tip.Text, "of the image") {
		t.Errorf("hovering %s shows the tooltip %+v", at.Name, tip)
	}

	// A click on a module's label strip zooms into it, with its packages'
	// functions; Escape and the path above zoom out.
	tb.eval(`(() => {
		const r = document.querySelector('#treemap rect[data-kind="module"][data-name="stdlib"]').getBoundingClientRect();
		return {X: r.x + 8, Y: r.y + 8};
	})()`, &at)
	tb.click(at.X, at.Y)
	var zoomed struct {
		Crumbs    string
		Functions int
		Layers    int
	}
	const state = `({Crumbs: document.getElementById('crumbs').textContent,
		Functions: document.querySelectorAll('#treemap rect[data-kind="function"]').length,
		Layers: document.querySelectorAll('#treemap rect[data-kind="layer"]').length})`
	tb.eval(state, &zoomed)
	if !strings.Contains(zoomed.Crumbs, "stdlib") || zoomed.Functions == 0 || zoomed.Layers != 0 {
		t.Errorf("after a click on stdlib: %+v", zoomed)
	}
	// The zoomed picture is kept with a function's tooltip showing.
	tb.eval(`(() => {
		const r = document.querySelector('#treemap rect[data-kind="function"]').getBoundingClientRect();
		return {X: r.x + r.width / 2, Y: r.y + r.height / 2};
	})()`, &at)
	tb.mouse("mouseMoved", at.X, at.Y)
	var box struct{ X, Y, W, H float64 }
	tb.eval(`(() => { const r = document.getElementById('map').getBoundingClientRect(); return {X: r.x, Y: r.y + scrollY, W: r.width, H: r.height}; })()`, &box)
	keep(t, filepath.Join(out, "report-zoom.png"), tb.screenshot(box.X, box.Y, box.W, box.H))
	tb.key("Escape")
	tb.eval(state, &zoomed)
	if strings.Contains(zoomed.Crumbs, "stdlib") || !strings.Contains(zoomed.Crumbs, "code") {
		t.Errorf("after Escape: %+v", zoomed)
	}
	tb.eval(`(() => { const b = document.querySelector('#crumbs button').getBoundingClientRect(); return {X: b.x + b.width / 2, Y: b.y + b.height / 2}; })()`, &at)
	tb.click(at.X, at.Y)
	tb.eval(state, &zoomed)
	if zoomed.Layers != len(r.Image.Layers) {
		t.Errorf("after a click on the first step of the path: %+v", zoomed)
	}

	// A finding's ID and fixed version read on one line beside a long
	// symbol list: code may wrap anywhere, and the table once shrank them
	// to a character or two a line for the symbols' sake.
	var broken []string
	tb.eval(`[...document.querySelectorAll('#vulns > tbody > tr > td:is(:nth-child(1), :nth-child(3)) code')]
		.filter(c => c.getClientRects().length !== 1).map(c => c.textContent)`, &broken)
	if len(broken) > 0 {
		t.Errorf("in the vulnerabilities' table, these are broken over lines: %q", broken)
	}

	// The file named like markup is text, not an element.
	var inert struct {
		Imgs   int
		Listed bool
	}
	tb.eval(fmt.Sprintf(`({Imgs: document.images.length,
		Listed: [...document.querySelectorAll('#files-1 code')].some(c => c.textContent === %q)})`, "/etc/"+evilName), &inert)
	if inert.Imgs != 0 || !inert.Listed {
		t.Errorf("the file %q: %+v", evilName, inert)
	}

	var height float64
	tb.eval(`document.documentElement.scrollHeight`, &height)
	keep(t, filepath.Join(out, "report-page.png"), tb.screenshot(0, 0, viewW, height))

	tb.navigate(svgURL)
	keep(t, filepath.Join(out, "report-svg.png"), tb.screenshot(0, 0, svgW, svgH))

	// A report of nothing renders too, without an error.
	emptyDir := t.TempDir()
	_, _, emptyPath := writeSample(t, &Report{Target: "empty", Platform: "linux/amd64"}, emptyDir)
	emptyURL := chromium.FileURL(emptyPath)
	tb.navigate(emptyURL)

	// The listeners hear what they listen for: a console error made now,
	// and the pages' own requests.
	var done bool
	tb.eval(`console.error('probe'), true`, &done)
	tb.eval(`true`, &done) // after the probe's event
	probed := false
	for _, p := range tb.Problems() {
		if p.Source == "console" && p.Text == "probe" {
			probed = true
			continue
		}
		t.Errorf("in the browser: %s", p)
	}
	if !probed {
		t.Error("a console error made by the test was not heard: the test cannot see the page's")
	}
	requests := tb.Requests()
	if !slices.Contains(requests, htmlURL) || !slices.Contains(requests, svgURL) {
		t.Errorf("the requests seen, %q, lack the pages': the test cannot see the page's", requests)
	}
	for _, u := range requests {
		if u != htmlURL && u != svgURL && u != emptyURL {
			t.Errorf("the page requested %s", u)
		}
	}
}

// findNode is the node of the tree of that kind and name.
func findNode(n *Node, kind, name string) *Node {
	if n.Kind == kind && n.Name == name {
		return n
	}
	for _, c := range n.Children {
		if f := findNode(c, kind, name); f != nil {
			return f
		}
	}
	return nil
}

// keep writes a screenshot where a person can look at it, once it is known
// not to be blank: a rendered page has text, antialiased, in many colours.
func keep(t *testing.T, path string, png []byte) {
	t.Helper()
	colours, w, h, err := chromium.DistinctColours(png)
	if err != nil {
		t.Fatalf("the screenshot %s: %v", path, err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s: %dx%d, %d colours", path, w, h, colours)
	if colours < 200 {
		t.Errorf("%s looks blank: %d colours", path, colours)
	}
}

// tab is a tab of a browser of its own, whose failures end the test.
type tab struct {
	*chromium.Tab
	ctx context.Context
	t   *testing.T
}

// openTab starts the browser and opens a tab of the window's size in it;
// the browser is stopped when the test ends.
func openTab(ctx context.Context, t *testing.T) tab {
	t.Helper()
	b, err := chromium.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ct, err := b.NewTab(ctx, viewW, viewH)
	if err != nil {
		t.Fatal(err)
	}
	return tab{ct, ctx, t}
}

func (tb tab) check(err error) {
	tb.t.Helper()
	if err != nil {
		tb.t.Fatal(err)
	}
}

func (tb tab) navigate(url string)             { tb.t.Helper(); tb.check(tb.Navigate(tb.ctx, url)) }
func (tb tab) eval(expr string, v any)         { tb.t.Helper(); tb.check(tb.Eval(tb.ctx, expr, v)) }
func (tb tab) mouse(kind string, x, y float64) { tb.t.Helper(); tb.check(tb.Mouse(tb.ctx, kind, x, y)) }
func (tb tab) click(x, y float64)              { tb.t.Helper(); tb.check(tb.Click(tb.ctx, x, y)) }
func (tb tab) key(key string)                  { tb.t.Helper(); tb.check(tb.Key(tb.ctx, key)) }

func (tb tab) screenshot(x, y, w, h float64) []byte {
	tb.t.Helper()
	png, err := tb.Screenshot(tb.ctx, x, y, w, h)
	tb.check(err)
	return png
}
