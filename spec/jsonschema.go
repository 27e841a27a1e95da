package spec

import (
	"encoding/json"
	"maps"
	"slices"
)

// JSONSchema is the JSON Schema (draft 2020-12) of the Slimfile format, for
// editors. It is generated from the same key tree the parser validates
// against, so the two cannot drift; slimfile.schema.json at the repository
// root is its output (kept current by a test).
func JSONSchema() ([]byte, error) {
	top := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(topFields)) {
		if _, inTarget := targetFields[k]; inTarget {
			continue
		}
		top[k] = schemaOf(topFields[k])
	}
	top["slimfile"] = map[string]any{"const": Version, "description": topFields["slimfile"].doc}
	target := objectSchema(targetFields)
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

func objectSchema(fields map[string]field) map[string]any {
	props := map[string]any{}
	for k, f := range fields {
		props[k] = schemaOf(f)
	}
	return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
}

func schemaOf(f field) map[string]any {
	var s map[string]any
	switch f.kind {
	case kString:
		s = map[string]any{"type": "string"}
		if len(f.enum) > 0 {
			s["enum"] = f.enum
		}
	case kInt:
		s = map[string]any{"type": "integer"}
	case kBool:
		s = map[string]any{"type": "boolean"}
	case kList:
		s = map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
	case kMap:
		s = map[string]any{"type": "object", "additionalProperties": map[string]any{"type": []string{"string", "number", "boolean", "null"}}}
	case kObject:
		s = objectSchema(f.fields)
	case kFiles:
		item := objectSchema(fileCopyFields)
		item["required"] = []string{"src", "dst"}
		s = map[string]any{"type": "array", "items": item}
	case kTargets:
		s = map[string]any{
			"type":                 "object",
			"minProperties":        1,
			"propertyNames":        map[string]any{"pattern": targetRe.String()},
			"additionalProperties": map[string]any{"anyOf": []any{map[string]any{"$ref": "#/$defs/strict_target"}, map[string]any{"type": "null"}}},
		}
	}
	if f.doc != "" {
		s["description"] = f.doc
	}
	return s
}
