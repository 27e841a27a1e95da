package spec

import (
	"bytes"
	"fmt"
	"io"
	"path"
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
	pos  map[string]Range
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
	p := &parser{pos: map[string]Range{}}
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "a Slimfile is a YAML mapping of keys such as \"slimfile: 1\" and \"main: ./cmd/server\"")
		return nil, p.errs
	}
	f := &File{Source: data, pos: p.pos, Module: "."}
	if lookup(root, "slimfile") == nil {
		p.errorf(root, "the key \"slimfile: 1\" is required: it names the format version")
	}
	p.checkObject(root, topFields, "")
	if v := lookup(root, "slimfile"); v != nil && v.Kind == yaml.ScalarNode && v.Tag == "!!int" && v.Value != "1" {
		p.errorf(v, "slimfile: %s is not a known format version; only 1 exists", v.Value)
	}
	if a := lookup(root, "args"); a != nil && a.Kind == yaml.MappingNode {
		f.Args = args(a)
	}
	p.checkArgRefs(root, f.Args)
	if len(p.errs) > 0 {
		return nil, p.errs.sorted()
	}
	f.Go = scalar(lookup(root, "go"))
	f.Toolchain = scalar(lookup(root, "toolchain"))
	if m := scalar(lookup(root, "module")); m != "" {
		f.Module = path.Clean(m)
	}
	f.Targets = p.targets(root)
	if len(p.errs) > 0 {
		return nil, p.errs.sorted()
	}
	return f, nil
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

// checkObject validates a mapping against its fields and records the
// position of every value under prefix.
func (p *parser) checkObject(n *yaml.Node, fields map[string]field, prefix string) {
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
		fd, ok := fields[k.Value]
		if !ok {
			if s := suggest.Nearest(k.Value, keysOf(fields)); s != "" {
				p.errorf(k, "unknown key %q; did you mean %q?", prefix+k.Value, prefix+s)
			} else {
				p.errorf(k, "unknown key %q; valid keys here: %s", prefix+k.Value, strings.Join(keysOf(fields), ", "))
			}
			continue
		}
		p.pos[prefix+k.Value] = nodeRange(v)
		p.checkValue(v, fd, prefix+k.Value)
	}
}

func (p *parser) checkValue(v *yaml.Node, fd field, key string) {
	if v.Kind == yaml.AliasNode {
		v = v.Alias
	}
	switch fd.kind {
	case kString:
		if s, ok := p.str(v, key); ok {
			p.checkString(v, s, fd)
		}
	case kInt:
		if v.Kind != yaml.ScalarNode || v.Tag != "!!int" {
			p.errorf(v, "%s must be a whole number", key)
		}
	case kBool:
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
			p.errorf(v, "%s must be true or false", key)
		} else if key == "build.cgo" || strings.HasSuffix(key, ".build.cgo") {
			if v.Value == "true" {
				p.errorf(v, "build.cgo: true is not supported: Slimfile v1 builds static binaries only (CGO_ENABLED=0)")
			}
		}
	case kList:
		if v.Kind != yaml.SequenceNode {
			p.errorf(v, "%s must be a list, such as [a, b]", key)
			return
		}
		for i, e := range v.Content {
			ek := fmt.Sprintf("%s[%d]", key, i)
			p.pos[ek] = nodeRange(e)
			if s, ok := p.str(e, ek); ok {
				p.checkString(e, s, fd)
			}
		}
	case kMap:
		if v.Kind != yaml.MappingNode {
			p.errorf(v, "%s must be a mapping of names to values", key)
			return
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(v.Content); i += 2 {
			k, e := v.Content[i], v.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				p.errorf(k, "%s: keys must be plain names", key)
				continue
			}
			if seen[k.Value] {
				p.errorf(k, "%s: %q is set twice", key, k.Value)
				continue
			}
			seen[k.Value] = true
			if fd.check != nil {
				if err := fd.check(k.Value); err != nil {
					p.errorf(k, "%s: %v", key, err)
				}
			}
			if fd.entry != nil && !strings.Contains(e.Value, "${") {
				if err := fd.entry(k.Value, e.Value); err != nil {
					p.errorf(k, "%s: %v", key, err)
				}
			}
			p.pos[key+"."+k.Value] = nodeRange(e)
			if e.Kind != yaml.ScalarNode || (e.Tag == "!!null" && key != "args" && !strings.HasSuffix(key, ".args")) {
				p.errorf(e, "%s.%s must be a single value", key, k.Value)
			}
		}
	case kObject:
		if v.Kind != yaml.MappingNode {
			p.errorf(v, "%s must be a mapping with keys %s", key, strings.Join(keysOf(fd.fields), ", "))
			return
		}
		p.checkObject(v, fd.fields, key+".")
	case kFiles:
		if v.Kind != yaml.SequenceNode {
			p.errorf(v, "%s must be a list of {src, dst, mode}", key)
			return
		}
		for i, e := range v.Content {
			ek := fmt.Sprintf("%s[%d]", key, i)
			if e.Kind != yaml.MappingNode {
				p.errorf(e, "%s must be a mapping {src: ..., dst: ..., mode: ...}", ek)
				continue
			}
			p.checkObject(e, fileCopyFields, ek+".")
			if m := lookup(e, "mode"); m != nil && strings.Contains(m.Value, "$") {
				p.errorf(m, "%s.mode cannot use ${ARG}: write the octal mode itself", ek)
			}
			for _, req := range []string{"src", "dst"} {
				if lookup(e, req) == nil {
					p.errorf(e, "%s needs %q", ek, req)
				}
			}
		}
	case kTargets:
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
			p.checkObject(t, targetFields, "targets."+k.Value+".")
		}
	}
}

// str returns the string value of a scalar, reporting non-scalars.
func (p *parser) str(v *yaml.Node, key string) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		p.errorf(v, "%s must be a single value", key)
		return "", false
	}
	return v.Value, true
}

// checkString runs a field's value check, unless the value holds ${ARG}
// references; those are checked again once expanded.
func (p *parser) checkString(v *yaml.Node, s string, fd field) {
	if fd.check == nil || fd.kind == kMap || strings.Contains(s, "${") {
		return
	}
	if err := fd.check(s); err != nil {
		p.errorf(v, "%v", err)
	}
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
