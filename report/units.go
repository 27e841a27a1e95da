package report

import "strconv"

// human writes bytes in decimal SI units, as registries and docker show image
// sizes: "512 B", "41.2 kB", "412 kB", "2.9 MB". At most one place of
// decimals, and none from 100 up, so every label has three digits at most
// and reads at a glance. humanJS in page.js is the same function.
func human(n int64) string {
	if n < 0 {
		return "-" + human(-n)
	}
	if n < 1000 {
		return strconv.FormatInt(n, 10) + " B"
	}
	v := float64(n)
	units := []string{"kB", "MB", "GB", "TB", "PB", "EB"}
	for i, unit := range units {
		v /= 1000
		if v >= 999.5 && i < len(units)-1 {
			continue // it would round to 1000 of this unit: 1.0 of the next
		}
		digits := 1
		if v >= 99.95 {
			digits = 0
		}
		return strconv.FormatFloat(v, 'f', digits, 64) + " " + unit
	}
	panic("unreachable")
}

// percent writes part of whole with one place of decimals: "45.1%", and
// "<0.1%" for a part too small to show but not nothing.
func percent(part, whole int64) string {
	if whole <= 0 || part <= 0 {
		return "0%"
	}
	p := float64(part) * 100 / float64(whole)
	if p < 0.05 {
		return "<0.1%"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// ratio writes a/b as "1.04×".
func ratio(a, b int64) string {
	if b <= 0 {
		return "–"
	}
	return strconv.FormatFloat(float64(a)/float64(b), 'f', 2, 64) + "×"
}
