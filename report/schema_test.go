package report

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, doc []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(v)
}

// TestSchemaValidates runs schema.json, through a real validator, over the
// report.json of the rich sample and of an empty report, and over
// documents it must reject.
func TestSchemaValidates(t *testing.T) {
	sch := compileSchema(t)
	for name, r := range map[string]*Report{
		"rich":  richSample(),
		"empty": {Target: "app", Platform: "linux/arm/v7"},
	} {
		doc, err := JSON(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(t, sch, doc); err != nil {
			t.Errorf("%s: the schema rejects report.json: %v", name, err)
		}
	}
	good, _ := JSON(richSample())
	for name, edit := range map[string]func(m map[string]any){
		"another schema":    func(m map[string]any) { m["schema"] = "slimfile-report/v2" },
		"no image":          func(m map[string]any) { delete(m, "image") },
		"an unknown key":    func(m map[string]any) { m["sizes"] = 1 },
		"negative bytes":    func(m map[string]any) { layer(m, 0)["compressed"] = -1 },
		"fractional bytes":  func(m map[string]any) { layer(m, 0)["size"] = 1.5 },
		"binary below -1":   func(m map[string]any) { layer(m, 0)["files"].([]any)[0].(map[string]any)["binary"] = -2 },
		"a null list":       func(m map[string]any) { m["binaries"] = nil },
		"an unknown status": func(m map[string]any) { finding(m)["status"] = "reachable" },
		"no trace":          func(m map[string]any) { delete(finding(m), "trace") },
		"a bad platform":    func(m map[string]any) { m["platform"] = "linux" },
	} {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		doc, _ := json.Marshal(m)
		if validate(t, sch, doc) == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}
}

func layer(m map[string]any, i int) map[string]any {
	return m["image"].(map[string]any)["layers"].([]any)[i].(map[string]any)
}

func finding(m map[string]any) map[string]any {
	return m["vulns"].(map[string]any)["findings"].([]any)[0].(map[string]any)
}

// TestSchemaMatchesModel wants every struct of the model to be a $defs entry
// of the schema of the same name, with a property per JSON field and the
// fields without omitempty required, so that a field added to model.go
// cannot be forgotten in schema.json.
func TestSchemaMatchesModel(t *testing.T) {
	raw, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs map[string]struct {
			Properties map[string]any
			Required   []string
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	seen := map[reflect.Type]bool{}
	var check func(reflect.Type)
	check = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] {
			return
		}
		seen[typ] = true
		def, ok := schema.Defs[typ.Name()]
		if !ok {
			t.Errorf("schema.json has no $defs/%s", typ.Name())
			return
		}
		var props, required []string
		for f := range typ.Fields() {
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				t.Errorf("%s.%s has no JSON name", typ.Name(), f.Name)
				continue
			}
			props = append(props, name)
			if !strings.Contains(opts, "omitempty") {
				required = append(required, name)
			}
			check(f.Type)
		}
		var have []string
		for p := range def.Properties {
			have = append(have, p)
		}
		slices.Sort(props)
		slices.Sort(have)
		slices.Sort(required)
		req := slices.Sorted(slices.Values(def.Required))
		if !slices.Equal(props, have) {
			t.Errorf("$defs/%s has properties %q, the model %q", typ.Name(), have, props)
		}
		if !slices.Equal(required, req) {
			t.Errorf("$defs/%s requires %q, the model always writes %q", typ.Name(), req, required)
		}
	}
	check(reflect.TypeFor[Report]())
}
