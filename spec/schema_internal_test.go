package spec

import (
	"bytes"
	"encoding/json"
	"flag"
	"maps"
	"os"
	"reflect"
	"slices"
	"testing"
)

var update = flag.Bool("update", false, "rewrite slimfile.schema.json and docs/reference.md")

// TestKeysMatchTypes keeps the key tree (which drives parsing, the JSON
// Schema and the reference) and the Go types in step: every key has a
// field tagged with it and every tagged field a key.
func TestKeysMatchTypes(t *testing.T) {
	topOnly := map[string]field{}
	for k, f := range topFields {
		if _, ok := targetFields[k]; !ok && k != "slimfile" {
			topOnly[k] = f
		}
	}
	for _, c := range []struct {
		name   string
		fields map[string]field
		typ    any
	}{
		{"top level", topOnly, File{}},
		{"target", targetFields, Target{}},
		{"build", buildFields, Build{}},
		{"image", imageFields, Image{}},
		{"security", securityFields, Security{}},
		{"image.files", fileCopyFields, FileCopy{}},
	} {
		var tagged []string
		rt := reflect.TypeOf(c.typ)
		for i := 0; i < rt.NumField(); i++ {
			if k := rt.Field(i).Tag.Get("key"); k != "" {
				tagged = append(tagged, k)
			}
		}
		slices.Sort(tagged)
		if keys := slices.Sorted(maps.Keys(c.fields)); !slices.Equal(keys, tagged) {
			t.Errorf("%s: keys %v, but %T fields are tagged %v", c.name, keys, c.typ, tagged)
		}
		for k, f := range c.fields {
			if f.doc == "" {
				t.Errorf("%s: key %q has no doc", c.name, k)
			}
		}
	}
}

// TestGeneratedFiles checks that slimfile.schema.json and docs/reference.md
// are what the key tree generates (go test ./spec -update rewrites them).
func TestGeneratedFiles(t *testing.T) {
	schema, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(schema, &v); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	for path, want := range map[string][]byte{
		"../slimfile.schema.json": append(schema, '\n'),
		"../docs/reference.md":    []byte(Reference()),
	} {
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is out of date (%v): run go test ./spec -update", path, err)
		}
	}
}
