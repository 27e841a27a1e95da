package derive

import (
	"os"
	"testing"
)

// BenchmarkBinary analyses the binary named by DERIVE_BENCH_BINARY (a
// large service: the time the derivation step adds to a rebuild).
func BenchmarkBinary(b *testing.B) {
	path := os.Getenv("DERIVE_BENCH_BINARY")
	if path == "" {
		b.Skip("DERIVE_BENCH_BINARY is not set")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	for b.Loop() {
		if _, err := Binary(f); err != nil {
			b.Fatal(err)
		}
	}
}
