package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Reference is a Markdown reference of every Slimfile key, generated from
// the key tree the parser validates against; docs/reference.md is its
// output (kept current by a test).
func Reference() string {
	var b strings.Builder
	b.WriteString("# Slimfile v1 key reference\n\n")
	b.WriteString("Generated from `spec/schema.go` (`go test ./spec -update` rewrites it); the\n")
	b.WriteString("contract with defaults and meanings in full is `shared/slimfile.md`.\n")
	section := func(title, prefix string, fields map[string]field) {
		fmt.Fprintf(&b, "\n## %s\n\n| key | type | meaning |\n|---|---|---|\n", title)
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			f := fields[k]
			fmt.Fprintf(&b, "| `%s%s` | %s | %s |\n", prefix, k, kindName(f), strings.ReplaceAll(f.doc, "|", `\|`))
		}
	}
	top := map[string]field{}
	for k, f := range topFields {
		if _, ok := targetFields[k]; !ok {
			top[k] = f
		}
	}
	section("Top level only", "", top)
	section("Top level or per target", "", targetFields)
	section("build", "build.", buildFields)
	section("image", "image.", imageFields)
	section("image.files entries", "", fileCopyFields)
	section("security", "security.", securityFields)
	return b.String()
}

func kindName(f field) string {
	switch f.kind {
	case kString:
		if len(f.enum) > 0 {
			return strings.Join(f.enum, " \\| ")
		}
		return "string"
	case kInt:
		return "int"
	case kBool:
		return "bool"
	case kList:
		return "list of strings"
	case kMap:
		return "map of strings"
	case kObject:
		return "map"
	case kFiles:
		return "list of {src, dst, mode}"
	case kTargets:
		return "map of name to target"
	}
	return "?"
}
