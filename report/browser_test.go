package report

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// chromium is Debian's package of the browser (integration/testbed/packages.sh
// installs it); without it the browser test is skipped.
const chromium = "/usr/bin/chromium"

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
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s is missing (apt-get install chromium)", chromium)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := artifacts(t)
	jsonPath, svgPath, htmlPath := writeSample(t, richSample(), t.TempDir())
	var r Report
	if b, err := os.ReadFile(jsonPath); err != nil || json.Unmarshal(b, &r) != nil {
		t.Fatalf("reading back report.json: %v", err)
	}
	htmlURL, svgURL := fileURL(htmlPath), fileURL(svgPath)

	tb := openTab(ctx, t, startChromium(ctx, t))
	tb.navigate(ctx, t, htmlURL)

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
	tb.eval(ctx, t, `(() => {
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
	tb.eval(ctx, t, `(() => {
		const r = document.querySelector('#treemap rect[data-kind="module"][data-name="stdlib"]').getBoundingClientRect();
		const x = r.x + r.width / 2, y = r.y + r.height / 2;
		return {X: x, Y: y, Name: document.elementFromPoint(x, y).dataset.name};
	})()`, &at)
	tb.mouse(ctx, t, "mouseMoved", at.X, at.Y)
	var tip struct {
		Hidden bool
		Text   string
	}
	tb.eval(ctx, t, `({Hidden: document.getElementById('tip').hidden, Text: document.getElementById('tip').textContent})`, &tip)
	if tip.Hidden || !strings.Contains(tip.Text, at.Name) || !strings.Contains(tip.Text, "of the image") {
		t.Errorf("hovering %s shows the tooltip %+v", at.Name, tip)
	}

	// A click on a module's label strip zooms into it, with its packages'
	// functions; Escape and the path above zoom out.
	tb.eval(ctx, t, `(() => {
		const r = document.querySelector('#treemap rect[data-kind="module"][data-name="stdlib"]').getBoundingClientRect();
		return {X: r.x + 8, Y: r.y + 8};
	})()`, &at)
	tb.click(ctx, t, at.X, at.Y)
	var zoomed struct {
		Crumbs    string
		Functions int
		Layers    int
	}
	const state = `({Crumbs: document.getElementById('crumbs').textContent,
		Functions: document.querySelectorAll('#treemap rect[data-kind="function"]').length,
		Layers: document.querySelectorAll('#treemap rect[data-kind="layer"]').length})`
	tb.eval(ctx, t, state, &zoomed)
	if !strings.Contains(zoomed.Crumbs, "stdlib") || zoomed.Functions == 0 || zoomed.Layers != 0 {
		t.Errorf("after a click on stdlib: %+v", zoomed)
	}
	// The zoomed picture is kept with a function's tooltip showing.
	tb.eval(ctx, t, `(() => {
		const r = document.querySelector('#treemap rect[data-kind="function"]').getBoundingClientRect();
		return {X: r.x + r.width / 2, Y: r.y + r.height / 2};
	})()`, &at)
	tb.mouse(ctx, t, "mouseMoved", at.X, at.Y)
	var box struct{ X, Y, W, H float64 }
	tb.eval(ctx, t, `(() => { const r = document.getElementById('map').getBoundingClientRect(); return {X: r.x, Y: r.y + scrollY, W: r.width, H: r.height}; })()`, &box)
	keep(t, filepath.Join(out, "report-zoom.png"), tb.screenshot(ctx, t, box.X, box.Y, box.W, box.H))
	tb.key(ctx, t, "Escape")
	tb.eval(ctx, t, state, &zoomed)
	if strings.Contains(zoomed.Crumbs, "stdlib") || !strings.Contains(zoomed.Crumbs, "code") {
		t.Errorf("after Escape: %+v", zoomed)
	}
	tb.eval(ctx, t, `(() => { const b = document.querySelector('#crumbs button').getBoundingClientRect(); return {X: b.x + b.width / 2, Y: b.y + b.height / 2}; })()`, &at)
	tb.click(ctx, t, at.X, at.Y)
	tb.eval(ctx, t, state, &zoomed)
	if zoomed.Layers != len(r.Image.Layers) {
		t.Errorf("after a click on the first step of the path: %+v", zoomed)
	}

	// The file named like markup is text, not an element.
	var inert struct {
		Imgs   int
		Listed bool
	}
	tb.eval(ctx, t, fmt.Sprintf(`({Imgs: document.images.length,
		Listed: [...document.querySelectorAll('#files-1 code')].some(c => c.textContent === %q)})`, "/etc/"+evilName), &inert)
	if inert.Imgs != 0 || !inert.Listed {
		t.Errorf("the file %q: %+v", evilName, inert)
	}

	var height float64
	tb.eval(ctx, t, `document.documentElement.scrollHeight`, &height)
	keep(t, filepath.Join(out, "report-page.png"), tb.screenshot(ctx, t, 0, 0, viewW, height))

	tb.navigate(ctx, t, svgURL)
	keep(t, filepath.Join(out, "report-svg.png"), tb.screenshot(ctx, t, 0, 0, svgW, svgH))

	// A report of nothing renders too, without an error.
	emptyDir := t.TempDir()
	_, _, emptyPath := writeSample(t, &Report{Target: "empty", Platform: "linux/amd64"}, emptyDir)
	emptyURL := fileURL(emptyPath)
	tb.navigate(ctx, t, emptyURL)

	// The listeners hear what they listen for: a console error made now,
	// and the pages' own requests.
	var done bool
	tb.eval(ctx, t, `console.error('probe'), true`, &done)
	tb.eval(ctx, t, `true`, &done) // after the probe's event
	tb.mu.Lock()
	defer tb.mu.Unlock()
	probed := false
	for _, p := range tb.problems {
		if strings.Contains(p, "probe") {
			probed = true
			continue
		}
		t.Errorf("in the browser: %s", p)
	}
	if !probed {
		t.Error("a console error made by the test was not heard: the test cannot see the page's")
	}
	if !slices.Contains(tb.requests, htmlURL) || !slices.Contains(tb.requests, svgURL) {
		t.Errorf("the requests seen, %q, lack the pages': the test cannot see the page's", tb.requests)
	}
	for _, u := range tb.requests {
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

func fileURL(path string) string {
	return (&url.URL{Scheme: "file", Path: path}).String()
}

// keep writes a screenshot where a person can look at it, once it is known
// not to be blank: a rendered page has text, antialiased, in many colours.
func keep(t *testing.T, path string, png []byte) {
	t.Helper()
	colours, w, h := distinctColours(t, png)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s: %dx%d, %d colours", path, w, h, colours)
	if colours < 200 {
		t.Errorf("%s looks blank: %d colours", path, colours)
	}
}

func distinctColours(t *testing.T, b []byte) (n, w, h int) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the screenshot is no PNG: %v", err)
	}
	seen := map[uint32]bool{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			seen[r>>8<<16|g>>8<<8|b>>8] = true
		}
	}
	return len(seen), bounds.Dx(), bounds.Dy()
}

// startChromium starts the browser headless and offline with a new
// profile, and connects to it. It is stopped when the test ends.
func startChromium(ctx context.Context, t *testing.T) *cdp {
	profile := t.TempDir()
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--hide-scrollbars", "--remote-debugging-port=0", "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its helpers are stopped with it
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var c *cdp
	t.Cleanup(func() { // before the profile's removal: cleanups run last first
		if c != nil {
			c.call(context.Background(), "", "Browser.close", nil, nil)
			c.close()
		}
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	listening := make(chan string, 1)
	var lines []string
	var mu sync.Mutex
	go func() {
		re := regexp.MustCompile(`DevTools listening on (ws://\S+)`)
		s := bufio.NewScanner(stderr)
		for s.Scan() {
			if m := re.FindStringSubmatch(s.Text()); m != nil {
				listening <- m[1]
			}
			mu.Lock()
			lines = append(lines, s.Text())
			mu.Unlock()
		}
		cmd.Wait()
		close(exited)
	}()
	select {
	case ws := <-listening:
		if c, err = dialCDP(ctx, ws); err != nil {
			t.Fatal(err)
		}
		return c
	case <-exited:
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	t.Fatalf("chromium did not start:\n%s", strings.Join(lines, "\n"))
	return nil
}

// tab is a page of the browser, with what it did that a test checks.
type tab struct {
	c       *cdp
	session string

	mu       sync.Mutex
	problems []string // console errors, uncaught exceptions, dialogs, failed loads
	requests []string // every URL it requested
	loaded   chan struct{}
}

func openTab(ctx context.Context, t *testing.T, c *cdp) *tab {
	var target struct{ TargetID string }
	if err := c.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatal(err)
	}
	var attached struct{ SessionID string }
	if err := c.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		t.Fatal(err)
	}
	tb := &tab{c: c, session: attached.SessionID}
	mine := func(h func(json.RawMessage)) func(string, json.RawMessage) {
		return func(session string, params json.RawMessage) {
			if session == tb.session {
				tb.mu.Lock()
				defer tb.mu.Unlock()
				h(params)
			}
		}
	}
	c.on("Runtime.consoleAPICalled", mine(func(p json.RawMessage) {
		var e struct {
			Type string
			Args []struct{ Value any }
		}
		json.Unmarshal(p, &e)
		if e.Type == "error" || e.Type == "assert" || e.Type == "warning" {
			tb.problems = append(tb.problems, fmt.Sprintf("console.%s %v", e.Type, e.Args))
		}
	}))
	c.on("Runtime.exceptionThrown", mine(func(p json.RawMessage) {
		tb.problems = append(tb.problems, "exception: "+string(p))
	}))
	c.on("Log.entryAdded", mine(func(p json.RawMessage) {
		var e struct {
			Entry struct{ Level, Source, Text, URL string }
		}
		json.Unmarshal(p, &e)
		if e.Entry.Level == "error" || e.Entry.Level == "warning" {
			tb.problems = append(tb.problems, fmt.Sprintf("%s %s: %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	}))
	c.on("Network.requestWillBeSent", mine(func(p json.RawMessage) {
		var e struct{ Request struct{ URL string } }
		json.Unmarshal(p, &e)
		tb.requests = append(tb.requests, e.Request.URL)
	}))
	c.on("Page.javascriptDialogOpening", mine(func(p json.RawMessage) {
		tb.problems = append(tb.problems, "a dialog: "+string(p))
		go c.call(context.Background(), tb.session, "Page.handleJavaScriptDialog", map[string]any{"accept": false}, nil)
	}))
	c.on("Page.loadEventFired", mine(func(json.RawMessage) {
		if tb.loaded != nil {
			close(tb.loaded)
			tb.loaded = nil
		}
	}))
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"} {
		tb.call(ctx, t, m, nil, nil)
	}
	tb.call(ctx, t, "Emulation.setDeviceMetricsOverride", map[string]any{"width": viewW, "height": viewH, "deviceScaleFactor": 1, "mobile": false}, nil)
	return tb
}

func (tb *tab) call(ctx context.Context, t *testing.T, method string, params, result any) {
	t.Helper()
	if err := tb.c.call(ctx, tb.session, method, params, result); err != nil {
		t.Fatal(err)
	}
}

// navigate loads url and waits for its load event.
func (tb *tab) navigate(ctx context.Context, t *testing.T, url string) {
	t.Helper()
	loaded := make(chan struct{})
	tb.mu.Lock()
	tb.loaded = loaded
	tb.mu.Unlock()
	var nav struct{ ErrorText string }
	tb.call(ctx, t, "Page.navigate", map[string]any{"url": url}, &nav)
	if nav.ErrorText != "" {
		t.Fatalf("%s: %s", url, nav.ErrorText)
	}
	select {
	case <-loaded:
	case <-ctx.Done():
		t.Fatalf("%s did not load", url)
	}
}

// eval runs a JavaScript expression in the page and decodes its value.
func (tb *tab) eval(ctx context.Context, t *testing.T, expr string, v any) {
	t.Helper()
	var res struct {
		Result           struct{ Value json.RawMessage }
		ExceptionDetails *struct {
			Text      string
			Exception struct{ Description string }
		}
	}
	tb.call(ctx, t, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res)
	if e := res.ExceptionDetails; e != nil {
		t.Fatalf("%s: %s %s", expr, e.Text, e.Exception.Description)
	}
	if err := json.Unmarshal(res.Result.Value, v); err != nil {
		t.Fatalf("%s: %v (%s)", expr, err, res.Result.Value)
	}
}

func (tb *tab) mouse(ctx context.Context, t *testing.T, kind string, x, y float64) {
	t.Helper()
	p := map[string]any{"type": kind, "x": x, "y": y}
	if kind != "mouseMoved" {
		p["button"], p["clickCount"] = "left", 1
	}
	tb.call(ctx, t, "Input.dispatchMouseEvent", p, nil)
}

func (tb *tab) click(ctx context.Context, t *testing.T, x, y float64) {
	t.Helper()
	for _, kind := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		tb.mouse(ctx, t, kind, x, y)
	}
}

func (tb *tab) key(ctx context.Context, t *testing.T, key string) {
	t.Helper()
	for _, kind := range []string{"keyDown", "keyUp"} {
		tb.call(ctx, t, "Input.dispatchKeyEvent", map[string]any{"type": kind, "key": key, "code": key}, nil)
	}
}

// screenshot is a PNG of a part of the page, in page coordinates.
func (tb *tab) screenshot(ctx context.Context, t *testing.T, x, y, w, h float64) []byte {
	t.Helper()
	var shot struct{ Data string }
	tb.call(ctx, t, "Page.captureScreenshot", map[string]any{
		"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": x, "y": y, "width": w, "height": h, "scale": 1},
	}, &shot)
	b, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
