package spec

import (
	"fmt"
	"strings"
)

// Reference is a Markdown reference of every Slimfile key, generated from
// the key tree the parser validates against; docs/reference.md is its
// output (kept current by a test).
func Reference() string {
	var b strings.Builder
	b.WriteString("# Slimfile v1 key reference\n\n")
	b.WriteString("Generated from the key tags of `spec/types.go` (`go test ./spec -update`\n")
	b.WriteString("rewrites it); the contract with meanings in full is `shared/slimfile.md`.\n")
	section := func(title, prefix string, keys []*key) {
		fmt.Fprintf(&b, "\n## %s\n\n| key | type | default | meaning |\n|---|---|---|---|\n", title)
		for _, k := range sortedKeys(keys) {
			def := ""
			if k.hasDef {
				def = "`" + k.def + "`"
			}
			fmt.Fprintf(&b, "| `%s%s` | %s | %s | %s |\n", prefix, k.name, kindName(k), def, strings.ReplaceAll(k.doc, "|", `\|`))
		}
	}
	section("Top level only", "", fileKeys)
	section("Top level or per target", "", targetKeys)
	var objects func(path string, keys []*key)
	objects = func(path string, keys []*key) {
		for _, k := range keys {
			switch k.kind {
			case kObject:
				section(path+k.name, path+k.name+".", k.keys)
				objects(path+k.name+".", k.keys)
			case kObjects:
				section(path+k.name+" entries", "", k.keys)
			}
		}
	}
	objects("", targetKeys)
	b.WriteString("\n## Outputs\n\nBeside its image, every target `T` offers these outputs (`--target T.<output>`; for the\nsingle default target, `--target <output>`):\n\n| output | what |\n|---|---|\n")
	for _, o := range Outputs {
		fmt.Fprintf(&b, "| `%s` | %s |\n", o.Name, strings.ReplaceAll(o.Doc, "|", `\|`))
	}
	return b.String()
}

func kindName(k *key) string {
	switch k.kind {
	case kString:
		if len(k.enum) > 0 {
			return strings.Join(k.enum, " \\| ")
		}
		return "string"
	case kMode:
		return "octal string"
	case kInt:
		return "int"
	case kBool:
		return "bool"
	case kList:
		return "list of strings"
	case kMap, kArgs:
		return "map of strings"
	case kObject:
		if k.short != nil {
			return kindName(k.short) + ", or map"
		}
		return "map"
	case kObjects:
		if k.short != nil {
			return kindName(k.short) + ", or list of strings or {" + strings.Join(fieldNames(k.keys), ", ") + "}"
		}
		return "list of {" + strings.Join(fieldNames(k.keys), ", ") + "}"
	case kTargets:
		return "map of name to target"
	}
	return "?"
}
