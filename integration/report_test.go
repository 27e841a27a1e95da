package integration

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slimfile/slimfile/report"
)

// TestReport: the report output of examples/hello, for two platforms,
// says of every layer what the exported image has, byte for byte: its
// digest and compressed size are the OCI layout's, its tar size the
// layer's, and its files are the tar's entries with their sizes; the
// binary's parts add up to its size, with the three largest modules named
// in the image build's progress line; the hardening checks pass; the page
// and the picture are there, with the vulnerability findings.
func TestReport(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "hello")
	platforms := "linux/amd64,linux/arm64"
	b, err := buildx(t, dir, append(mirror(), "--platform", platforms)...)
	imgs := mustBuild(t, b, err)
	for _, p := range []string{"linux/amd64", "linux/arm64"} {
		line := b.progress.mentioning("[" + p + "] image about ")
		if len(line) != 1 || !strings.Contains(line[0], "/usr/local/bin/hello ") || !strings.Contains(line[0], "stdlib ") {
			t.Errorf("%s: the progress line of sizes: %q", p, line)
		}
	}
	out, _, err := localOutput(t, dir, "report", append(mirrorOpt(), "--opt", "platform="+platforms)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"linux/amd64", "linux/arm64"} {
		pdir := filepath.Join(out, strings.ReplaceAll(p, "/", "_"))
		var r report.Report
		dt, err := os.ReadFile(filepath.Join(pdir, "report.json"))
		if err != nil {
			t.Fatalf("%s: %v (%v)", p, err, listDir(out))
		}
		if err := json.Unmarshal(dt, &r); err != nil {
			t.Fatal(err)
		}
		if bad := report.Inconsistencies(&r); len(bad) > 0 {
			t.Errorf("%s: the report does not add up: %q", p, bad)
		}
		checkReportLayers(t, p, &r, imgs[p])
		if len(r.Binaries) != 1 || r.Binaries[0].Path != "/usr/local/bin/hello" {
			t.Fatalf("%s: binaries %+v", p, r.Binaries)
		}
		bin := r.Binaries[0]
		if len(bin.Modules) == 0 || bin.Modules[0].Path != "stdlib" || bin.GoVersion == "" {
			t.Errorf("%s: modules %+v, Go %q", p, bin.Modules, bin.GoVersion)
		}
		for _, c := range bin.Hardening {
			if !c.OK && !c.Info {
				t.Errorf("%s: hardening check %s failed: %s", p, c.Name, c.Found)
			}
		}
		if r.Seccomp == nil || r.Seccomp.Profile != "default" || len(r.Seccomp.BinaryCalls) == 0 || len(r.Seccomp.Allowed) <= len(r.Seccomp.BinaryCalls)/2 || r.Seccomp.GoList == 0 {
			t.Errorf("%s: seccomp %+v", p, r.Seccomp)
		}
		if r.Vulns == nil || len(r.Vulns.Findings) == 0 {
			t.Errorf("%s: no vulnerability findings in the report", p)
		}
		if r.Floor.Total == 0 || r.Floor.Image != r.Image.Compressed || r.Floor.Total > r.Image.Compressed {
			t.Errorf("%s: floor %+v against image %d", p, r.Floor, r.Image.Compressed)
		}
		for _, name := range []string{"report.html", "report.svg"} {
			if fi, err := os.Stat(filepath.Join(pdir, name)); err != nil || fi.Size() < 1000 {
				t.Errorf("%s: %s: %v", p, name, err)
			}
		}
	}
}

// checkReportLayers: the report's layers are the image's, blob for blob.
func checkReportLayers(t *testing.T, p string, r *report.Report, img v1.Image) {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != len(r.Image.Layers) {
		t.Fatalf("%s: %d layers in the report, %d in the image", p, len(r.Image.Layers), len(layers))
	}
	for i, l := range layers {
		rl := r.Image.Layers[i]
		d, _ := l.Digest()
		size, _ := l.Size()
		if rl.Digest != d.String() || rl.Compressed != size {
			t.Errorf("%s: layer %d (%s): the report says %s, %d bytes; the image has %s, %d bytes", p, i+1, rl.What, rl.Digest, rl.Compressed, d, size)
		}
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(rc)
		if err != nil {
			t.Fatal(err)
		}
		counted := &countingReader{r: zr}
		tr := tar.NewReader(counted)
		entries := map[string]int64{}
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Typeflag == tar.TypeReg {
				entries["/"+strings.TrimSuffix(h.Name, "/")] = h.Size
			}
		}
		io.Copy(io.Discard, counted)
		rc.Close()
		if counted.n != rl.Size {
			t.Errorf("%s: layer %d: the report's tar is %d bytes, the image's %d", p, i+1, rl.Size, counted.n)
		}
		for _, f := range rl.Files {
			if f.Mode == "dir" || f.Mode == "symlink" || f.Path == report.TarHeaders {
				continue
			}
			if want, ok := entries[f.Path]; !ok || want != f.Size {
				t.Errorf("%s: layer %d: %s is %d bytes in the report, %d in the tar (present: %v)", p, i+1, f.Path, f.Size, want, ok)
			}
			delete(entries, f.Path)
		}
		if len(entries) > 0 {
			t.Errorf("%s: layer %d: files of the tar the report lacks: %v", p, i+1, entries)
		}
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
