package security

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func sampleReport() *VulnReport {
	return &VulnReport{
		Scanner: "govulncheck v1.9.0", Module: "example.com/app", GoVersion: "go1.26.8",
		Vulns: []Vuln{
			{ID: "GO-2099-0003", Level: LevelRequired, Module: "example.com/dep", Version: "v1.0.0", Fixed: "v1.1.0", Summary: "required"},
			{ID: "GO-2099-0001", Level: LevelCalled, Module: "example.com/dep", Version: "v1.0.0", Fixed: "v1.1.0", Summary: "called", Aliases: []string{"CVE-2099-0001"},
				Symbols: []string{"dep.Bad"}, Trace: []Frame{{Package: "example.com/app", Function: "main", File: "main.go", Line: 10, Column: 19}, {Package: "example.com/dep", Function: "Bad"}}},
			{ID: "GO-2099-0002", Level: LevelImported, Module: "example.com/dep", Version: "v1.0.0", Summary: "imported"},
			{ID: "GO-2099-0005", Level: LevelCalled, Module: "stdlib", Version: "v1.26.8", Fixed: "v1.26.9", Summary: "stdlib"},
			{ID: "GO-2099-0006", Level: LevelCalled, Module: "example.com/dep", Version: "v1.0.0", Summary: "ignored"},
		},
	}
}

// TestOpenVEX: each vulnerability gets a statement: affected with what
// fixes it when called, not_affected with the justification when not,
// not_affected with the Slimfile's reason when ignored; the document has
// what OpenVEX requires and is the same for the same findings.
func TestOpenVEX(t *testing.T) {
	at := time.Date(2026, 11, 5, 23, 49, 57, 0, time.UTC)
	ignored := map[string]Ignored{"GO-2099-0006": {Reason: "only reached in tests"}}
	dt, err := OpenVEX(sampleReport(), "pkg:golang/example.com/app", at, ignored)
	if err != nil {
		t.Fatal(err)
	}
	var doc VEX
	if err := json.Unmarshal(dt, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Context != OpenVEXContext || !strings.HasPrefix(doc.ID, "slimfile/vex:") || doc.Author == "" || !doc.Timestamp.Equal(at) || doc.Version != 1 {
		t.Errorf("document %+v", doc)
	}
	want := map[string]struct{ status, justification, statement string }{
		"GO-2099-0001": {VEXAffected, "", "update example.com/dep to v1.1.0"},
		"GO-2099-0002": {VEXNotAffected, "vulnerable_code_not_in_execute_path", "no call path"},
		"GO-2099-0003": {VEXNotAffected, "vulnerable_code_not_in_execute_path", "does not import"},
		"GO-2099-0005": {VEXAffected, "", "build with Go 1.26.9 or later"},
		"GO-2099-0006": {VEXNotAffected, "", "only reached in tests"},
	}
	if len(doc.Statements) != len(want) {
		t.Fatalf("%d statements, want %d", len(doc.Statements), len(want))
	}
	for i, s := range doc.Statements {
		w := want[s.Vulnerability.Name]
		if i > 0 && s.Vulnerability.Name < doc.Statements[i-1].Vulnerability.Name {
			t.Errorf("statements not sorted at %s", s.Vulnerability.Name)
		}
		text := s.ActionStatement + s.ImpactStatement
		if s.Status != w.status || s.Justification != w.justification || !strings.Contains(text, w.statement) {
			t.Errorf("%s: %s %s %q, want %s %s %q", s.Vulnerability.Name, s.Status, s.Justification, text, w.status, w.justification, w.statement)
		}
		// OpenVEX: not_affected needs a justification or an impact
		// statement; affected an action statement.
		if s.Status == VEXNotAffected && s.Justification == "" && s.ImpactStatement == "" || s.Status == VEXAffected && s.ActionStatement == "" {
			t.Errorf("%s: statement lacks what its status needs: %+v", s.Vulnerability.Name, s)
		}
		if s.Vulnerability.ID != "https://pkg.go.dev/vuln/"+s.Vulnerability.Name || len(s.Products) != 1 || s.Products[0].ID != "pkg:golang/example.com/app" ||
			!strings.HasPrefix(s.Products[0].Subcomponents[0].ID, "pkg:golang/") {
			t.Errorf("%s: %+v", s.Vulnerability.Name, s)
		}
	}
	again, _ := OpenVEX(sampleReport(), "pkg:golang/example.com/app", at, ignored)
	if string(again) != string(dt) {
		t.Error("the same findings gave another document")
	}
	other, _ := OpenVEX(sampleReport(), "pkg:golang/example.com/app", at.Add(time.Hour), ignored)
	var o VEX
	json.Unmarshal(other, &o)
	if o.ID == doc.ID {
		t.Error("another document has the same @id")
	}
}
