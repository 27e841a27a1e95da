package security

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// OpenVEX (https://github.com/openvex/spec, v0.2.0) statements of what
// the vulnerability check found for one binary: affected for what it can
// call, not_affected for what it links or requires but cannot call, and
// not_affected with the Slimfile's reason for what security.vulns.ignore
// names.

// OpenVEXContext is the version of the format.
const OpenVEXContext = "https://openvex.dev/ns/v0.2.0"

// OpenVEXPredicate is the in-toto predicate type of an OpenVEX document.
const OpenVEXPredicate = "https://openvex.dev/ns/v0.2.0"

// VEX is an OpenVEX document.
type VEX struct {
	Context    string         `json:"@context"`
	ID         string         `json:"@id"`
	Author     string         `json:"author"`
	Timestamp  time.Time      `json:"timestamp"`
	Version    int            `json:"version"`
	Tooling    string         `json:"tooling,omitempty"`
	Statements []VEXStatement `json:"statements"`
}

// VEXStatement is one vulnerability's status for the product.
type VEXStatement struct {
	Vulnerability   VEXVulnerability `json:"vulnerability"`
	Products        []VEXProduct     `json:"products"`
	Status          string           `json:"status"`
	Justification   string           `json:"justification,omitempty"`
	ImpactStatement string           `json:"impact_statement,omitempty"`
	ActionStatement string           `json:"action_statement,omitempty"`
}

// VEXVulnerability names a vulnerability.
type VEXVulnerability struct {
	ID          string   `json:"@id"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Aliases     []string `json:"aliases,omitempty"`
}

// VEXProduct is the product a statement is about, with the vulnerable
// component it holds.
type VEXProduct struct {
	ID            string         `json:"@id"`
	Subcomponents []VEXComponent `json:"subcomponents,omitempty"`
}

// VEXComponent is a component by its package URL.
type VEXComponent struct {
	ID string `json:"@id"`
}

// The statuses and justifications the check gives.
const (
	VEXAffected    = "affected"
	VEXNotAffected = "not_affected"
	// vexNotInPath: the build has the vulnerable code (it imports the
	// package, or requires the module) but cannot call it.
	vexNotInPath = "vulnerable_code_not_in_execute_path"
)

// Ignored is a vulnerability the Slimfile ignores, with its reason.
type Ignored struct {
	Reason string
}

// OpenVEX is the document of r for the binary product (a package URL,
// pkg:golang/<module>), dated at; ignored are the vulnerabilities
// security.vulns.ignore names, by the ID the report has them under.
func OpenVEX(r *VulnReport, product string, at time.Time, ignored map[string]Ignored) ([]byte, error) {
	doc := VEX{
		Context:   OpenVEXContext,
		Author:    "Slimfile frontend",
		Timestamp: at.UTC(),
		Version:   1,
		Tooling:   "slimfile with " + r.Scanner + " (source mode)",
	}
	for _, v := range r.Vulns {
		s := VEXStatement{
			Vulnerability: VEXVulnerability{ID: "https://pkg.go.dev/vuln/" + v.ID, Name: v.ID, Description: v.Summary, Aliases: v.Aliases},
			Products:      []VEXProduct{{ID: product, Subcomponents: []VEXComponent{{ID: PURL(v.Module, v.Version)}}}},
		}
		switch ig, isIgnored := ignored[v.ID]; {
		case isIgnored && v.Level == LevelCalled:
			s.Status = VEXNotAffected
			s.ImpactStatement = "ignored in the Slimfile (security.vulns.ignore): " + ig.Reason + "; " + r.Scanner + " found the vulnerable code reachable: " + v.CallPath()
		case v.Level == LevelCalled:
			s.Status = VEXAffected
			s.ActionStatement = actionFor(v)
		default:
			s.Status = VEXNotAffected
			s.Justification = vexNotInPath
			s.ImpactStatement = r.Scanner + " found no call path to the vulnerable code"
			if v.Level == LevelRequired {
				s.ImpactStatement += " (the build does not import the vulnerable packages)"
			}
			if isIgnored {
				s.ImpactStatement += "; also ignored in the Slimfile: " + ignored[v.ID].Reason
			}
		}
		doc.Statements = append(doc.Statements, s)
	}
	slices.SortFunc(doc.Statements, func(a, b VEXStatement) int { return strings.Compare(a.Vulnerability.Name, b.Vulnerability.Name) })
	// The ID is the content's hash, as govulncheck's own OpenVEX output
	// makes it: the same findings give the same document.
	dt, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(dt)
	doc.ID = "slimfile/vex:" + hex.EncodeToString(sum[:])
	return json.MarshalIndent(doc, "", "  ")
}

// actionFor says what fixes v.
func actionFor(v Vuln) string {
	if v.Fixed == "" {
		return fmt.Sprintf("no fixed version of %s yet; remove the call path %s", v.Module, v.CallPath())
	}
	if v.IsStdlib() {
		return fmt.Sprintf("build with Go %s or later", strings.TrimPrefix(v.Fixed, "v"))
	}
	return fmt.Sprintf("update %s to %s (go get %s@%s)", v.Module, v.Fixed, v.Module, v.Fixed)
}

// PURL is the package URL of a Go module at a version: pkg:golang/...,
// the standard library as pkg:golang/stdlib.
func PURL(module, version string) string {
	p := "pkg:golang/" + module
	if version != "" {
		p += "@" + version
	}
	return p
}
