package binfacts

import (
	"os"
	"testing"
)

// benchBinary is the binary named by BINFACTS_BENCH_BINARY (a large service,
// to measure what the checks add to a rebuild), else the test program
// stripped.
func benchBinary(b *testing.B) []byte {
	if path := os.Getenv("BINFACTS_BENCH_BINARY"); path != "" {
		return readBin(b, path)
	}
	return readBin(b, build(b, amd64Stripped))
}

func BenchmarkHarden(b *testing.B) {
	bin := benchBinary(b)
	e := Expect{Stripped: true, Trimpath: true, BuilderPaths: []string{progDir(), goEnv(b, "GOROOT"), goEnv(b, "GOMODCACHE")}}
	b.SetBytes(int64(len(bin)))
	for b.Loop() {
		if _, err := Harden(bin, e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAttribute(b *testing.B) {
	bin := benchBinary(b)
	b.SetBytes(int64(len(bin)))
	for b.Loop() {
		if _, err := Attribute(bin); err != nil {
			b.Fatal(err)
		}
	}
}
