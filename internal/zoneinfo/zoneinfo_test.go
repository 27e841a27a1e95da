package zoneinfo_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/slimfile/slimfile/internal/zoneinfo"
)

// The repacked zoneinfo.zip holds every entry of Go's, byte for byte and
// stored; the time package loads every zone from it; it is deterministic
// and gzips smaller than the original.
func TestRepackZoneinfo(t *testing.T) {
	orig, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Skipf("no zoneinfo.zip in this Go installation: %v", err)
	}
	packed, err := zoneinfo.Repack(orig)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := zoneinfo.Repack(orig)
	if !bytes.Equal(packed, again) {
		t.Fatal("RepackZoneinfo is not deterministic")
	}
	want := entries(t, orig)
	got := entries(t, packed)
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for name, content := range want {
		if !bytes.Equal(got[name], content) {
			t.Errorf("%s differs", name)
		}
	}
	// The time package reads ZONEINFO's zip itself, and only stored
	// entries (it falls back to the system's zones otherwise, which a
	// test on this machine would not notice): every entry is stored, and
	// loads as the zone it names. examples/hello loads Asia/Tokyo from the
	// image, on scratch, where no other time zone data exists.
	z, err := zip.NewReader(bytes.NewReader(packed), int64(len(packed)))
	if err != nil {
		t.Fatal(err)
	}
	zones := 0
	for _, f := range z.File {
		if f.Method != zip.Store {
			t.Errorf("%s: compression method %d, want stored", f.Name, f.Method)
		}
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		loc, err := time.LoadLocationFromTZData(f.Name, got[f.Name])
		if err != nil || loc.String() != f.Name {
			t.Errorf("%s: loads as %v, %v", f.Name, loc, err)
		}
		zones++
	}
	if zones < 300 {
		t.Errorf("%d zones loaded, want every one of Go's (about 600)", zones)
	}
	if g0, g1 := gzipLen(orig), gzipLen(packed); g1 >= g0*9/10 {
		t.Errorf("gzip of the repacked zip is %d bytes, of the original %d: want at least 10%% less", g1, g0)
	} else {
		t.Logf("gzip: original %d bytes, repacked %d (%.1f%%)", g0, g1, 100*float64(g1)/float64(g0))
	}
}

func entries(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]byte{}
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		m[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return m
}

func gzipLen(b []byte) int {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Len()
}
