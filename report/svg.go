package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// The size of report.svg: wide enough for a README or a pull-request
// comment, which scale it down to their column.
const (
	svgW, svgH = 1000, 640
	svgTop     = 50 // the title lines above the treemap
)

// fontStack is the system font of every platform: the report ships no font.
const fontStack = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

// inkColor is the colour of every label: dark on the light fills.
const inkColor = "#1d2433"

// writeSVG draws the treemap of r down to packages as a static SVG, every
// rectangle with a <title> tooltip, and a title line with the image's totals.
func writeSVG(r *Report) []byte {
	root := buildTree(r, false)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="%s" font-size="12">`+"\n",
		svgW, svgH, svgW, svgH, esc(fontStack))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", svgW, svgH)
	fmt.Fprintf(&b, `<text x="8" y="22" font-size="17" font-weight="700" fill="%s">%s</text>`+"\n", inkColor, esc(title(r)))
	fmt.Fprintf(&b, `<text x="8" y="40" font-size="12" fill="#5b6472">%s</text>`+"\n", esc(totals(r)+" · each layer's compressed bytes shared over its files by size (estimated)"))
	placed := Layout(root, Rect{8, svgTop, svgW - 16, svgH - svgTop - 8}, display)
	b.WriteString(`<g stroke="#ffffff" stroke-width="1">` + "\n")
	for _, p := range placed {
		if !shown(p) {
			continue
		}
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" data-kind="%s" data-name="%s" data-bytes="%d"><title>%s</title></rect>`+"\n",
			num(p.Rect.X), num(p.Rect.Y), num(p.Rect.W), num(p.Rect.H), p.Node.Fill,
			p.Node.Kind, esc(p.Node.Name), p.Node.Bytes, esc(tooltip(p.Node, root.Bytes)))
	}
	b.WriteString("</g>\n" + `<g fill="` + inkColor + `" pointer-events="none">` + "\n")
	for _, p := range placed {
		if !shown(p) {
			continue
		}
		for _, l := range labels(p, root.Bytes) {
			weight := ""
			if l.Bold {
				weight = ` font-weight="600"`
			}
			fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="%s"%s>%s</text>`+"\n", num(l.X), num(l.Y), num(l.Size), weight, esc(l.Text))
		}
	}
	b.WriteString("</g>\n</svg>\n")
	return b.Bytes()
}

// title is the first line of both pictures: what the image is.
func title(r *Report) string {
	return strings.TrimSpace(r.Target + " · " + r.Platform)
}

// totals is the line of the image's sizes under the title.
func totals(r *Report) string {
	s := fmt.Sprintf("%s compressed · %s uncompressed · %d layers", human(r.Image.Compressed), human(r.Image.Size), len(r.Image.Layers))
	if r.Floor.Total > 0 {
		s += fmt.Sprintf(" · %s the floor of %s", ratio(r.Floor.Image, r.Floor.Total), human(r.Floor.Total))
	}
	return s
}

// tooltip is what hovering a rectangle of the SVG says.
func tooltip(n *Node, whole int64) string {
	var b strings.Builder
	b.WriteString(n.title())
	if n.Detail != "" {
		b.WriteString("\n" + n.Detail)
	}
	fmt.Fprintf(&b, "\n%s compressed (%d bytes), %s of the image", human(n.Bytes), n.Bytes, percent(n.Bytes, whole))
	if n.Size > 0 {
		fmt.Fprintf(&b, "\n%s uncompressed", human(n.Size))
	}
	return b.String()
}

// num writes a coordinate with one place of decimals at most.
func num(v float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0")
}

// esc escapes s for XML text and attribute values alike. Characters XML
// cannot hold (control characters, invalid UTF-8) become U+FFFD.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
