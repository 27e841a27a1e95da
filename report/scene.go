package report

import (
	"strings"
	"unicode/utf8"
)

// How the treemap is drawn, in picture units. page.js has the same numbers.
const (
	headerH  = 18  // the label strip of a rectangle whose children show
	margin   = 2   // between a labelled parent's edge and its children
	minShown = 0.5 // a rectangle thinner than this is not drawn (nor its children)
)

// display is the Inset of both pictures. The root (the image, or where the
// page is zoomed in) gives its children all its room: the title or the
// breadcrumb names it. A rectangle with room for a label strip and
// something under it gets one; a smaller one gives its children all but a
// 1-unit border, and one too small for that shows none.
func display(n *Node, r Rect, depth int) (Rect, bool) {
	switch {
	case depth == 0:
		return r, true
	case hasStrip(r):
		return Rect{r.X + margin, r.Y + headerH, r.W - 2*margin, r.H - headerH - margin}, true
	case r.W >= 10 && r.H >= 10:
		return Rect{r.X + 1, r.Y + 1, r.W - 2, r.H - 2}, true
	}
	return r, false
}

// hasStrip is whether a rectangle whose children show is big enough for a
// label strip above them.
func hasStrip(r Rect) bool { return r.W >= 60 && r.H >= 48 }

// shown is whether a placed rectangle is drawn.
func shown(p Placed) bool { return p.Depth > 0 && p.Rect.W >= minShown && p.Rect.H >= minShown }

// labelLine is one line of text on a rectangle.
type labelLine struct {
	X, Y float64
	Size float64 // font size
	Bold bool
	Text string
}

// labels are the lines written on p, if it has room for any: a labelled
// parent's strip says its name, size and share of the image on one line; a
// leaf says its name, and under it its size and share. whole is the image's
// compressed bytes.
func labels(p Placed, whole int64) []labelLine {
	r, n := p.Rect, p.Node
	size, pct := human(n.Bytes), percent(n.Bytes, whole)
	room := r.W - 8
	if p.Open && p.Depth > 0 && hasStrip(r) {
		for _, t := range []string{n.Label + " · " + size + " · " + pct, n.Label + " · " + size} {
			if textWidth(t, 11, true) <= room {
				return []labelLine{{r.X + 4, r.Y + 13, 11, true, t}}
			}
		}
		if t := fit(n.Label, n.Kind, room, 11, true); t != "" {
			return []labelLine{{r.X + 4, r.Y + 13, 11, true, t}}
		}
		return nil
	}
	if p.Open || r.H < 16 || r.W < 24 {
		return nil
	}
	name := fit(n.Label, n.Kind, room, 12, true)
	if name == "" {
		return nil
	}
	if r.H < 34 {
		if t := name + " " + size; name == n.Label && textWidth(t, 12, true) <= room {
			name = t
		}
		return []labelLine{{r.X + 4, r.Y + 13, 12, true, name}}
	}
	out := []labelLine{{r.X + 4, r.Y + 16, 12, true, name}}
	for _, t := range []string{size + " · " + pct, size} {
		if textWidth(t, 11, false) <= room {
			return append(out, labelLine{r.X + 4, r.Y + 30, 11, false, t})
		}
	}
	return out
}

// fit is the longest of the short forms of a label that fits in width, or
// the shortest cut with an ellipsis, or "" when not three characters fit.
func fit(label, kind string, width, size float64, bold bool) string {
	forms := shortForms(label, kind)
	for _, f := range forms {
		if textWidth(f, size, bold) <= width {
			return f
		}
	}
	rs := []rune(forms[len(forms)-1])
	for k := len(rs) - 1; k >= 3; k-- {
		if t := string(rs[:k]) + "…"; textWidth(t, size, bold) <= width {
			return t
		}
	}
	return ""
}

// shortForms are a label and its ever shorter forms that still name the
// thing: a path loses its leading elements ("…/impl"), a method its
// receiver ("serve" for "(*conn).serve").
func shortForms(label, kind string) []string {
	forms := []string{label}
	switch kind {
	case "module", "package", "file":
		for i, c := range label {
			if c == '/' && i < len(label)-1 {
				forms = append(forms, "…/"+label[i+1:])
			}
		}
	case "function":
		if i := strings.LastIndex(label, ")."); i >= 0 {
			forms = append(forms, label[i+2:])
		}
	}
	return forms
}

// textWidth estimates how wide s is at a font size: a static SVG cannot
// measure its text, and a label that overflows its rectangle is worse than
// one cut short. The widths are DejaVu Sans's, wider than most system
// fonts, so that a label fits wherever the SVG is shown.
func textWidth(s string, size float64, bold bool) float64 {
	var em float64
	for _, c := range s {
		switch {
		case strings.ContainsRune("ijl'|.,:;!", c):
			em += 0.30
		case strings.ContainsRune("ftr()[]{}/ -·", c):
			em += 0.39
		case strings.ContainsRune("mwMW@%…", c):
			em += 0.98
		case c >= 'A' && c <= 'Z':
			em += 0.74
		case c >= utf8.RuneSelf:
			em += 0.9
		default:
			em += 0.63
		}
	}
	if bold {
		em *= 1.1
	}
	return em * size
}
