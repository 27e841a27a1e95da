package layerblob

import (
	"io/fs"
	"strings"
	"testing"
)

// TestOrder: entries are written in the order filepath.Walk visits a
// tree, which is not the order of their full paths.
func TestOrder(t *testing.T) {
	dir := func(p string) Entry { return Entry{Path: p, Mode: fs.ModeDir | 0o755} }
	file := func(p string) Entry { return Entry{Path: p, Mode: 0o644} }
	es, err := order([]Entry{file("a.txt"), file("a-b"), dir("a"), file("a/b"), file("a0"), dir("b"), file("b/c")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Path)
	}
	want := "a a/b a-b a.txt a0 b b/c"
	if strings.Join(got, " ") != want {
		t.Errorf("order %q, want %q", strings.Join(got, " "), want)
	}
	if _, err := order([]Entry{file("a/b")}); err == nil {
		t.Error("a missing parent is not an error")
	}
}

// diffAt logs where two blobs part.
func diffAt(t *testing.T, got, want []byte) {
	t.Helper()
	for i := 0; i < len(got) && i < len(want); i++ {
		if got[i] != want[i] {
			t.Logf("first differing byte at %d of %d/%d", i, len(got), len(want))
			return
		}
	}
	t.Logf("one is a prefix of the other: %d/%d bytes", len(got), len(want))
}
