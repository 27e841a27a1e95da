package report

import (
	"math/big"
	"math/bits"
)

// apportion splits whole into integer shares proportional to sizes. Each
// share is rounded down and what rounding leaves goes to the largest size
// (the first of equals), so that the shares add up exactly to whole: a
// treemap that lost a few bytes at every level would not add up. Sizes of
// zero or less get nothing; when no size is positive, nothing is shared.
// The page's script does the same (share, in page.js), so that both pictures
// give a rectangle the same bytes.
func apportion(whole int64, sizes []int64) []int64 {
	out := make([]int64, len(sizes))
	var total int64
	largest := -1
	for i, s := range sizes {
		if s <= 0 {
			continue
		}
		total += s
		if largest < 0 || s > sizes[largest] {
			largest = i
		}
	}
	if whole <= 0 || largest < 0 {
		return out
	}
	var sum int64
	for i, s := range sizes {
		if s > 0 {
			out[i] = mulDiv(s, whole, total)
			sum += out[i]
		}
	}
	out[largest] += whole - sum
	return out
}

// mulDiv is a*b/c rounded down, for 0 <= a <= c and b >= 0, without overflow
// (a binary's bytes times a layer's can exceed 63 bits).
func mulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi < uint64(c) {
		q, _ := bits.Div64(hi, lo, uint64(c))
		return int64(q)
	}
	var x big.Int // a > c: only an inconsistent caller gets here
	x.Mul(big.NewInt(a), big.NewInt(b))
	return x.Quo(&x, big.NewInt(c)).Int64()
}
