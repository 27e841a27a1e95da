package report

import "math"

// Rect is a rectangle in picture units (SVG user units, CSS pixels).
type Rect struct{ X, Y, W, H float64 }

// Placed is a node of the tree with the rectangle the layout gave it.
type Placed struct {
	Node  *Node
	Rect  Rect
	Depth int  // 0 for the root
	Open  bool // its children are laid out inside it
	Inner Rect // where they are, when Open
}

// Inset says where n's children go inside n's rectangle r (a treemap leaves
// room for a label strip and a margin, so that the levels can be told
// apart), and whether they go there at all (a rectangle too small to show
// its children shows none).
type Inset func(n *Node, r Rect, depth int) (inner Rect, open bool)

// Layout lays out the tree under root in r with the squarified treemap of
// Bruls, Huizing and van Wijk: each node's children share the rectangle
// inset gives, in proportion to their Bytes, as rectangles as close to
// squares as the algorithm finds. Children are taken in the order given
// (largest first gives the squarest rectangles); those of no weight get no
// rectangle. The result lists every placed node in pre-order, root first.
// It is deterministic, and page.js (squarify, layout) repeats it operation
// for operation, so that the page and the SVG draw the same rectangles.
func Layout(root *Node, r Rect, inset Inset) []Placed {
	var out []Placed
	var place func(n *Node, r Rect, depth int)
	place = func(n *Node, r Rect, depth int) {
		at := len(out)
		out = append(out, Placed{Node: n, Rect: r, Depth: depth})
		kids := weighed(n.Children)
		if len(kids) == 0 {
			return
		}
		inner, open := inset(n, r, depth)
		if !open {
			return
		}
		out[at].Open, out[at].Inner = true, inner
		ws := make([]float64, len(kids))
		for i, k := range kids {
			ws[i] = float64(k.Bytes)
		}
		for i, kr := range squarify(ws, inner) {
			place(kids[i], kr, depth+1)
		}
	}
	place(root, r, 0)
	return out
}

// weighed is the nodes that have bytes to draw.
func weighed(nodes []*Node) []*Node {
	var out []*Node
	for _, n := range nodes {
		if n.Bytes > 0 {
			out = append(out, n)
		}
	}
	return out
}

// squarify splits r into one rectangle per weight (all > 0), each of an area
// proportional to its weight. Rows of rectangles are laid along the shorter
// side of what is left of r; a row takes one more rectangle as long as that
// does not make its worst aspect ratio worse. The last row and the last
// rectangle of a row take what is left, so that rounding never leaves a gap
// or an overlap.
func squarify(ws []float64, r Rect) []Rect {
	out := make([]Rect, len(ws))
	var total float64
	for _, w := range ws {
		total += w
	}
	if total <= 0 || r.W <= 0 || r.H <= 0 {
		for i := range out {
			out[i] = Rect{r.X, r.Y, 0, 0}
		}
		return out
	}
	scale := r.W * r.H / total
	for i := 0; i < len(ws); {
		wide := r.W >= r.H
		side := r.H // the row runs along the shorter side
		if !wide {
			side = r.W
		}
		sum := ws[i] * scale
		lo, hi := sum, sum
		worst := worstRatio(sum, lo, hi, side)
		j := i + 1
		for ; j < len(ws); j++ {
			a := float64(ws[j] * scale) // rounded here: see fusion below
			nlo, nhi := math.Min(lo, a), math.Max(hi, a)
			w := worstRatio(sum+a, nlo, nhi, side)
			if w > worst {
				break
			}
			sum, lo, hi, worst = sum+a, nlo, nhi, w
		}
		long := r.W // how far the row reaches into r
		if !wide {
			long = r.H
		}
		thick := math.Min(sum/side, long)
		if j == len(ws) {
			thick = long
		}
		at := 0.0
		for k := i; k < j; k++ {
			length := ws[k] * scale / thick
			if k == j-1 {
				length = side - at
			}
			if wide {
				out[k] = Rect{r.X, r.Y + at, thick, length}
			} else {
				out[k] = Rect{r.X + at, r.Y, length, thick}
			}
			at += length
		}
		if wide {
			r = Rect{r.X + thick, r.Y, r.W - thick, r.H}
		} else {
			r = Rect{r.X, r.Y + thick, r.W, r.H - thick}
		}
		i = j
	}
	return out
}

// Fusion: Go may compute x*y+z in one rounding (FMA, on arm64 for one),
// JavaScript never does. Every product that is then added is converted
// explicitly (float64(x*y)), which the Go spec says rounds it, so that the
// layout is the same on every machine and in the page.

// worstRatio is the largest aspect ratio (long side over short) of a row of
// rectangles of total area sum, smallest lo and largest hi, laid along side.
func worstRatio(sum, lo, hi, side float64) float64 {
	s2, w2 := sum*sum, side*side
	return math.Max(w2*hi/s2, s2/(w2*lo))
}
