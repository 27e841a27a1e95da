package report

import (
	"math/rand/v2"
	"testing"
)

// TestEstimateCompressed wants the shares to add up exactly to the layer's
// compressed bytes, each within a byte of its exact proportion but the
// largest file's (which takes what rounding leaves), and the tar's headers
// and padding drawn as a pseudo-file of their own.
func TestEstimateCompressed(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for round := range 500 {
		var l Layer
		for range 1 + rng.IntN(30) {
			f := File{Path: "f", Size: rng.Int64N(1 << 30), Mode: "0644", Binary: -1}
			if rng.IntN(4) == 0 {
				f.Size, f.Mode = 0, "dir"
			}
			l.Files = append(l.Files, f)
		}
		l.Size = tarSize(l.Files)
		l.Compressed = 1 + rng.Int64N(l.Size)
		EstimateCompressed(&l)
		var sum, content int64
		largest := 0
		for i, f := range l.Files {
			sum += f.Compressed
			if f.Size > l.Files[largest].Size {
				largest = i
			}
			if i < len(l.Files)-1 {
				content += f.Size
			}
		}
		if sum != l.Compressed {
			t.Fatalf("round %d: the shares add up to %d, the layer has %d", round, sum, l.Compressed)
		}
		last := l.Files[len(l.Files)-1]
		if last.Path != TarHeaders || last.Size != l.Size-content || last.Binary != -1 {
			t.Fatalf("round %d: the tar's overhead is %+v, want %d bytes", round, last, l.Size-content)
		}
		for i, f := range l.Files {
			exact := float64(f.Size) * float64(l.Compressed) / float64(l.Size)
			if d := float64(f.Compressed) - exact; i != largest && (d > 1 || d < -1) {
				t.Fatalf("round %d: file %d of %d bytes has %d, its proportion is %.1f", round, i, f.Size, f.Compressed, exact)
			}
		}
		// Estimating again changes nothing: the pseudo-file is made anew.
		before := append([]File(nil), l.Files...)
		EstimateCompressed(&l)
		if len(l.Files) != len(before) || l.Files[len(l.Files)-1] != before[len(before)-1] {
			t.Fatalf("round %d: a second estimate gives %+v", round, l.Files[len(l.Files)-1])
		}
	}
}

func TestEstimateCompressedEdges(t *testing.T) {
	dirs := Layer{Compressed: 120, Size: 2048, Files: []File{dir("/a"), dir("/b")}}
	EstimateCompressed(&dirs)
	if n := len(dirs.Files); n != 3 || dirs.Files[2].Path != TarHeaders || dirs.Files[2].Compressed != 120 {
		t.Errorf("a layer of directories: %+v", dirs.Files)
	}
	// A layer of terabytes does not overflow.
	big := Layer{Compressed: 900 << 30, Size: 2 << 40, Files: []File{file("/x", 1<<40, "0644"), file("/y", 1<<40-4096, "0644")}}
	EstimateCompressed(&big)
	if big.Files[0].Compressed+big.Files[1].Compressed+big.Files[2].Compressed != big.Compressed || big.Files[0].Compressed != 450<<30 {
		t.Errorf("a big layer: %+v", big.Files)
	}
	// Files that claim more than the tar has share it without a pseudo-file.
	over := Layer{Compressed: 10, Size: 5, Files: []File{file("/x", 6, "0644"), file("/y", 4, "0644")}}
	EstimateCompressed(&over)
	if len(over.Files) != 2 || over.Files[0].Compressed != 6 || over.Files[1].Compressed != 4 {
		t.Errorf("files over the tar's size: %+v", over.Files)
	}
}

// TestApportion: exact sums, nothing for sizes of nothing, the remainder to
// the first of the largest.
func TestApportion(t *testing.T) {
	for _, c := range []struct {
		whole int64
		sizes []int64
		want  []int64
	}{
		{10, []int64{1, 1, 1}, []int64{4, 3, 3}},
		{11, []int64{1, 2, 2}, []int64{2, 5, 4}},
		{7, []int64{0, 5, -3, 5}, []int64{0, 4, 0, 3}},
		{0, []int64{1, 2}, []int64{0, 0}},
		{5, []int64{0, 0}, []int64{0, 0}},
		{1 << 62, []int64{1 << 62, 1 << 62}, []int64{1 << 61, 1 << 61}},
	} {
		got := apportion(c.whole, c.sizes)
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("apportion(%d, %v) = %v, want %v", c.whole, c.sizes, got, c.want)
				break
			}
		}
	}
}

func TestHuman(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 999: "999 B", 1000: "1.0 kB", 41_249: "41.2 kB", 99_949: "99.9 kB", 99_950: "100 kB",
		412_000: "412 kB", 999_499: "999 kB", 999_500: "1.0 MB", 2_941_867: "2.9 MB", 123_456_789: "123 MB",
		7_340_032_000: "7.3 GB", -1500: "-1.5 kB",
	} {
		if got := human(n); got != want {
			t.Errorf("human(%d) = %q, want %q", n, got, want)
		}
	}
	for _, c := range []struct {
		part, whole int64
		want        string
	}{{1, 3, "33.3%"}, {1, 10000, "<0.1%"}, {0, 5, "0%"}, {5, 0, "0%"}, {5, 5, "100.0%"}} {
		if got := percent(c.part, c.whole); got != c.want {
			t.Errorf("percent(%d, %d) = %q, want %q", c.part, c.whole, got, c.want)
		}
	}
}
