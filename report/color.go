package report

import (
	"fmt"
	"math"
)

// The colours say where bytes are: one hue per layer, a lighter shade at
// every level down, and the code of a binary in one hue per module, so that
// a module's packages read as one patch. Every fill is light enough for dark
// labels. fill in page.js is the same function.

// layerHues are the hues of the layers, in order, then again.
var layerHues = []float64{212, 28, 150, 268, 350, 190, 48, 110}

func layerHue(i int) float64 { return layerHues[i%len(layerHues)] }

// moduleHue steps round the colour wheel by the golden angle, so that any
// number of modules get hues apart from their neighbours'.
func moduleHue(i int) float64 { return math.Mod(200+float64(137.508*float64(i)), 360) }

// fill is the colour of a node at depth (1 for a layer) of hue; grey is for
// bytes that nothing in the model explains. A layer's shades fade as they
// go down (files, then a binary's parts), so that the modules of its code,
// in full colour, stand out from them.
func fill(hue float64, depth int, grey bool) string {
	// float64(x*y): no fused multiply-add (see treemap.go).
	d := float64(depth)
	l, s := 0.5+float64(0.07*d), 0.56-float64(0.07*d)
	if depth >= 4 { // modules and below: shades of their own hue
		l, s = 0.6+float64(0.08*(d-4)), 0.62
	}
	if grey {
		s = 0.08
	}
	return hsl(hue, s, math.Min(l, 0.9))
}

// hsl is the colour of hue (degrees), saturation and lightness (0 to 1) as
// "#rrggbb" (CSS's conversion; hex because not every SVG renderer reads hsl()).
func hsl(h, s, l float64) string {
	c := (1 - math.Abs(float64(2*l)-1)) * s
	hp := h / 60
	x := c * (1 - math.Abs(math.Mod(hp, 2)-1))
	var r, g, b float64
	switch int(hp) {
	case 0:
		r, g = c, x
	case 1:
		r, g = x, c
	case 2:
		g, b = c, x
	case 3:
		g, b = x, c
	case 4:
		r, b = x, c
	default:
		r, b = c, x
	}
	m := l - c/2
	return fmt.Sprintf("#%02x%02x%02x", byte(math.Round((r+m)*255)), byte(math.Round((g+m)*255)), byte(math.Round((b+m)*255)))
}
