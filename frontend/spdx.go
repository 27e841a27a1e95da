package frontend

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"
	"time"
)

// spdxDocument is the part of SPDX 2.3 JSON the frontend writes.
type spdxDocument struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreationInfo   `json:"creationInfo"`
	Packages          []spdxPackage      `json:"packages"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	Name             string         `json:"name"`
	SPDXID           string         `json:"SPDXID"`
	VersionInfo      string         `json:"versionInfo,omitempty"`
	DownloadLocation string         `json:"downloadLocation"`
	FilesAnalyzed    bool           `json:"filesAnalyzed"`
	Checksums        []spdxChecksum `json:"checksums,omitempty"`
	ExternalRefs     []spdxRef      `json:"externalRefs,omitempty"`
	Comment          string         `json:"comment,omitempty"`
}

type spdxChecksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

type spdxRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// spdxFromBuildInfo describes Go binaries from their own build
// information (bis[i] of binaries[i]): each one's main module, every linked
// module with its version and go.sum hash (h1, in the package's comment),
// once, the Go standard library at the toolchain's version, and the build
// settings. The same build info and time give the same bytes.
func spdxFromBuildInfo(binaries []string, platform string, bis []*debug.BuildInfo, created time.Time) ([]byte, error) {
	doc := spdxDocument{
		SPDXVersion:  "SPDX-2.3",
		DataLicense:  "CC0-1.0",
		SPDXID:       "SPDXRef-DOCUMENT",
		Name:         strings.Join(binaries, ", ") + " " + platform,
		CreationInfo: spdxCreationInfo{Created: created.UTC().Format(time.RFC3339), Creators: []string{"Tool: slimfile"}},
	}
	ids := map[string]string{} // path@version of a dependency or stdlib -> its package
	add := func(m debug.Module, comment string) string {
		id := fmt.Sprintf("SPDXRef-Package-%d", len(doc.Packages))
		p := spdxPackage{
			Name: m.Path, SPDXID: id, VersionInfo: m.Version, DownloadLocation: "NOASSERTION", Comment: comment,
			ExternalRefs: []spdxRef{{Category: "PACKAGE-MANAGER", Type: "purl", Locator: purl(m.Path, m.Version)}},
		}
		// go.sum's h1 hash is a SHA-256 of the module's file list, not of
		// anything a consumer can download: it goes in the comment, said
		// for what it is, not in a checksum field.
		if strings.HasPrefix(m.Sum, "h1:") {
			p.Comment = strings.TrimSpace(p.Comment + " go.sum hash (h1, SHA-256 of the module's file list): " + m.Sum)
		}
		doc.Packages = append(doc.Packages, p)
		return id
	}
	once := func(m debug.Module, comment string) string {
		k := m.Path + "@" + m.Version
		if id, ok := ids[k]; ok {
			return id
		}
		ids[k] = add(m, comment)
		return ids[k]
	}
	for i, bi := range bis {
		var settings []string
		for _, s := range bi.Settings {
			settings = append(settings, s.Key+"="+s.Value)
		}
		what := "main module of " + binaries[i]
		if len(bis) > 1 {
			what += " (" + bi.Path + ")"
		}
		mainID := add(bi.Main, what+"; build settings: "+strings.Join(settings, " "))
		doc.Relationships = append(doc.Relationships, spdxRelationship{"SPDXRef-DOCUMENT", "DESCRIBES", mainID})
		stdID := once(debug.Module{Path: "stdlib", Version: bi.GoVersion}, "the Go standard library and runtime")
		doc.Relationships = append(doc.Relationships, spdxRelationship{mainID, "DEPENDS_ON", stdID})
		for _, d := range bi.Deps {
			m := *d
			comment := ""
			if d.Replace != nil {
				comment = "replaced by " + d.Replace.Path + " " + d.Replace.Version
				m.Sum = d.Replace.Sum
			}
			id := once(m, comment)
			doc.Relationships = append(doc.Relationships, spdxRelationship{mainID, "DEPENDS_ON", id})
		}
	}
	body, err := json.Marshal(doc.Packages)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte(doc.Name), body...))
	doc.DocumentNamespace = "https://spdx.org/spdxdocs/slimfile-" + binaries[0] + "-" + hex.EncodeToString(sum[:16])
	return json.MarshalIndent(doc, "", "  ")
}

// purl is the package URL of a Go module version.
func purl(path, version string) string {
	if path == "stdlib" {
		return "pkg:golang/stdlib@" + version
	}
	if version == "" || version == "(devel)" {
		return "pkg:golang/" + path
	}
	return "pkg:golang/" + path + "@" + version
}
