package spec

import (
	"encoding/json"
)

// JSONSchema is the JSON Schema (draft 2020-12) of the Slimfile format, for
// editors. It is generated from the same key tree the parser validates
// against, so the two cannot drift; slimfile.schema.json at the repository
// root is its output (kept current by a test).
func JSONSchema() ([]byte, error) {
	top := map[string]any{}
	for _, k := range fileKeys {
		top[k.name] = schemaOf(k)
	}
	top["slimfile"] = map[string]any{"const": Version, "description": find(fileKeys, "slimfile").doc}
	target := objectSchema(targetKeys)
	allOf := []any{map[string]any{"$ref": "#/$defs/target"}}
	s := map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"title":       "Slimfile v1",
		"description": "A declarative build of a Go program into a minimal container image.",
		"type":        "object",
		"required":    []string{"slimfile"},
		"properties":  top,
		"allOf":       allOf,
		// The target keys sit at the top level too; unevaluatedProperties
		// rejects what neither the top level nor the target schema knows.
		"unevaluatedProperties": false,
		"$defs": map[string]any{
			"target":        map[string]any{"type": "object", "properties": target["properties"]},
			"strict_target": map[string]any{"$ref": "#/$defs/target", "unevaluatedProperties": false},
		},
	}
	return json.MarshalIndent(s, "", "  ")
}

func objectSchema(keys []*key) map[string]any {
	props := map[string]any{}
	var required []string
	for _, k := range keys {
		props[k.name] = schemaOf(k)
		if k.required {
			required = append(required, k.name)
		}
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func schemaOf(k *key) map[string]any {
	var s map[string]any
	switch k.kind {
	case kString, kMode:
		s = map[string]any{"type": "string"}
		if len(k.enum) > 0 {
			s["enum"] = k.enum
		}
		if k.hasDef {
			s["default"] = k.def
		}
	case kInt:
		s = map[string]any{"type": "integer"}
	case kBool:
		s = map[string]any{"type": "boolean"}
		if k.hasDef {
			s["default"] = k.def == "true"
		}
	case kList:
		s = map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
	case kMap:
		s = map[string]any{"type": "object", "additionalProperties": map[string]any{"type": []string{"string", "number", "boolean"}}}
	case kArgs:
		// An arg's default may be empty (null), a map's value may not.
		s = map[string]any{"type": "object", "additionalProperties": map[string]any{"type": []string{"string", "number", "boolean", "null"}}}
	case kObject:
		s = objectSchema(k.keys)
		if len(k.oneof) > 0 {
			var alts []any
			for _, o := range k.oneof {
				alts = append(alts, map[string]any{"required": []string{o}})
			}
			s["oneOf"] = alts
		}
		if k.short != nil {
			s = map[string]any{"anyOf": []any{schemaOf(k.short), s}}
		}
	case kObjects:
		items := objectSchema(k.keys)
		if k.short != nil {
			one := schemaOf(k.short)
			delete(one, "description")
			items = map[string]any{"anyOf": []any{one, items}}
			s = map[string]any{"anyOf": []any{one, map[string]any{"type": "array", "minItems": 1, "items": items}}}
			if k.hasDef {
				s["default"] = k.def
			}
			break
		}
		s = map[string]any{"type": "array", "items": items}
	case kTargets:
		s = map[string]any{
			"type":                 "object",
			"minProperties":        1,
			"propertyNames":        map[string]any{"pattern": targetRe.String()},
			"additionalProperties": map[string]any{"anyOf": []any{map[string]any{"$ref": "#/$defs/strict_target"}, map[string]any{"type": "null"}}},
		}
	}
	if k.doc != "" {
		s["description"] = k.doc
	}
	return s
}
