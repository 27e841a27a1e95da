package spec

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slimfile/slimfile/internal/suggest"
)

var yamlLineRe = regexp.MustCompile(`line ([0-9]+)`)

// parser holds the state of one Parse call.
type parser struct {
	errs Errors
}

func (p *parser) errorf(n *yaml.Node, format string, a ...any) {
	p.errs = append(p.errs, &Error{Range: nodeRange(n), Msg: fmt.Sprintf(format, a...)})
}

// Parse parses and validates a Slimfile. Every problem found is returned
// together as Errors, each with its position.
func Parse(data []byte) (*File, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, yamlError(err)
	}
	// A second document (after ---) would be ignored without a word.
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		return nil, yamlError(err)
	default:
		r := nodeRange(&next)
		if len(next.Content) > 0 {
			r = nodeRange(next.Content[0])
		}
		return nil, Errors{{Range: r, Msg: "a Slimfile is one YAML document: this second one (after ---) would be ignored; use targets: for several images"}}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, Errors{{Range: Range{Line: 1, Column: 1, EndLine: 1, EndColumn: 1}, Msg: "the Slimfile is empty: it needs at least \"slimfile: 1\""}}
	}
	root := doc.Content[0]
	p := &parser{}
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "a Slimfile is a YAML mapping of keys such as \"slimfile: 1\" and \"main: ./cmd/server\"")
		return nil, p.errs
	}
	if lookup(root, "slimfile") == nil {
		p.errorf(root, "the key \"slimfile: 1\" is required: it names the format version")
	}
	p.checkObject(root, topKeys, "")
	var declared []Arg
	if a := lookup(root, "args"); a != nil && a.Kind == yaml.MappingNode {
		declared = args(a)
	}
	p.checkArgRefs(root, declared)
	if len(p.errs) > 0 {
		return nil, p.errs.sorted()
	}
	return decodeFile(&File{Source: data, Args: declared}, root), nil
}

// decodeFile fills f from its validated root mapping: the top-level values
// and the targets.
func decodeFile(f *File, root *yaml.Node) *File {
	f.pos = positions{}
	decode(reflect.ValueOf(f).Elem(), fileKeys, root, "", f.pos)
	f.Targets = targets(root, f.pos["slimfile"])
	return f
}

// yamlError turns a yaml.v3 syntax error into an Error at its line.
func yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.TrimSpace(yamlLineRe.ReplaceAllString(msg, ""))
		msg = strings.TrimPrefix(msg, ": ")
	}
	return Errors{{Range: Range{Line: line, Column: 1, EndLine: line, EndColumn: 1}, Msg: "not valid YAML: " + msg}}
}

// checkObject validates a mapping against its keys. prefix is the key
// path of the mapping, for messages.
func (p *parser) checkObject(n *yaml.Node, keys []*key, prefix string) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, "keys must be plain names")
			continue
		}
		if seen[k.Value] {
			p.errorf(k, "key %q is set twice", prefix+k.Value)
			continue
		}
		seen[k.Value] = true
		kd := find(keys, k.Value)
		if kd == nil {
			if s := suggest.Nearest(k.Value, names(keys)); s != "" {
				p.errorf(k, "unknown key %q; did you mean %q?", prefix+k.Value, prefix+s)
			} else {
				p.errorf(k, "unknown key %q; valid keys here: %s", prefix+k.Value, strings.Join(names(keys), ", "))
			}
			continue
		}
		p.checkValue(v, kd, prefix+k.Value)
	}
	for _, kd := range keys {
		if kd.required && lookup(n, kd.name) == nil {
			p.errorf(n, "%s needs %q", strings.TrimSuffix(prefix, "."), kd.name)
		}
	}
}

// checkValue validates the value v of key kd, at key path path.
func (p *parser) checkValue(v *yaml.Node, kd *key, path string) {
	if v.Kind == yaml.AliasNode {
		v = v.Alias
	}
	switch kd.kind {
	case kString:
		if s, ok := p.str(v, path); ok {
			p.checkString(v, s, kd.check)
		}
	case kMode:
		if s, ok := p.str(v, path); ok {
			if strings.Contains(s, "$") {
				p.errorf(v, "%s cannot use ${ARG}: write the value itself", path)
				return
			}
			p.checkString(v, s, kd.check)
		}
	case kInt:
		if v.Kind != yaml.ScalarNode || v.Tag != "!!int" {
			p.errorf(v, "%s must be a whole number", path)
			return
		}
		p.checkString(v, v.Value, kd.check)
	case kBool:
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
			p.errorf(v, "%s must be true or false", path)
			return
		}
		p.checkString(v, v.Value, kd.check)
	case kList:
		if v.Kind != yaml.SequenceNode {
			p.errorf(v, "%s must be a list, such as [a, b]", path)
			return
		}
		for i, e := range v.Content {
			ep := fmt.Sprintf("%s[%d]", path, i)
			if s, ok := p.str(e, ep); ok {
				p.checkString(e, s, kd.check)
			}
		}
	case kMap, kArgs:
		p.checkMap(v, kd, path)
	case kObject:
		if kd.short != nil && v.Kind == yaml.ScalarNode {
			p.checkValue(v, kd.short, path)
			return
		}
		if v.Kind != yaml.MappingNode {
			if kd.short != nil {
				what := "a single value"
				if len(kd.short.enum) > 0 {
					what = "one of " + strings.Join(quoteAll(kd.short.enum), ", ")
				}
				p.errorf(v, "%s must be %s, or a mapping with keys %s", path, what, strings.Join(names(kd.keys), ", "))
				return
			}
			p.errorf(v, "%s must be a mapping with keys %s", path, strings.Join(names(kd.keys), ", "))
			return
		}
		p.checkObject(v, kd.keys, path+".")
		if len(kd.oneof) > 0 {
			n := 0
			for _, k := range kd.oneof {
				if lookup(v, k) != nil {
					n++
				}
			}
			if n != 1 {
				p.errorf(v, "%s: give exactly one of %s", path, strings.Join(kd.oneof, ", "))
			}
		}
	case kObjects:
		shape := "{" + strings.Join(fieldNames(kd.keys), ", ") + "}"
		if kd.short != nil {
			shape = "single values or " + shape
			if v.Kind == yaml.ScalarNode {
				p.checkValue(v, kd.short, path)
				return
			}
		}
		if v.Kind != yaml.SequenceNode {
			p.errorf(v, "%s must be a list of %s", path, shape)
			return
		}
		if kd.short != nil && len(v.Content) == 0 {
			p.errorf(v, "%s must name at least one %s", path, kd.short.name)
			return
		}
		for i, e := range v.Content {
			ep := fmt.Sprintf("%s[%d]", path, i)
			if e.Kind == yaml.AliasNode {
				e = e.Alias
			}
			if kd.short != nil && e.Kind == yaml.ScalarNode {
				p.checkValue(e, kd.short, ep)
				continue
			}
			if e.Kind != yaml.MappingNode {
				p.errorf(e, "%s must be a mapping {%s: ...}", ep, strings.Join(fieldNames(kd.keys), ": ..., "))
				continue
			}
			p.checkObject(e, kd.keys, ep+".")
		}
	case kTargets:
		p.checkTargets(v)
	}
}

// checkMap validates a mapping of names to single values (kMap), or to
// arg defaults, which may be empty (kArgs).
func (p *parser) checkMap(v *yaml.Node, kd *key, path string) {
	if v.Kind != yaml.MappingNode {
		p.errorf(v, "%s must be a mapping of names to values", path)
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, e := v.Content[i], v.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, "%s: keys must be plain names", path)
			continue
		}
		if seen[k.Value] {
			p.errorf(k, "%s: %q is set twice", path, k.Value)
			continue
		}
		seen[k.Value] = true
		if kd.names != nil {
			if err := kd.names(k.Value); err != nil {
				p.errorf(k, "%s: %v", path, err)
			}
		}
		if kd.entry != nil && !strings.Contains(e.Value, "${") {
			if err := kd.entry(k.Value, e.Value); err != nil {
				p.errorf(k, "%s: %v", path, err)
			}
		}
		if e.Kind != yaml.ScalarNode || (e.Tag == "!!null" && kd.kind != kArgs) {
			p.errorf(e, "%s.%s must be a single value", path, k.Value)
		}
	}
}

// checkTargets validates the targets mapping: names, and each target's keys.
func (p *parser) checkTargets(v *yaml.Node) {
	if v.Kind != yaml.MappingNode || len(v.Content) == 0 {
		p.errorf(v, "targets must be a mapping of target names to targets")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, t := v.Content[i], v.Content[i+1]
		if seen[k.Value] {
			p.errorf(k, "target %q is defined twice", k.Value)
			continue
		}
		seen[k.Value] = true
		if !targetRe.MatchString(k.Value) {
			p.errorf(k, "target name %q must be letters, digits, - and _", k.Value)
		}
		if t.Kind == yaml.ScalarNode && t.Tag == "!!null" {
			continue // a target that inherits everything
		}
		if t.Kind != yaml.MappingNode {
			p.errorf(t, "target %q must be a mapping of keys such as main and binary", k.Value)
			continue
		}
		p.checkObject(t, targetKeys, "targets."+k.Value+".")
	}
}

// str returns the string value of a scalar, reporting non-scalars.
func (p *parser) str(v *yaml.Node, path string) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		p.errorf(v, "%s must be a single value", path)
		return "", false
	}
	return v.Value, true
}

// checkString runs a key's value check, unless the value holds ${ARG}
// references; those are checked again once expanded.
func (p *parser) checkString(v *yaml.Node, s string, check func(string) error) {
	if check == nil || strings.Contains(s, "${") {
		return
	}
	if err := check(s); err != nil {
		p.errorf(v, "%v", err)
	}
}

// longForm is the mapping a value of key kd stands for: v itself, or, for a
// single value written in place of the mapping (kd.short), the mapping of
// kd.short to it. For a list of mappings (kObjects), it is the list, with
// a single value in place of the list or of an element turned into that
// mapping.
func longForm(kd *key, v *yaml.Node) *yaml.Node {
	if kd.short == nil || v == nil {
		return v
	}
	if v.Kind == yaml.AliasNode {
		v = v.Alias
	}
	short := func(v *yaml.Node) *yaml.Node {
		if v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		if v.Kind != yaml.ScalarNode {
			return v
		}
		k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: kd.short.name, Line: v.Line, Column: v.Column}
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: v.Line, Column: v.Column, Content: []*yaml.Node{k, v}}
	}
	if kd.kind != kObjects {
		return short(v)
	}
	switch v.Kind {
	case yaml.ScalarNode:
		return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: v.Line, Column: v.Column, Content: []*yaml.Node{short(v)}}
	case yaml.SequenceNode:
		out := *v
		out.Content = make([]*yaml.Node, len(v.Content))
		for i, e := range v.Content {
			out.Content[i] = short(e)
		}
		return &out
	}
	return v
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			v := m.Content[i+1]
			if v.Kind == yaml.AliasNode {
				v = v.Alias
			}
			return v
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

func nodeRange(n *yaml.Node) Range {
	r := Range{Line: n.Line, Column: n.Column, EndLine: n.Line, EndColumn: n.Column}
	if n.Kind == yaml.ScalarNode && !strings.Contains(n.Value, "\n") {
		r.EndColumn = n.Column + len(n.Value)
	}
	return r
}

func args(n *yaml.Node) []Arg {
	if n == nil {
		return nil
	}
	var out []Arg
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		out = append(out, Arg{Name: k.Value, Default: scalar(v), Description: comment(k.HeadComment), Pos: nodeRange(k)})
	}
	return out
}

// comment turns a YAML head comment into a one-line description.
func comment(c string) string {
	var lines []string
	for _, l := range strings.Split(c, "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "#"))
		if l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, " ")
}
