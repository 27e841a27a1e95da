package report

import (
	"fmt"
	"sort"
	"strings"
)

// Node is a rectangle of the treemap: some of the image's compressed bytes,
// and what the model says they are.
type Node struct {
	Kind   string // "image", "layer", "file", "part", "module", "package", "function", "other"
	Name   string // the model's name for it: a path, a part's name (data-name)
	Label  string // the short name its rectangle shows
	Detail string // the tooltip's line of description, under its title
	Bytes  int64  // the compressed bytes it stands for: its weight (data-bytes)
	// Size is its own bytes in the model, uncompressed (data-size); for an
	// "other" node, the bytes of its parent that no child explains (0 when
	// only compressed bytes are unexplained).
	Size int64
	Fill string // its colour, "#rrggbb"
	// Children add up to Bytes: bytes that no child of the model explains
	// are a child of Kind "other".
	Children []*Node
}

// buildTree is the tree the treemap draws: the image's compressed bytes,
// split into its layers, each layer's into its files, and a Go binary's
// file into the parts of the binary, its code into modules and packages,
// and, with funcs, packages into their largest functions (the page shows
// those on demand). Below the files, a node's bytes are its share of its
// parent's compressed bytes in proportion to its own bytes in the binary
// (see apportion), so that every level adds up. buildTree in page.js builds
// the same tree from the same report.json.
func buildTree(r *Report, funcs bool) *Node {
	root := &Node{Kind: "image", Name: r.Target, Label: "image", Size: r.Image.Size,
		Detail: fmt.Sprintf("%s %s, %d layers", r.Target, r.Platform, len(r.Image.Layers))}
	var layers int64
	for _, l := range r.Image.Layers {
		layers += max(l.Compressed, 0)
	}
	root.Bytes = max(r.Image.Compressed, layers)
	for i, l := range r.Image.Layers {
		hue := layerHue(i)
		ln := &Node{Kind: "layer", Name: fmt.Sprintf("layer %d", i+1), Detail: l.What,
			Bytes: max(l.Compressed, 0), Size: l.Size, Fill: fill(hue, 1, false)}
		ln.Label = ln.Name
		if l.What != "" {
			ln.Label += ": " + l.What
		}
		var files int64
		for _, f := range l.Files {
			fn := &Node{Kind: "file", Name: f.Path, Label: baseName(f.Path), Detail: fileDetail(f),
				Bytes: max(f.Compressed, 0), Size: f.Size, Fill: fill(hue, 2, f.Path == TarHeaders)}
			if f.Binary >= 0 && f.Binary < len(r.Binaries) {
				binaryParts(fn, &r.Binaries[f.Binary], hue, funcs)
			}
			files += fn.Bytes
			ln.Children = append(ln.Children, fn)
		}
		if rest := ln.Bytes - files; rest > 0 {
			ln.Children = append(ln.Children, other("other", "compressed bytes of the layer that no file's share holds", rest, hue, 2))
		}
		root.Children = append(root.Children, ln)
	}
	if rest := root.Bytes - layers; rest > 0 {
		root.Children = append(root.Children, other("other", "compressed bytes of the image that no layer holds", rest, 0, 1))
	}
	return sorted(root)
}

// binaryParts makes the children of the file of b: its parts, the code part
// by module, each module by package.
func binaryParts(file *Node, b *Binary, hue float64, funcs bool) {
	for _, p := range b.Parts {
		file.Children = append(file.Children, &Node{Kind: "part", Name: p.Name, Label: p.Name, Detail: p.What,
			Size: p.Bytes, Fill: fill(hue, 3, p.Name == "unattributed")})
	}
	share(file, b.Size, other("unattributed", "bytes of the binary that no part explains", 0, hue, 3))
	for i, p := range b.Parts {
		if p.Name == CodePart && len(b.Modules) > 0 {
			codeModules(file.Children[i], b.Modules, funcs)
		}
	}
}

// codeModules makes the children of the code part: the modules, and theirs.
func codeModules(code *Node, mods []ModuleSize, funcs bool) {
	for i, m := range mods {
		code.Children = append(code.Children, &Node{Kind: "module", Name: m.Path, Label: m.Path, Detail: moduleDetail(m),
			Size: m.Bytes, Fill: fill(moduleHue(i), 4, false)})
	}
	share(code, code.Size, other("unattributed code", "code that the symbol table gives to no module", 0, 0, 4))
	for i, m := range mods {
		mn, hue := code.Children[i], moduleHue(i)
		for _, p := range m.Packages {
			mn.Children = append(mn.Children, &Node{Kind: "package", Name: p.Path, Label: packageLabel(p.Path, m.Path),
				Detail: "in module " + m.Path, Size: p.Bytes, Fill: fill(hue, 5, false)})
		}
		share(mn, m.Bytes, other("other packages", "code of the module in no package listed", 0, hue, 5))
		for j, p := range m.Packages {
			if !funcs || len(p.Functions) == 0 {
				continue
			}
			pn := mn.Children[j]
			for _, f := range p.Functions {
				pn.Children = append(pn.Children, &Node{Kind: "function", Name: f.Name, Label: funcLabel(f.Name),
					Detail: "in package " + p.Path, Size: f.Bytes, Fill: fill(hue, 6, false)})
			}
			share(pn, p.Bytes, other("other functions", "the package's smaller functions", 0, hue, 6))
		}
	}
}

// share gives n's children, sized in bytes of the binary, their shares of
// n.Bytes. What of total (n's own bytes in the binary) they do not explain
// is one more child, rest, so that nothing is left out. Children that
// explain more than total (a model that does not add up) share n.Bytes
// among themselves.
func share(n *Node, total int64, rest *Node) {
	var sum int64
	for _, c := range n.Children {
		sum += max(c.Size, 0)
	}
	if total > sum {
		rest.Size = total - sum
		n.Children = append(n.Children, rest)
	}
	sizes := make([]int64, len(n.Children))
	for i, c := range n.Children {
		sizes[i] = c.Size
	}
	for i, b := range apportion(n.Bytes, sizes) {
		n.Children[i].Bytes = b
	}
}

// other is a node for bytes that no child of the model explains.
func other(name, detail string, bytes int64, hue float64, depth int) *Node {
	return &Node{Kind: "other", Name: name, Label: name, Detail: detail, Bytes: bytes, Fill: fill(hue, depth, true)}
}

// sorted orders the children of n, and theirs all the way down, largest
// first, equals in the model's order: squarify's rectangles are squarest so.
func sorted(n *Node) *Node {
	sort.SliceStable(n.Children, func(i, j int) bool { return n.Children[i].Bytes > n.Children[j].Bytes })
	for _, c := range n.Children {
		sorted(c)
	}
	return n
}

func fileDetail(f File) string {
	if f.Path == TarHeaders {
		return "tar headers and padding of the layer's entries"
	}
	return "mode " + f.Mode
}

func moduleDetail(m ModuleSize) string {
	if m.Version == "" {
		return ""
	}
	return "version " + m.Version
}

// title is the first line of a node's tooltip: what it is.
func (n *Node) title() string {
	if n.Kind == "other" || n.Kind == "image" {
		return n.Name
	}
	return n.Kind + " " + n.Name
}

// baseName is the last element of a path: what a rectangle has room for.
func baseName(p string) string {
	t := strings.TrimRight(p, "/")
	if i := strings.LastIndex(t, "/"); i >= 0 && i < len(t)-1 {
		return t[i+1:]
	}
	return p
}

// packageLabel is a package's path inside its module ("internal/http"); the
// whole path for the standard library and the module's root package.
func packageLabel(pkg, module string) string {
	if rest, ok := strings.CutPrefix(pkg, module+"/"); ok {
		return rest
	}
	return pkg
}

// funcLabel is a function's name without its package, which the rectangle
// around it names: "(*conn).serve" for "net/http.(*conn).serve". The type
// arguments of a generic function may hold slashes and dots of their own.
func funcLabel(name string) string {
	head := name
	if i := strings.IndexByte(name, '['); i >= 0 {
		head = name[:i]
	}
	pkg := strings.LastIndex(head, "/") + 1
	if dot := strings.IndexByte(head[pkg:], '.'); dot >= 0 {
		return name[pkg+dot+1:]
	}
	return name[pkg:]
}
