package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// hostile are strings a path, a module or a check can hold that markup
// would not survive: element and script ends, comments, quotes,
// ampersands, JavaScript's line separators, control characters and
// invalid UTF-8.
var hostile = []string{
	evilName,
	`"><svg onload=alert(2)>`,
	`' onmouseover='alert(3)`,
	"<!--<script>alert(4)</script>-->",
	"a & b &amp; &lt;c&gt;",
	"line\u2028separator\u2029",
	"ctrl\x01\x1b[31m",
	"bad\xff\xfeutf8",
	"]]></text><script>alert(5)</script>",
}

// hostileReport is the sample with a hostile string in every field of
// every kind that the page or the SVG shows.
func hostileReport() *Report { return sampleWith(hostile) }

// sampleWith is the sample with strs in every field of every kind that the
// page or the SVG shows.
func sampleWith(strs []string) *Report {
	r := richSample()
	h := func(i int) string { return strs[i%len(strs)] }
	r.Target = h(0)
	l := &r.Image.Layers[0]
	l.What = h(1)
	for i := range l.Files {
		l.Files[i].Path = "/x/" + h(i)
		l.Files[i].Mode = h(i + 1)
	}
	b := &r.Binaries[0]
	b.Path, b.GoVersion = h(2), h(3)
	b.Settings = append(b.Settings, Setting{h(4), h(5)})
	for i := range b.Parts {
		if b.Parts[i].Name != CodePart {
			b.Parts[i].Name = h(i) + b.Parts[i].Name
		}
		b.Parts[i].What = h(i + 2)
	}
	for i := range b.Modules {
		m := &b.Modules[i]
		m.Path, m.Version = h(i)+m.Path, h(i+1)
		for j := range m.Packages {
			p := &m.Packages[j]
			p.Path = h(j) + p.Path
			for k := range p.Functions {
				p.Functions[k].Name = h(k) + p.Functions[k].Name
			}
		}
	}
	for i := range b.Hardening {
		c := &b.Hardening[i]
		c.Name, c.Found, c.Wanted = h(i), h(i+1), h(i+2)
	}
	r.Seccomp.Profile = h(6)
	r.Seccomp.BinaryCalls = append(r.Seccomp.BinaryCalls, h(7))
	r.Seccomp.Allowed = append(r.Seccomp.Allowed, h(8))
	for i := range r.Modules {
		r.Modules[i].Path, r.Modules[i].Sum = h(i), h(i+3)
	}
	r.Vulns.DB, r.Vulns.Modified = h(1), h(2)
	for i := range r.Vulns.Findings {
		f := &r.Vulns.Findings[i]
		f.ID, f.Module, f.Version, f.Fixed, f.Symbol, f.Reason = h(i), h(i+1), h(i+2), h(i+3), h(i+4), h(i+5)
		f.Trace = append(f.Trace, h(i+6))
	}
	return r
}

// TestHTMLEscapes parses the page of the hostile report as a browser would
// and wants the same elements as the page of the same report with harmless
// strings: no element, attribute or script that a string of the model
// made. The embedded data still parses to report.json.
func TestHTMLEscapes(t *testing.T) {
	page, err := HTML(hostileReport())
	if err != nil {
		t.Fatal(err)
	}
	var harmless []string
	for i := range hostile {
		harmless = append(harmless, fmt.Sprintf("name%d", i))
	}
	plain, _ := HTML(sampleWith(harmless))
	if got, want := elements(t, page), elements(t, plain); !reflect.DeepEqual(got, want) {
		t.Errorf("the hostile report's page has the elements %v, the sample's %v", got, want)
	}
	for _, h := range hostile {
		if strings.Contains(h, "<") && bytes.Contains(page, []byte(h)) {
			t.Errorf("the page holds %q as it is", h)
		}
	}
	z := html.NewTokenizer(bytes.NewReader(page))
	var data string
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		tok := z.Token()
		if tt == html.StartTagToken && tok.Data == "script" && attr(tok, "id") == "report-data" {
			z.Next()
			data = string(z.Text())
		}
		for _, a := range tok.Attr {
			if strings.HasPrefix(a.Key, "on") || a.Key == "src" || a.Key == "style" {
				t.Errorf("<%s> has an attribute %s=%q", tok.Data, a.Key, a.Val)
			}
		}
	}
	want, _ := JSON(hostileReport())
	var fromPage, fromFile any
	if err := json.Unmarshal([]byte(data), &fromPage); err != nil {
		t.Fatalf("the embedded data does not parse: %v", err)
	}
	json.Unmarshal(want, &fromFile)
	if !reflect.DeepEqual(fromPage, fromFile) {
		t.Error("the embedded data of the hostile report is not its report.json")
	}
}

// elements counts the page's elements by name, and its attributes by name.
func elements(t *testing.T, page []byte) map[string]int {
	t.Helper()
	count := map[string]int{}
	z := html.NewTokenizer(bytes.NewReader(page))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			tok := z.Token()
			count["<"+tok.Data+">"]++
			for _, a := range tok.Attr {
				count[a.Key+"="]++
			}
		}
	}
	if z.Err() != io.EOF {
		t.Fatal(z.Err())
	}
	return count
}

func attr(tok html.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// TestSVGEscapes wants the hostile report's SVG to be well-formed XML with
// only the SVG's own elements, its strings back as they were written (XML
// cannot hold control characters or invalid UTF-8: those become U+FFFD).
func TestSVGEscapes(t *testing.T) {
	svg, err := SVG(hostileReport())
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(svg))
	d.Strict = true
	names := map[string]bool{}
	found := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("report.svg is not XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			names[se.Name.Local] = true
			for _, a := range se.Attr {
				if strings.HasPrefix(a.Name.Local, "on") || a.Name.Local == "href" {
					t.Errorf("<%s> has an attribute %s", se.Name.Local, a.Name.Local)
				}
				if a.Name.Local == "data-name" && strings.Contains(a.Value, evilName) {
					found++
				}
			}
		}
	}
	for n := range names {
		if n != "svg" && n != "rect" && n != "text" && n != "title" && n != "g" {
			t.Errorf("report.svg has a <%s> element", n)
		}
	}
	if found == 0 {
		t.Errorf("no rectangle is named %q", evilName)
	}
}

// TestJSONKeepsStrings: report.json gives back every string as it was.
func TestJSONKeepsStrings(t *testing.T) {
	r := hostileReport()
	doc, err := JSON(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(doc, &back); err != nil {
		t.Fatal(err)
	}
	if back.Target != evilName || back.Image.Layers[0].Files[0].Path != "/x/"+evilName {
		t.Errorf("the strings did not come back: %q, %q", back.Target, back.Image.Layers[0].Files[0].Path)
	}
	if !bytes.Contains(doc, []byte(evilName)) {
		t.Error("report.json escapes markup: a path should read as it is")
	}
}
