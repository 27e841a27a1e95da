package spec

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite slimfile.schema.json and docs/reference.md")

// TestKeyTree checks the tree read from the types' tags: every key has a
// doc line, a default that decodes and passes its own check, and a kind
// its default can be written in; mappings of keys have keys.
func TestKeyTree(t *testing.T) {
	var walk func(prefix string, keys []*key)
	walk = func(prefix string, keys []*key) {
		for _, k := range keys {
			name := prefix + k.name
			if k.doc == "" {
				t.Errorf("key %q has no doc", name)
			}
			if strings.Contains(k.doc, "default true") || strings.Contains(k.doc, "(the default)") {
				t.Errorf("key %q: its doc repeats its default in prose; the default tag says it", name)
			}
			if k.hasDef {
				switch k.kind {
				case kString:
					if k.check != nil {
						if err := k.check(k.def); err != nil {
							t.Errorf("key %q: default %q fails its own check: %v", name, k.def, err)
						}
					}
				case kBool:
					if k.def != "true" && k.def != "false" {
						t.Errorf("key %q: default %q is not a bool", name, k.def)
					}
				case kObjects:
					if k.short == nil {
						t.Errorf("key %q: a list's default needs a short key to set", name)
					} else if k.short.check != nil {
						if err := k.short.check(k.def); err != nil {
							t.Errorf("key %q: default %q fails its own check: %v", name, k.def, err)
						}
					}
				default:
					t.Errorf("key %q: a default for this kind is not applied", name)
				}
			}
			if (k.kind == kObject || k.kind == kObjects) && len(k.keys) == 0 {
				t.Errorf("key %q holds no keys", name)
			}
			walk(name+".", k.keys)
		}
	}
	walk("", topKeys)
	// The top level has the target keys too, once each.
	seen := map[string]bool{}
	for _, k := range topKeys {
		if seen[k.name] {
			t.Errorf("top-level key %q is defined twice", k.name)
		}
		seen[k.name] = true
	}
}

// TestUnknownCheckPanics: a tag naming a check that does not exist is
// found when the package loads, not when a Slimfile uses the key.
func TestUnknownCheckPanics(t *testing.T) {
	type bad struct {
		V string `key:"v" check:"no-such-check"`
	}
	defer func() {
		if recover() == nil {
			t.Errorf("keysOf accepted a tag naming an unknown check")
		}
	}()
	keysOf(reflect.TypeFor[bad]())
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
