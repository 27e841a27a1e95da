package spec

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// kind is the YAML shape a key takes, from the Go type of its field.
type kind int

const (
	kString  kind = iota // string
	kInt                 // int
	kBool                // bool
	kMode                // uint32 written as an octal string
	kList                // []string
	kMap                 // map[string]string
	kObject              // a struct of keys
	kObjects             // a list of structs of keys ([]FileCopy)
	kArgs                // []Arg: a mapping of names to defaults, in order
	kTargets             // []*Target: a mapping of names to targets
)

// key is one Slimfile key of the tree, read from the tags of its field.
type key struct {
	name     string
	kind     kind
	field    int // index of the field in its struct
	doc      string
	def      string // "" when the key has no default of its own
	hasDef   bool
	required bool
	enum     []string
	// short, for kObject, is the key that a single value written in place
	// of the mapping sets (security.vulns: fail is {mode: fail}); for
	// kObjects, the key a single value sets in place of the list or of an
	// element (main: ./cmd/api is [{package: ./cmd/api}]).
	short *key
	// oneof, for kObject, are keys of which a mapping written must have
	// exactly one; replace says that a target's mapping replaces the top
	// level's rather than merging with it key by key.
	oneof   []string
	replace bool
	check   func(string) error             // a value, or each list element
	names   func(string) error             // each name of a mapping
	entry   func(name, value string) error // each name and value of a mapping
	norm    func(string) string
	keys    []*key // kObject and kObjects: the keys of the struct
}

// The tree: the keys of a target (which the top level has too), and those
// of the top level only.
var (
	targetKeys = keysOf(reflect.TypeFor[Target]())
	fileKeys   = keysOf(reflect.TypeFor[File]())
	topKeys    = append(slices.Clone(fileKeys), targetKeys...)
)

// keysOf reads the keys of a struct from its tagged fields, in field order.
// A tag naming an unknown check is a mistake in this package: it panics
// when the package loads, so every test finds it.
func keysOf(t reflect.Type) []*key {
	var out []*key
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := f.Tag.Get("key")
		if name == "" {
			continue
		}
		k := &key{name: name, field: i, doc: f.Tag.Get("doc"), required: f.Tag.Get("required") == "true"}
		k.def, k.hasDef = f.Tag.Lookup("default")
		k.kind = kindOf(f.Type)
		if k.kind == kObject {
			k.keys = keysOf(f.Type)
		}
		if k.kind == kObjects {
			k.keys = keysOf(f.Type.Elem())
		}
		if s := f.Tag.Get("short"); s != "" {
			if k.short = find(k.keys, s); k.short == nil {
				panic(fmt.Sprintf("spec: key %q is short for %q, which it does not have", name, s))
			}
		}
		if e := f.Tag.Get("enum"); e != "" {
			k.enum = strings.Split(e, ",")
			k.check = oneOf(k.enum...)
		}
		k.check = lookupFn(checks, f.Tag.Get("check"), k.check)
		k.names = lookupFn(nameChecks, f.Tag.Get("names"), nil)
		k.entry = lookupFn(entryChecks, f.Tag.Get("entry"), nil)
		k.norm = lookupFn(norms, f.Tag.Get("norm"), nil)
		if o := f.Tag.Get("oneof"); o != "" {
			k.oneof = strings.Split(o, ",")
		}
		k.replace = f.Tag.Get("replace") == "true"
		out = append(out, k)
	}
	return out
}

func lookupFn[F any](m map[string]F, name string, def F) F {
	if name == "" {
		return def
	}
	fn, ok := m[name]
	if !ok {
		panic(fmt.Sprintf("spec: a key tag names %q, which is not defined", name))
	}
	return fn
}

func kindOf(t reflect.Type) kind {
	switch {
	case t.Kind() == reflect.String:
		return kString
	case t.Kind() == reflect.Int:
		return kInt
	case t.Kind() == reflect.Bool:
		return kBool
	case t.Kind() == reflect.Uint32:
		return kMode
	case t == reflect.TypeFor[[]string]():
		return kList
	case t == reflect.TypeFor[map[string]string]():
		return kMap
	case t.Kind() == reflect.Struct:
		return kObject
	case t == reflect.TypeFor[[]Arg]():
		return kArgs
	case t == reflect.TypeFor[[]*Target]():
		return kTargets
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		return kObjects
	}
	panic(fmt.Sprintf("spec: no Slimfile kind for a field of type %s", t))
}

// find returns the key named name among keys, or nil.
func find(keys []*key, name string) *key {
	for _, k := range keys {
		if k.name == name {
			return k
		}
	}
	return nil
}

// fieldNames are the names of keys in field order.
func fieldNames(keys []*key) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.name)
	}
	return out
}

// names are the names of keys, sorted.
func names(keys []*key) []string {
	return slices.Sorted(slices.Values(fieldNames(keys)))
}

// sortedKeys is keys sorted by name, for the reference and the schema.
func sortedKeys(keys []*key) []*key {
	out := slices.Clone(keys)
	slices.SortFunc(out, func(a, b *key) int { return strings.Compare(a.name, b.name) })
	return out
}
