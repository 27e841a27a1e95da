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
	bin, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Binary(bin); err != nil {
			b.Fatal(err)
		}
	}
}
