package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// noInset lays children out in all of their parent: areas then are
// proportional across the whole tree.
func noInset(n *Node, r Rect, depth int) (Rect, bool) { return r, true }

// randomTree is a tree of depth levels below the root, with some nodes of
// no weight, whose children's weights add up to their parent's.
func randomTree(rng *rand.Rand, depth int) *Node {
	root := &Node{Name: "root"}
	var grow func(n *Node, d int)
	grow = func(n *Node, d int) {
		if d == 0 {
			n.Bytes = 1 + rng.Int64N(1000)
			if rng.IntN(8) == 0 {
				n.Bytes = 0
			}
			return
		}
		for i := range 1 + rng.IntN(9) {
			c := &Node{Name: fmt.Sprintf("%s/%d", n.Name, i)}
			grow(c, d-1)
			n.Children = append(n.Children, c)
			n.Bytes += c.Bytes
		}
		sorted(n)
	}
	grow(root, depth)
	return root
}

// TestLayoutProperties lays out random trees and wants every node of
// weight a rectangle, of an area proportional to its weight, inside its
// parent's, overlapping none of its siblings', and nodes of no weight none.
func TestLayoutProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		tree := randomTree(rng, 1+round%4)
		r := Rect{3, 5, 50 + rng.Float64()*1000, 50 + rng.Float64()*600}
		placed := Layout(tree, r, noInset)
		at := map[*Node]Rect{}
		for _, p := range placed {
			if _, dup := at[p.Node]; dup {
				t.Fatalf("round %d: %s placed twice", round, p.Node.Name)
			}
			at[p.Node] = p.Rect
		}
		scale := r.W * r.H / float64(tree.Bytes)
		var walk func(n *Node)
		walk = func(n *Node) {
			pr := at[n]
			var siblings []Rect
			for _, c := range n.Children {
				cr, ok := at[c]
				if c.Bytes <= 0 {
					if ok {
						t.Errorf("round %d: %s weighs nothing and has a rectangle", round, c.Name)
					}
					continue
				}
				if !ok {
					t.Fatalf("round %d: %s weighs %d and has no rectangle", round, c.Name, c.Bytes)
				}
				if want := float64(c.Bytes) * scale; math.Abs(cr.W*cr.H-want) > 1e-6*want+1e-9 {
					t.Errorf("round %d: %s has area %g, its weight %g", round, c.Name, cr.W*cr.H, want)
				}
				if !inside(cr, pr) {
					t.Errorf("round %d: %s %+v is not inside its parent's %+v", round, c.Name, cr, pr)
				}
				for _, s := range siblings {
					if overlap(cr, s) > 1e-6 {
						t.Errorf("round %d: %s %+v overlaps %+v", round, c.Name, cr, s)
					}
				}
				siblings = append(siblings, cr)
				walk(c)
			}
		}
		walk(tree)
	}
}

// TestLayoutInset wants the children inside the room the inset gives, and
// none under a parent it closes.
func TestLayoutInset(t *testing.T) {
	tree := randomTree(rand.New(rand.NewPCG(3, 4)), 4)
	placed := Layout(tree, Rect{0, 0, 800, 500}, display)
	parent := map[*Node]Placed{}
	closed := 0
	for _, p := range placed {
		for _, c := range p.Node.Children {
			parent[c] = p
		}
		if !p.Open && len(weighed(p.Node.Children)) > 0 {
			closed++
		}
	}
	if closed == 0 {
		t.Error("no parent is too small to show its children: the test shows nothing")
	}
	for _, p := range placed[1:] {
		pp := parent[p.Node]
		if !pp.Open {
			t.Errorf("%s is placed under %s, which is closed", p.Node.Name, pp.Node.Name)
		} else if !inside(p.Rect, pp.Inner) || !inside(pp.Inner, pp.Rect) {
			t.Errorf("%s %+v is not in the room %+v of its parent %+v", p.Node.Name, p.Rect, pp.Inner, pp.Rect)
		}
	}
}

// TestSquarifyPaper lays out the example of Bruls, Huizing and van Wijk
// (areas 6, 6, 4, 3, 2, 2, 1 in a 6 by 4 rectangle) and wants the paper's
// rows: 6 and 6 stacked on the left, then 4 and 3, then 2, 2 and 1.
func TestSquarifyPaper(t *testing.T) {
	got := squarify([]float64{6, 6, 4, 3, 2, 2, 1}, Rect{0, 0, 6, 4})
	// The paper's figure: 6 and 6 in a column 3 wide; 4 and 3 in a row 7/3
	// high across the 3 that are left; 2, 2 and 1 under them.
	check := func(i int, x, y, w, h float64) {
		t.Helper()
		r := got[i]
		if math.Abs(r.X-x)+math.Abs(r.Y-y)+math.Abs(r.W-w)+math.Abs(r.H-h) > 1e-9 {
			t.Errorf("rectangle %d of area %g: %+v, the paper's {%g %g %g %g}", i, r.W*r.H, r, x, y, w, h)
		}
	}
	check(0, 0, 0, 3, 2)
	check(1, 0, 2, 3, 2)
	check(2, 3, 0, 12.0/7, 7.0/3)
	check(3, 3+12.0/7, 0, 9.0/7, 7.0/3)
	for i := 4; i < 7; i++ {
		if r := got[i]; r.Y < 7.0/3-1e-9 || r.X < 3-1e-9 {
			t.Errorf("rectangle %d %+v is not in the last row", i, r)
		}
	}
}

// TestLayoutDeterministic lays out the same tree twice and wants the same
// rectangles.
func TestLayoutDeterministic(t *testing.T) {
	a := Layout(randomTree(rand.New(rand.NewPCG(5, 6)), 3), Rect{0, 0, 640, 480}, display)
	b := Layout(randomTree(rand.New(rand.NewPCG(5, 6)), 3), Rect{0, 0, 640, 480}, display)
	if len(a) != len(b) {
		t.Fatal("two layouts of the same tree differ in length")
	}
	for i := range a {
		if a[i].Node.Name != b[i].Node.Name || !reflect.DeepEqual(a[i].Rect, b[i].Rect) {
			t.Fatalf("two layouts of the same tree differ at %d: %+v, %+v", i, a[i], b[i])
		}
	}
}

// TestSquarifyDegenerate: no weight, or no room, gives empty rectangles
// rather than NaNs.
func TestSquarifyDegenerate(t *testing.T) {
	for _, r := range squarify([]float64{1, 2}, Rect{1, 1, 0, 10}) {
		if r.W != 0 || r.H != 0 || math.IsNaN(r.X) {
			t.Errorf("no room: %+v", r)
		}
	}
	if got := Layout(&Node{Bytes: 0, Children: []*Node{{Bytes: 0}}}, Rect{0, 0, 10, 10}, noInset); len(got) != 1 {
		t.Errorf("a tree of no weight places %d nodes, want the root alone", len(got))
	}
}

func inside(a, b Rect) bool {
	const eps = 1e-9
	return a.X >= b.X-eps && a.Y >= b.Y-eps && a.X+a.W <= b.X+b.W+eps && a.Y+a.H <= b.Y+b.H+eps
}

func overlap(a, b Rect) float64 {
	w := math.Min(a.X+a.W, b.X+b.W) - math.Max(a.X, b.X)
	h := math.Min(a.Y+a.H, b.Y+b.H) - math.Max(a.Y, b.Y)
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}
