package report

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestSample renders the rich sample as the T.report output would, keeps
// it with the test's artifacts and logs how big the files are.
func TestSample(t *testing.T) {
	dir := artifacts(t)
	j, s, h := writeSample(t, richSample(), dir)
	for _, p := range []string{j, s, h} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", p, fi.Size())
	}
	html, _ := os.ReadFile(h)
	if len(html) > 100_000 {
		t.Errorf("report.html of the sample is %d bytes; a typical report should be tens of kilobytes", len(html))
	}
	if p := Inconsistencies(richSample()); len(p) > 0 {
		t.Errorf("the sample does not add up: %q", p)
	}
}

// TestDeterministic renders the same report twice, from two copies made
// apart, and wants the same bytes.
func TestDeterministic(t *testing.T) {
	for name, render := range map[string]func(*Report) ([]byte, error){"json": JSON, "svg": SVG, "html": HTML} {
		a, err := render(richSample())
		if err != nil {
			t.Fatal(err)
		}
		b, err := render(richSample())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renderings of the same report differ", name)
		}
	}
}

// TestEmbeddedData wants the page to embed report.json itself: the same
// report, parsed back from the page.
func TestEmbeddedData(t *testing.T) {
	r := richSample()
	j, _ := JSON(r)
	h, _ := HTML(r)
	const open = `<script type="application/json" id="report-data">`
	_, rest, ok := strings.Cut(string(h), open)
	if !ok {
		t.Fatal("no report-data element")
	}
	data, _, ok := strings.Cut(rest, "</script>")
	if !ok {
		t.Fatal("report-data is not closed")
	}
	var fromPage, fromFile any
	if err := json.Unmarshal([]byte(data), &fromPage); err != nil {
		t.Fatalf("the embedded data is not JSON: %v", err)
	}
	if err := json.Unmarshal(j, &fromFile); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromPage, fromFile) {
		t.Error("the embedded data is not report.json")
	}
}
