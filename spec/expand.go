package spec

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slimfile/slimfile/internal/suggest"
)

// PlatformArgs are always defined, per platform being built.
var PlatformArgs = []string{"TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT"}

// refRe matches ${NAME}; $$ is a literal $.
var refRe = regexp.MustCompile(`\$\$|\$\{([^}]*)\}?`)

// checkArgRefs reports every ${NAME} that names no declared arg.
func (p *parser) checkArgRefs(root *yaml.Node, declared []Arg) {
	known := map[string]bool{}
	for _, a := range declared {
		known[a.Name] = true
	}
	for _, n := range PlatformArgs {
		known[n] = true
	}
	var walk func(n *yaml.Node, skip bool)
	walk = func(n *yaml.Node, skip bool) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := find(topKeys, n.Content[i].Value)
				walk(n.Content[i+1], skip || (n == root && k != nil && k.kind == kArgs))
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, skip)
			}
		case yaml.ScalarNode:
			if skip {
				if strings.Contains(n.Value, "${") {
					p.errorf(n, "arg defaults cannot refer to other args")
				}
				return
			}
			for _, m := range refRe.FindAllStringSubmatch(n.Value, -1) {
				if m[0] == "$$" {
					continue
				}
				name := m[1]
				switch {
				case !strings.HasSuffix(m[0], "}"):
					p.errorf(n, "unterminated ${ in %q", n.Value)
				case !argNameRe.MatchString(name):
					p.errorf(n, "${%s} is not a valid reference; write ${NAME}", name)
				case !known[name]:
					p.errorf(n, "${%s} refers to an arg that is not declared; declare it under args:%s", name, suggestArg(name, known))
				}
			}
		}
	}
	walk(root, false)
}

func suggestArg(name string, known map[string]bool) string {
	if s := suggest.Nearest(name, slices.Sorted(maps.Keys(known))); s != "" {
		return fmt.Sprintf(" (or did you mean ${%s}?)", s)
	}
	return ""
}

// Expand replaces ${NAME} in s by vars[NAME] and $$ by $.
func Expand(s string, vars map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	return refRe.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		return vars[strings.TrimSuffix(strings.TrimPrefix(m, "${"), "}")]
	})
}

// Resolved returns a copy of f whose top-level values (go, toolchain,
// module) are expanded with vars and checked again.
func (f *File) Resolved(vars map[string]string) (*File, error) {
	r := *f
	x := &expander{vars: vars, pos: f.pos}
	x.object(reflect.ValueOf(&r).Elem(), reflect.ValueOf(f).Elem(), fileKeys, "")
	if len(x.errs) > 0 {
		return nil, x.errs.sorted()
	}
	return &r, nil
}

// Expanded returns a copy of t with every string expanded with vars, and
// checks again the values that held references.
func (f *File) Expanded(t *Target, vars map[string]string) (*Target, error) {
	e := *t
	x := &expander{vars: vars, pos: t.pos}
	x.object(reflect.ValueOf(&e).Elem(), reflect.ValueOf(t).Elem(), targetKeys, "")
	if len(x.errs) > 0 {
		return nil, x.errs.sorted()
	}
	return &e, nil
}

// expander expands the values of a struct of keys into a copy of it, and
// runs the checks of the values that held references again.
type expander struct {
	vars map[string]string
	pos  positions
	errs Errors
}

// object fills dst, a shallow copy of src, with src's values expanded:
// lists, maps and lists of objects are copied, not shared.
func (x *expander) object(dst, src reflect.Value, keys []*key, prefix string) {
	for _, k := range keys {
		path := prefix + k.name
		d, s := dst.Field(k.field), src.Field(k.field)
		switch k.kind {
		case kString:
			d.SetString(x.value(path, s.String(), k))
		case kList:
			if s.IsNil() {
				continue
			}
			l := make([]string, s.Len())
			for i := range l {
				l[i] = x.value(fmt.Sprintf("%s[%d]", path, i), s.Index(i).String(), k)
			}
			d.Set(reflect.ValueOf(l))
		case kMap:
			if s.IsNil() {
				continue
			}
			m := map[string]string{}
			for _, name := range slices.Sorted(maps.Keys(s.Interface().(map[string]string))) {
				raw := s.MapIndex(reflect.ValueOf(name)).String()
				m[name] = Expand(raw, x.vars)
				if k.entry != nil && strings.Contains(raw, "${") {
					x.check(path+"."+name, func(v string) error { return k.entry(name, v) }, m[name])
				}
			}
			d.Set(reflect.ValueOf(m))
		case kObject:
			x.object(d, s, k.keys, path+".")
		case kObjects:
			if s.IsNil() {
				continue
			}
			l := reflect.MakeSlice(s.Type(), s.Len(), s.Len())
			for i := 0; i < s.Len(); i++ {
				l.Index(i).Set(s.Index(i))
				x.object(l.Index(i), s.Index(i), k.keys, fmt.Sprintf("%s[%d].", path, i))
			}
			d.Set(l)
		}
	}
}

// value is raw expanded and normalized, checked again when it held a
// reference.
func (x *expander) value(path, raw string, k *key) string {
	if !strings.Contains(raw, "$") {
		return raw
	}
	v := Expand(raw, x.vars)
	if k.norm != nil && v != "" {
		v = k.norm(v)
	}
	if k.check != nil && strings.Contains(raw, "${") {
		x.check(path, k.check, v)
	}
	return v
}

func (x *expander) check(path string, fn func(string) error, v string) {
	if err := fn(v); err != nil {
		x.errs = append(x.errs, &Error{Range: x.pos[path], Msg: fmt.Sprintf("%s (after expanding args): %v", shortPath(path, x.pos), err)})
	}
}

// shortPathRe matches the key path of an element's short key, as in
// main[1].package.
var shortPathRe = regexp.MustCompile(`^([a-z_.]+)\[(\d+)\]\.([a-z_]+)$`)

// shortPath is path as a message names it: an element's short key by the
// element, main[1] for main[1].package, as a list of single values is
// written, and by the key alone, main, when the list was written as that
// single value (pos has the value and the list at the same place).
func shortPath(path string, pos positions) string {
	m := shortPathRe.FindStringSubmatch(path)
	if m == nil {
		return path
	}
	k := find(targetKeys, m[1])
	if k == nil || k.kind != kObjects || k.short == nil || k.short.name != m[3] {
		return path
	}
	list, okl := pos[m[1]]
	value, okv := pos[path]
	if m[2] == "0" && okl && okv && list.Line == value.Line && list.Column == value.Column {
		return m[1]
	}
	return m[1] + "[" + m[2] + "]"
}
