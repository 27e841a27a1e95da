package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestPageSelfContained wants a page that can load nothing: no element
// that fetches, no reference out of the file but the empty data: icon,
// nothing in the style or the script that fetches, and a content security
// policy that admits the page's own script and style only.
func TestPageSelfContained(t *testing.T) {
	page, err := HTML(richSample())
	if err != nil {
		t.Fatal(err)
	}
	var csp string
	var scripts, styles []string
	z := html.NewTokenizer(bytes.NewReader(page))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "img", "iframe", "object", "embed", "video", "audio", "source", "image", "use", "form", "base":
			t.Errorf("the page has an <%s>", tok.Data)
		case "meta":
			if attr(tok, "http-equiv") == "Content-Security-Policy" {
				csp = attr(tok, "content")
			}
		case "link":
			if attr(tok, "rel") != "icon" || attr(tok, "href") != "data:," {
				t.Errorf("the page links %v", tok.Attr)
			}
		case "script", "style":
			if attr(tok, "src") != "" {
				t.Errorf("a <%s> has src", tok.Data)
			}
			z.Next()
			text := string(z.Text())
			if tok.Data == "style" {
				styles = append(styles, text)
			} else if attr(tok, "type") != "application/json" {
				scripts = append(scripts, text)
			}
		}
		for _, a := range tok.Attr {
			if (a.Key == "src" || a.Key == "href" || a.Key == "srcset" || a.Key == "action" || a.Key == "xlink:href") && tok.Data != "link" {
				t.Errorf("<%s %s=%q>", tok.Data, a.Key, a.Val)
			}
		}
	}
	if len(scripts) != 1 || len(styles) != 1 {
		t.Fatalf("%d scripts and %d styles, want one each", len(scripts), len(styles))
	}
	for _, bad := range []string{"url(", "@import", "@font-face"} {
		if strings.Contains(styles[0], bad) {
			t.Errorf("the style has %s", bad)
		}
	}
	for _, bad := range []string{"fetch(", "XMLHttpRequest", "WebSocket", "EventSource", "sendBeacon", "import(", "new Image", ".src", "innerHTML", "eval(", "document.write"} {
		if strings.Contains(scripts[0], bad) {
			t.Errorf("the script has %s", bad)
		}
	}
	for _, want := range []string{"default-src 'none'", "script-src " + sha(scripts[0]) + ";", "style-src " + sha(styles[0]) + ";"} {
		if !strings.Contains(csp, want) {
			t.Errorf("the content security policy %q lacks %q", csp, want)
		}
	}
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}

// TestPageTables wants the tables the page promises, by their ids, with a
// row per item of the model, and the sections of what the report lacks
// saying so rather than showing tables.
func TestPageTables(t *testing.T) {
	r := richSample()
	page, _ := HTML(r)
	rows := tableRows(t, page)
	b := r.Binaries[0]
	for id, want := range map[string]int{
		"layers": len(r.Image.Layers), "parts": len(b.Parts), "code-modules": len(b.Modules), "packages": topPackages,
		"hardening": len(b.Hardening), "floor": 6, "seccomp": 4, "modules": len(r.Modules), "vulns": len(r.Vulns.Findings),
		"files-1": len(r.Image.Layers[0].Files), "settings": len(b.Settings),
	} {
		if rows[id] != want {
			t.Errorf("table %s has %d rows, want %d", id, rows[id], want)
		}
	}
	s := string(page)
	for _, want := range []string{
		"5/6 ok", "✗ fail", "ET_DYN (-buildmode=pie)", // a failed check, what was found and wanted
		"1.00×", "7.0 kB", // the floor: ratio and difference
		"GO-2026-3451", "golang.org/x/net@v0.38.0", "we never unmarshal untrusted JSON",
		"<title>server · linux/arm64: 3.4 MB", "an <b>estimate</b>",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the page does not say %q", want)
		}
	}

	r.Vulns, r.Seccomp, r.Floor = nil, nil, Floor{}
	r.Binaries[0].Hardening = nil
	page, _ = HTML(r)
	rows = tableRows(t, page)
	for _, id := range []string{"vulns", "seccomp", "floor", "hardening"} {
		if _, ok := rows[id]; ok {
			t.Errorf("a report without it has a table %s", id)
		}
	}
	for _, want := range []string{"no seccomp summary", "no floor", "no hardening checks"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	if strings.Contains(string(page), "vulns-section") {
		t.Error("a report without vulnerability findings has their section")
	}
}

// tableRows counts the body rows of every table with an id.
func tableRows(t *testing.T, page []byte) map[string]int {
	t.Helper()
	rows := map[string]int{}
	var stack []string // the ids of the tables we are in, and whether in a tbody
	inBody := map[int]bool{}
	z := html.NewTokenizer(bytes.NewReader(page))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		tok := z.Token()
		switch {
		case tt == html.StartTagToken && tok.Data == "table":
			id := attr(tok, "id")
			stack = append(stack, id)
			if id != "" {
				rows[id] += 0
			}
		case tt == html.EndTagToken && tok.Data == "table":
			inBody[len(stack)] = false
			stack = stack[:len(stack)-1]
		case tok.Data == "tbody":
			inBody[len(stack)] = tt == html.StartTagToken
		case tt == html.StartTagToken && tok.Data == "tr" && len(stack) > 0 && inBody[len(stack)]:
			if id := stack[len(stack)-1]; id != "" {
				rows[id]++
			}
		}
	}
	return rows
}

// TestSVG wants report.svg to say what the image is, to draw every layer
// with its bytes and a tooltip, and to label what has room.
func TestSVG(t *testing.T) {
	r := richSample()
	svg, err := SVG(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	if !strings.Contains(s, ">server · linux/arm64</text>") || !strings.Contains(s, ">3.4 MB compressed · 8.0 MB uncompressed · 3 layers") {
		t.Error("report.svg has no title line with the image's totals")
	}
	if strings.Contains(s, "<script") || strings.Contains(s, "<style") || strings.Contains(s, "href") {
		t.Error("report.svg is not static")
	}
	rects := regexp.MustCompile(`<rect [^>]*data-kind="([a-z]+)" data-name="([^"]*)" data-bytes="(\d+)"><title>`).FindAllStringSubmatch(s, -1)
	if n := strings.Count(s, "<rect "); n != len(rects)+1 { // and the background
		t.Errorf("%d rectangles, %d of them with data and a tooltip", n-1, len(rects))
	}
	have := map[string]string{}
	for _, m := range rects {
		have[m[1]+" "+m[2]] = m[3]
	}
	for i, l := range r.Image.Layers {
		if got := have[fmt.Sprintf("layer layer %d", i+1)]; got != strconv.FormatInt(l.Compressed, 10) {
			t.Errorf("layer %d is drawn with %q bytes, has %d", i+1, got, l.Compressed)
		}
	}
	for _, want := range []string{">function table</text>", ">754 kB · 22.0%</text>", ">stdlib · 657 kB · 19.1%</text>"} {
		if !strings.Contains(s, want) {
			t.Errorf("report.svg has no label %s", want)
		}
	}
}
