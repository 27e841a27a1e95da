// Package chromium drives Debian's headless Chromium over the DevTools
// protocol, for tests that look at a page as a person would: it starts the
// browser offline with a profile of its own, opens tabs, loads file://
// pages, records what they log and request, evaluates JavaScript in them
// and takes screenshots. It needs no module beyond the standard library:
// the protocol is JSON over one websocket, and cdp.go speaks the little of
// both that this takes.
package chromium

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Path is Debian's package of the browser (integration/testbed/packages.sh
// installs it); tests skip when it is missing.
const Path = "/usr/bin/chromium"

// flags start the browser headless, with nothing of its own to fetch (no
// updates, sync, field trials or QUIC probes), so that every request a
// tab's Network events show is the page's, and with no sandbox, which a
// root user in a container cannot have.
var flags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--hide-scrollbars", "--remote-debugging-port=0"}

// Browser is a running Chromium and the connection to it.
type Browser struct {
	cmd     *exec.Cmd
	profile string
	exited  chan struct{}
	c       *conn

	mu     sync.Mutex
	tabs   map[string]*Tab // by DevTools session
	stderr []string        // its last lines, for an error
}

// Start starts the browser with a new, empty profile and connects to it.
// ctx bounds the start only: the browser runs until Close.
func Start(ctx context.Context) (*Browser, error) {
	profile, err := os.MkdirTemp("", "chromium-profile-")
	if err != nil {
		return nil, err
	}
	b := &Browser{profile: profile, exited: make(chan struct{}), tabs: map[string]*Tab{}}
	b.cmd = exec.Command(Path, append(flags, "--user-data-dir="+profile, "about:blank")...)
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its helpers are stopped with it
	stderr, err := b.cmd.StderrPipe()
	if err != nil {
		os.RemoveAll(profile)
		return nil, err
	}
	if err := b.cmd.Start(); err != nil {
		os.RemoveAll(profile)
		return nil, err
	}
	listening := make(chan string, 1)
	go func() {
		// Read stderr to its end, as the browser would block on a full
		// pipe, keeping its last lines.
		re := regexp.MustCompile(`DevTools listening on (ws://\S+)`)
		s := bufio.NewScanner(stderr)
		for s.Scan() {
			if m := re.FindStringSubmatch(s.Text()); m != nil {
				listening <- m[1]
			}
			b.mu.Lock()
			b.stderr = append(b.stderr, s.Text())
			if len(b.stderr) > 50 {
				b.stderr = b.stderr[1:]
			}
			b.mu.Unlock()
		}
		b.cmd.Wait()
		close(b.exited)
	}()
	select {
	case ws := <-listening:
		if b.c, err = dial(ctx, ws, b.event); err == nil {
			return b, nil
		}
	case <-b.exited:
		err = errors.New("it exited")
	case <-ctx.Done():
		err = ctx.Err()
	}
	b.Close()
	return nil, fmt.Errorf("chromium did not start: %v\n%s", err, b.Stderr())
}

// Stderr is the last lines the browser printed.
func (b *Browser) Stderr() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.stderr, "\n")
}

// Close stops the browser, politely and then not, and removes its profile.
func (b *Browser) Close() error {
	if b.c != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		b.c.call(ctx, "", "Browser.close", nil, nil)
		cancel()
		b.c.close()
	}
	select {
	case <-b.exited:
	case <-time.After(5 * time.Second):
		syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		<-b.exited
	}
	return os.RemoveAll(b.profile)
}

// event hands a page's event to its tab.
func (b *Browser) event(m message) {
	b.mu.Lock()
	t := b.tabs[m.SessionID]
	b.mu.Unlock()
	if t != nil {
		t.event(m.Method, m.Params)
	}
}

// Tab is a page of the browser, with what it logged and requested.
type Tab struct {
	b       *Browser
	session string

	mu       sync.Mutex
	messages []Message
	requests []string
	loaded   chan struct{} // closed by the next load event
}

// Message is something a page said or suffered.
type Message struct {
	Source string // "console", "exception", "log" (the browser's own, as a failed load), "dialog"
	Level  string // console: its type (log, error, warning, assert...); log: error, warning, info...
	Text   string
}

func (m Message) String() string { return m.Source + " " + m.Level + ": " + m.Text }

// Problem is whether the message is one a page that works does not cause.
func (m Message) Problem() bool {
	return m.Source == "exception" || m.Source == "dialog" || m.Level == "error" || m.Level == "warning" || m.Level == "assert"
}

// NewTab opens a blank tab with a viewport of width by height CSS pixels.
// Its network is emulated offline: a page that tries to fetch anything
// fails, and the attempt is still among its Requests.
func (b *Browser) NewTab(ctx context.Context, width, height int) (*Tab, error) {
	var target struct{ TargetID string }
	if err := b.c.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return nil, err
	}
	var attached struct{ SessionID string }
	if err := b.c.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return nil, err
	}
	t := &Tab{b: b, session: attached.SessionID}
	b.mu.Lock()
	b.tabs[t.session] = t
	b.mu.Unlock()
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"} {
		if err := t.Call(ctx, m, nil, nil); err != nil {
			return nil, err
		}
	}
	if err := t.Call(ctx, "Network.emulateNetworkConditions", map[string]any{
		"offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1,
	}, nil); err != nil {
		return nil, err
	}
	if err := t.Call(ctx, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false,
	}, nil); err != nil {
		return nil, err
	}
	return t, nil
}

// event records an event of the tab's page. It runs in the connection's
// reading goroutine, so it answers a dialog in another.
func (t *Tab) event(method string, params json.RawMessage) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch method {
	case "Runtime.consoleAPICalled":
		var e struct {
			Type string
			Args []struct {
				Value       any
				Description string
			}
		}
		json.Unmarshal(params, &e)
		var args []string
		for _, a := range e.Args {
			if a.Value != nil {
				args = append(args, fmt.Sprint(a.Value))
			} else {
				args = append(args, a.Description)
			}
		}
		t.messages = append(t.messages, Message{"console", e.Type, strings.Join(args, " ")})
	case "Runtime.exceptionThrown":
		var e struct {
			ExceptionDetails struct {
				Text       string
				URL        string
				LineNumber int
				Exception  struct{ Description string }
			}
		}
		json.Unmarshal(params, &e)
		d := e.ExceptionDetails
		t.messages = append(t.messages, Message{"exception", "error", fmt.Sprintf("%s %s at %s:%d", d.Text, d.Exception.Description, d.URL, d.LineNumber+1)})
	case "Log.entryAdded":
		var e struct {
			Entry struct{ Level, Source, Text, URL string }
		}
		json.Unmarshal(params, &e)
		t.messages = append(t.messages, Message{"log", e.Entry.Level, fmt.Sprintf("%s: %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL)})
	case "Network.requestWillBeSent":
		var e struct{ Request struct{ URL string } }
		json.Unmarshal(params, &e)
		t.requests = append(t.requests, e.Request.URL)
	case "Page.javascriptDialogOpening":
		t.messages = append(t.messages, Message{"dialog", "error", string(params)})
		go t.Call(context.Background(), "Page.handleJavaScriptDialog", map[string]any{"accept": false}, nil)
	case "Page.loadEventFired":
		if t.loaded != nil {
			close(t.loaded)
			t.loaded = nil
		}
	}
}

// Messages is every message of the tab so far.
func (t *Tab) Messages() []Message {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Message(nil), t.messages...)
}

// Problems is the messages that are problems: console errors, warnings
// and failed assertions, uncaught exceptions, dialogs, failed loads.
func (t *Tab) Problems() []Message {
	var out []Message
	for _, m := range t.Messages() {
		if m.Problem() {
			out = append(out, m)
		}
	}
	return out
}

// Requests is every URL the tab requested so far, the pages it navigated
// to among them.
func (t *Tab) Requests() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.requests...)
}

// Call sends a DevTools command to the tab's page and decodes its result
// into result, if not nil.
func (t *Tab) Call(ctx context.Context, method string, params, result any) error {
	return t.b.c.call(ctx, t.session, method, params, result)
}

// Navigate loads url and waits for its load event.
func (t *Tab) Navigate(ctx context.Context, url string) error {
	loaded := make(chan struct{})
	t.mu.Lock()
	t.loaded = loaded
	t.mu.Unlock()
	var nav struct{ ErrorText string }
	if err := t.Call(ctx, "Page.navigate", map[string]any{"url": url}, &nav); err != nil {
		return err
	}
	if nav.ErrorText != "" {
		return fmt.Errorf("%s: %s", url, nav.ErrorText)
	}
	select {
	case <-loaded:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s did not load: %w", url, ctx.Err())
	}
}

// Eval evaluates a JavaScript expression in the page and decodes its
// value, which must be JSON, into v. An exception is an error.
func (t *Tab) Eval(ctx context.Context, expr string, v any) error {
	var res struct {
		Result           struct{ Value json.RawMessage }
		ExceptionDetails *struct {
			Text      string
			Exception struct{ Description string }
		}
	}
	if err := t.Call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res); err != nil {
		return err
	}
	if e := res.ExceptionDetails; e != nil {
		return fmt.Errorf("%s: %s %s", expr, e.Text, e.Exception.Description)
	}
	if err := json.Unmarshal(res.Result.Value, v); err != nil {
		return fmt.Errorf("%s: %v (%s)", expr, err, res.Result.Value)
	}
	return nil
}

// Mouse sends one mouse event (mouseMoved, mousePressed, mouseReleased)
// at x, y in the viewport, with the left button for a press or release.
func (t *Tab) Mouse(ctx context.Context, kind string, x, y float64) error {
	p := map[string]any{"type": kind, "x": x, "y": y}
	if kind != "mouseMoved" {
		p["button"], p["clickCount"] = "left", 1
	}
	return t.Call(ctx, "Input.dispatchMouseEvent", p, nil)
}

// Click moves the mouse to x, y and clicks there.
func (t *Tab) Click(ctx context.Context, x, y float64) error {
	for _, kind := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		if err := t.Mouse(ctx, kind, x, y); err != nil {
			return err
		}
	}
	return nil
}

// Key presses and releases a key that is its own code, as "Escape".
func (t *Tab) Key(ctx context.Context, key string) error {
	for _, kind := range []string{"keyDown", "keyUp"} {
		if err := t.Call(ctx, "Input.dispatchKeyEvent", map[string]any{"type": kind, "key": key, "code": key}, nil); err != nil {
			return err
		}
	}
	return nil
}

// Screenshot is a PNG of a part of the page in page coordinates, beyond
// the viewport if need be.
func (t *Tab) Screenshot(ctx context.Context, x, y, w, h float64) ([]byte, error) {
	var shot struct{ Data string }
	if err := t.Call(ctx, "Page.captureScreenshot", map[string]any{
		"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": x, "y": y, "width": w, "height": h, "scale": 1},
	}, &shot); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(shot.Data)
}

// FileURL is the file:// URL of an absolute path.
func FileURL(path string) string {
	return (&url.URL{Scheme: "file", Path: path}).String()
}

// DistinctColours is the number of colours of a PNG and its size. A page
// that rendered has text, antialiased, in hundreds of colours; a blank or
// failed one has a handful.
func DistinctColours(b []byte) (n, w, h int, err error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return 0, 0, 0, fmt.Errorf("not a PNG: %w", err)
	}
	seen := map[uint32]bool{}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			seen[r>>8<<16|g>>8<<8|b>>8] = true
		}
	}
	return len(seen), r.Dx(), r.Dy(), nil
}
