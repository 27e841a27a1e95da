package frontend

import (
	"bytes"
	"encoding/json"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestSPDXFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "example.com/svc/v2", Version: "(devel)"},
		Deps: []*debug.Module{
			{Path: "github.com/google/uuid", Version: "v1.6.0", Sum: "h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0="},
			{Path: "example.com/old", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v1.0.1", Sum: "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}},
		},
		Settings: []debug.BuildSetting{{Key: "CGO_ENABLED", Value: "0"}, {Key: "GOARCH", Value: "arm64"}},
	}
	at := time.Unix(1700000000, 0)
	a, err := spdxFromBuildInfo([]string{"svc"}, "linux/arm64", []*debug.BuildInfo{bi}, at)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := spdxFromBuildInfo([]string{"svc"}, "linux/arm64", []*debug.BuildInfo{bi}, at)
	if !bytes.Equal(a, b) {
		t.Error("the same build info gives different documents")
	}
	var doc spdxDocument
	if err := json.Unmarshal(a, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.CreationInfo.Created != "2023-11-14T22:13:20Z" || doc.SPDXVersion != "SPDX-2.3" {
		t.Errorf("header %+v", doc.CreationInfo)
	}
	byName := map[string]spdxPackage{}
	for _, p := range doc.Packages {
		byName[p.Name] = p
	}
	uuid := byName["github.com/google/uuid"]
	if uuid.ExternalRefs[0].Locator != "pkg:golang/github.com/google/uuid@v1.6.0" ||
		len(uuid.Checksums) != 0 || !strings.Contains(uuid.Comment, "go.sum hash (h1, SHA-256 of the module's file list): h1:") {
		t.Errorf("uuid package %+v", uuid)
	}
	if old := byName["example.com/old"]; !strings.Contains(old.Comment, "replaced by example.com/fork v1.0.1") || !strings.Contains(old.Comment, "go.sum hash (h1, SHA-256 of the module's file list): h1:AAAA") {
		t.Errorf("replaced module %+v", old)
	}
	if std := byName["stdlib"]; std.VersionInfo != "go1.26.8" || std.ExternalRefs[0].Locator != "pkg:golang/stdlib@go1.26.8" {
		t.Errorf("stdlib %+v", std)
	}
	if main := doc.Packages[0]; main.Name != "example.com/svc/v2" || !strings.Contains(main.Comment, "CGO_ENABLED=0 GOARCH=arm64") {
		t.Errorf("main %+v", main)
	}
	if len(doc.Relationships) != 4 || doc.Relationships[0].Type != "DESCRIBES" {
		t.Errorf("relationships %+v", doc.Relationships)
	}
	other, _ := spdxFromBuildInfo([]string{"svc"}, "linux/amd64", []*debug.BuildInfo{bi}, at)
	var od spdxDocument
	json.Unmarshal(other, &od)
	if od.DocumentNamespace == doc.DocumentNamespace {
		t.Error("two platforms share a document namespace")
	}
}
