package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestKeepSourcesAtOnce keeps one module's sources from several steps at
// once, as the platforms of one build do: the copy that is left is whole,
// whichever step was first, and no step's temporary copy is left behind.
func TestKeepSourcesAtOnce(t *testing.T) {
	src := t.TempDir()
	want := map[string][]byte{}
	for i := range 40 {
		name := filepath.Join(fmt.Sprintf("pkg%d", i%5), fmt.Sprintf("f%d.go", i))
		want[name] = bytes.Repeat([]byte(fmt.Sprintf("// %d\n", i)), 20000)
		if err := os.MkdirAll(filepath.Join(src, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, name), want[name], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root := t.TempDir()
	dir := filepath.Join(root, "digest")
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = copySources(src, dir)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("step %d: %v", i, err)
		}
	}
	for name, dt := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, dt) {
			t.Errorf("%s: %d bytes of %d (%v)", name, len(got), len(dt), err)
		}
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Errorf("left in the cache: %v", entries)
	}
}

// TestPruneSourcesSparesRecent: beyond keepMax, only copies neither kept
// nor read within inUse are removed.
func TestPruneSourcesSparesRecent(t *testing.T) {
	root := t.TempDir()
	old := time.Now().Add(-2 * inUse)
	for i := range keepMax + 4 {
		d := filepath.Join(root, fmt.Sprintf("d%02d", i))
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if i < 2 { // the two oldest
			if err := os.Chtimes(d, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	pruneSources(root)
	entries, _ := os.ReadDir(root)
	if len(entries) != keepMax+2 {
		t.Fatalf("%d copies left, want %d", len(entries), keepMax+2)
	}
	for _, e := range entries {
		if e.Name() == "d00" || e.Name() == "d01" {
			t.Errorf("%s, the oldest, was kept", e.Name())
		}
	}
}
