package spec

import (
	"path"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultTarget is the name of the target a Slimfile without `targets` has.
const DefaultTarget = "default"

// targets resolves every target: a target's mapping is merged over the
// top-level keys it may set (maps merge key by key, lists and scalars
// replace), then decoded.
func (p *parser) targets(root *yaml.Node) []*Target {
	top := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if _, ok := targetFields[root.Content[i].Value]; ok {
			top.Content = append(top.Content, root.Content[i], root.Content[i+1])
		}
	}
	tn := lookup(root, "targets")
	if tn == nil {
		return []*Target{decodeTarget(DefaultTarget, "", top, nodeRange(root))}
	}
	var out []*Target
	for i := 0; i+1 < len(tn.Content); i += 2 {
		k, v := tn.Content[i], tn.Content[i+1]
		merged := merge(top, v)
		out = append(out, decodeTarget(k.Value, "targets."+k.Value+".", merged, nodeRange(k)))
	}
	return out
}

// merge returns base with over laid on top of it.
func merge(base, over *yaml.Node) *yaml.Node {
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
			v = merge(v, ov)
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
func decodeTarget(name, prefix string, n *yaml.Node, pos Range) *Target {
	t := &Target{Name: name, Pos: pos, path: prefix, Main: "."}
	if s := scalar(lookup(n, "main")); s != "" {
		t.Main = cleanMain(s)
	}
	t.Binary = scalar(lookup(n, "binary"))
	t.Platforms = list(lookup(n, "platforms"))

	b := lookup(n, "build")
	t.Build = Build{
		Tags:     list(lookup(b, "tags")),
		Ldflags:  list(lookup(b, "ldflags")),
		Gcflags:  list(lookup(b, "gcflags")),
		Env:      strMap(lookup(b, "env")),
		Strip:    boolOr(lookup(b, "strip"), true),
		Trimpath: boolOr(lookup(b, "trimpath"), true),
		Compress: strOr(lookup(b, "compress"), "none"),
		Private:  list(lookup(b, "private")),
		Goproxy:  scalar(lookup(b, "goproxy")),
	}

	im := lookup(n, "image")
	t.Image = Image{
		Base:        strOr(lookup(im, "base"), "scratch"),
		User:        strOr(lookup(im, "user"), "nonroot"),
		Certs:       boolOr(lookup(im, "certs"), true),
		Tzdata:      boolOr(lookup(im, "tzdata"), true),
		Env:         strMap(lookup(im, "env")),
		Expose:      list(lookup(im, "expose")),
		Workdir:     strOr(lookup(im, "workdir"), "/"),
		Entrypoint:  list(lookup(im, "entrypoint")),
		Cmd:         list(lookup(im, "cmd")),
		Labels:      strMap(lookup(im, "labels")),
		Annotations: strMap(lookup(im, "annotations")),
		Stopsignal:  scalar(lookup(im, "stopsignal")),
	}
	if fs := lookup(im, "files"); fs != nil {
		for _, e := range fs.Content {
			fc := FileCopy{Src: scalar(lookup(e, "src")), Dst: scalar(lookup(e, "dst"))}
			if m, err := parseMode(scalar(lookup(e, "mode"))); err == nil {
				fc.Mode = m
			}
			t.Image.Files = append(t.Image.Files, fc)
		}
	}

	sec := lookup(n, "security")
	t.Security = Security{
		Seccomp:  strOr(lookup(sec, "seccomp"), "default"),
		Apparmor: strOr(lookup(sec, "apparmor"), "default"),
	}
	return t
}

// cleanMain makes a package path that `go build` reads as a directory:
// "cmd/api" and "./cmd/api/" both become "./cmd/api".
func cleanMain(s string) string {
	c := path.Clean(s)
	if c == "." {
		return "."
	}
	return "./" + strings.TrimPrefix(c, "./")
}

func list(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, e := range n.Content {
		out = append(out, scalar(e))
	}
	return out
}

func strMap(n *yaml.Node) map[string]string {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = scalar(n.Content[i+1])
	}
	return out
}

func strOr(n *yaml.Node, def string) string {
	if s := scalar(n); s != "" {
		return s
	}
	return def
}

func boolOr(n *yaml.Node, def bool) bool {
	if b, err := strconv.ParseBool(scalar(n)); err == nil {
		return b
	}
	return def
}
