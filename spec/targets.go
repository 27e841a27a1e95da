package spec

import (
	"fmt"
	"reflect"
	"strconv"

	"gopkg.in/yaml.v3"
)

// DefaultTarget is the name of the target a Slimfile without `targets` has.
const DefaultTarget = "default"

// targets resolves every target: a target's mapping is merged over the
// top-level keys it may set (maps merge key by key, lists and scalars
// replace), then decoded.
func targets(root *yaml.Node, version Range) []*Target {
	top := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if find(targetKeys, root.Content[i].Value) != nil {
			top.Content = append(top.Content, root.Content[i], root.Content[i+1])
		}
	}
	top = longForms(top, targetKeys)
	tn := lookup(root, "targets")
	if tn == nil {
		return []*Target{decodeTarget(DefaultTarget, top, nodeRange(root), version)}
	}
	var out []*Target
	for i := 0; i+1 < len(tn.Content); i += 2 {
		k, v := tn.Content[i], tn.Content[i+1]
		out = append(out, decodeTarget(k.Value, merge(top, longForms(v, targetKeys), targetKeys), nodeRange(k), version))
	}
	return out
}

// longForms returns the mapping n of keys with every single value written
// in place of a mapping (longForm) turned into that mapping, at any depth,
// so that a target's {mode: fail} merges with the top level's vulns: warn
// key by key. n itself is not changed.
func longForms(n *yaml.Node, keys []*key) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return n
	}
	out := *n
	out.Content = make([]*yaml.Node, len(n.Content))
	copy(out.Content, n.Content)
	for i := 0; i+1 < len(out.Content); i += 2 {
		k := find(keys, out.Content[i].Value)
		switch {
		case k != nil && k.kind == kObject:
			out.Content[i+1] = longForms(longForm(k, out.Content[i+1]), k.keys)
		case k != nil && k.kind == kObjects:
			out.Content[i+1] = longForm(k, out.Content[i+1])
		}
	}
	return &out
}

// merge returns base, a mapping of keys, with over laid on top of it; a
// key that replaces (its replace tag) is not merged into.
func merge(base, over *yaml.Node, keys []*key) *yaml.Node {
	if over == nil || over.Kind != yaml.MappingNode {
		if over != nil && over.Kind == yaml.ScalarNode && over.Tag == "!!null" {
			return base
		}
		return over
	}
	if base == nil || base.Kind != yaml.MappingNode {
		return over
	}
	out := &yaml.Node{Kind: yaml.MappingNode, Line: over.Line, Column: over.Column}
	done := map[string]bool{}
	for i := 0; i+1 < len(base.Content); i += 2 {
		k := base.Content[i]
		v := base.Content[i+1]
		if ov := lookup(over, k.Value); ov != nil {
			kd := find(keys, k.Value)
			switch {
			case kd != nil && kd.replace:
				v = ov
			case kd != nil:
				v = merge(v, ov, kd.keys)
			default:
				v = merge(v, ov, nil)
			}
			done[k.Value] = true
		}
		out.Content = append(out.Content, k, v)
	}
	for i := 0; i+1 < len(over.Content); i += 2 {
		if !done[over.Content[i].Value] {
			out.Content = append(out.Content, over.Content[i], over.Content[i+1])
		}
	}
	return out
}

// decodeTarget fills a Target from a validated mapping, applying defaults.
func decodeTarget(name string, n *yaml.Node, pos, version Range) *Target {
	t := &Target{Name: name, Defined: pos, pos: positions{}, version: version}
	decode(reflect.ValueOf(t).Elem(), targetKeys, n, "", t.pos)
	return t
}

// decode fills the struct v from the validated mapping n (nil: nothing
// written) by keys, applying defaults and norms, and records in pos where
// each value was written, under prefix.
func decode(v reflect.Value, keys []*key, n *yaml.Node, prefix string, pos positions) {
	for _, k := range keys {
		node := lookup(n, k.name)
		path := prefix + k.name
		if node != nil {
			pos[path] = nodeRange(node)
		}
		fv := v.Field(k.field)
		switch k.kind {
		case kString:
			s := scalar(node)
			if s == "" {
				s = k.def
			}
			if k.norm != nil && s != "" {
				s = k.norm(s)
			}
			fv.SetString(s)
		case kBool:
			b, err := strconv.ParseBool(scalar(node))
			if err != nil {
				b = k.def == "true"
			}
			fv.SetBool(b)
		case kInt:
			i, _ := strconv.Atoi(scalar(node))
			fv.SetInt(int64(i))
		case kMode:
			if m, err := parseMode(scalar(node)); err == nil {
				fv.SetUint(uint64(m))
			}
		case kList:
			if node == nil || node.Kind != yaml.SequenceNode {
				continue
			}
			l := make([]string, 0, len(node.Content))
			for i, e := range node.Content {
				pos[fmt.Sprintf("%s[%d]", path, i)] = nodeRange(e)
				l = append(l, scalar(e))
			}
			fv.Set(reflect.ValueOf(l))
		case kMap:
			if node == nil || node.Kind != yaml.MappingNode {
				continue
			}
			m := map[string]string{}
			for i := 0; i+1 < len(node.Content); i += 2 {
				name, e := node.Content[i].Value, node.Content[i+1]
				pos[path+"."+name] = nodeRange(e)
				m[name] = scalar(e)
			}
			fv.Set(reflect.ValueOf(m))
		case kObject:
			decode(fv, k.keys, longForm(k, node), path+".", pos)
		case kObjects:
			node = longForm(k, node)
			if node == nil && k.short != nil && k.hasDef {
				// The default is one element: its short key's value.
				l := reflect.MakeSlice(fv.Type(), 1, 1)
				l.Index(0).Field(k.short.field).SetString(k.def)
				fv.Set(l)
				continue
			}
			if node == nil || node.Kind != yaml.SequenceNode {
				continue
			}
			l := reflect.MakeSlice(fv.Type(), len(node.Content), len(node.Content))
			for i, e := range node.Content {
				decode(l.Index(i), k.keys, e, fmt.Sprintf("%s[%d].", path, i), pos)
			}
			fv.Set(l)
		}
	}
}

// positions maps the key path of each value written ("main",
// "image.expose[1]", "build.env.GOFLAGS") to where it was written.
type positions map[string]Range
