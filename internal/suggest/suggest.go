// Package suggest finds the name a user probably meant: for the "did you
// mean" of errors about Slimfile keys, values and system call names. It
// has no dependencies, so that the seccomp derivation binary, which uses
// the security package, does not link the Slimfile parser.
package suggest

import "strings"

// Nearest returns the candidate closest to s by edit distance, if it is
// close enough to be a plausible typo.
func Nearest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+2
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
