package main

import "testing"

// TestOlder: the toolchain check of the debug tools compares Go versions
// as the go line and go env GOVERSION write them.
func TestOlder(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"1.24.9", "1.25.0", true},
		{"1.25.0", "1.25.0", false},
		{"1.26.8", "1.25.0", false},
		{"1.25", "1.25.0", false},
		{"1.25rc1", "1.25.0", false},
		{"1.9.2", "1.25.0", true},
		{"2.0.0", "1.25.0", false},
	} {
		if got := older(c.a, c.b); got != c.want {
			t.Errorf("older(%s, %s) = %v", c.a, c.b, got)
		}
	}
}
