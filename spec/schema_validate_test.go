package spec_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/slimfile/slimfile/spec"
)

// TestSchemaValidates runs the published JSON Schema, through a real
// validator, over Slimfiles the parser accepts and rejects.
func TestSchemaValidates(t *testing.T) {
	c := jsonschema.NewCompiler()
	f, err := os.Open("../slimfile.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("slimfile.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("slimfile.schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	valid := map[string]string{
		"minimal": "slimfile: 1\n",
		"full": `slimfile: 1
go: "1.26"
module: .
args: {VERSION: dev, N: 3}
main: ./cmd/api
platforms: [linux/amd64]
build: {tags: [a], ldflags: ["-X main.v=${VERSION}"], env: {GOEXPERIMENT: jsonv2}, strip: true, compress: none}
image: {user: nonroot, expose: ["8080"], files: [{src: a, dst: /a, mode: "0644"}], labels: {a: b}}
security: {seccomp: default}
targets:
  api: {main: ./cmd/api}
  worker:
    image: {user: root}
  bare:
`,
		"vulns short":   "slimfile: 1\nsecurity: {vulns: fail}\n",
		"main list":     "slimfile: 1\nmain: [./cmd/api, {package: ./cmd/migrate, binary: migrate}]\n",
		"vulns mapping": "slimfile: 1\nsecurity:\n  vulns:\n    mode: warn\n    ignore: [{id: GO-2022-1059, reason: not reached}]\n",
		"empty arg":     "slimfile: 1\nargs: {VERSION: null}\n",
	}
	examples, _ := filepath.Glob("../examples/*/Slimfile")
	for _, e := range examples {
		dt, err := os.ReadFile(e)
		if err != nil {
			t.Fatal(err)
		}
		valid[e] = string(dt)
	}
	invalid := map[string]string{
		"no slimfile":           "main: .\n",
		"slimfile 2":            "slimfile: 2\n",
		"unknown top key":       "slimfile: 1\nmian: .\n",
		"unknown build key":     "slimfile: 1\nbuild: {strp: true}\n",
		"unknown target key":    "slimfile: 1\ntargets:\n  api: {mian: .}\n",
		"wrong type":            "slimfile: 1\nplatforms: linux/amd64\n",
		"bad compress":          "slimfile: 1\nbuild: {compress: gzip}\n",
		"file without dst":      "slimfile: 1\nimage: {files: [{src: a}]}\n",
		"target name with dot":  "slimfile: 1\ntargets:\n  a.b: {}\n",
		"bad vulns mode":        "slimfile: 1\nsecurity: {vulns: block}\n",
		"ignore without reason": "slimfile: 1\nsecurity: {vulns: {ignore: [{id: GO-2022-1059}]}}\n",
		"null image env":        "slimfile: 1\nimage: {env: {A: null}}\n",
		"null build env":        "slimfile: 1\nbuild: {env: {A: null}}\n",
		"null label":            "slimfile: 1\nimage: {labels: {a: null}}\n",
		"null annotation":       "slimfile: 1\nimage: {annotations: {a: null}}\n",
	}
	check := func(name, src string, want bool) {
		var v any
		if err := yaml.Unmarshal([]byte(src), &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		err := sch.Validate(v)
		if want && err != nil {
			t.Errorf("%s: the schema rejects a valid Slimfile: %v", name, err)
		}
		if !want && err == nil {
			t.Errorf("%s: the schema accepts an invalid Slimfile", name)
		}
	}
	for name, src := range valid {
		check(name, src, true)
		if _, err := spec.Parse([]byte(src)); err != nil {
			t.Errorf("%s: the parser rejects what the schema accepts: %v", name, err)
		}
	}
	for name, src := range invalid {
		check(name, src, false)
		if _, err := spec.Parse([]byte(src)); err == nil {
			t.Errorf("%s: the parser accepts what the schema rejects", name)
		}
	}
}
