package integration

import (
	"archive/tar"
	"compress/gzip"
	"debug/buildinfo"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
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

// TestReportMatchesNm: the report's code bytes per module, read from the
// function table of the stripped binary, agree with go tool nm's symbol
// sizes of the same build unstripped (build.strip: false), module by
// module, within a few percent; and asked not to strip nor trim, the
// report says what the binary holds without failing the build.
func TestReportMatchesNm(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "grpc-health")
	slim := filepath.Join(dir, "Slimfile")
	src, _ := os.ReadFile(slim)
	reportMatchesNm(t, dir)

	// The report of an unstripped, untrimmed build says so, and passes.
	os.WriteFile(slim, []byte(strings.TrimRight(string(src), "\n")+"\nbuild:\n  strip: false\n  trimpath: false\n"), 0o644)
	out, _, err := localOutput(t, dir, "report", "--opt", "platform=linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	dt, _ := os.ReadFile(filepath.Join(out, "linux_amd64", "report.json"))
	var u report.Report
	if err := json.Unmarshal(dt, &u); err != nil {
		t.Fatal(err)
	}
	rows := map[string]report.Check{}
	for _, c := range u.Binaries[0].Hardening {
		rows[c.Name] = c
	}
	if c := rows["stripped"]; !c.OK || !strings.Contains(c.Found, ".symtab") || !strings.Contains(c.Wanted, "not asked for") {
		t.Errorf("strip: false: %+v", c)
	}
	if c := rows["trimpath"]; !c.OK || !strings.Contains(c.Found, "/src") || !strings.Contains(c.Wanted, "not asked for") {
		t.Errorf("trimpath: false: %+v", c)
	}
}

// TestReportMatchesNmOfModule is TestReportMatchesNm's comparison on an
// open-source service at a tagged release, its main package at its module
// root, fetched from the Go module proxy: run by hand, as its builds take
// minutes (docs/report.md gives the figures):
//
//	SLIMFILE_NM_MODULE=github.com/coredns/coredns@v1.11.1 SLIMFILE_INTEGRATION=1 \
//	  go test ./integration/ -run TestReportMatchesNmOfModule -v -timeout 30m
func TestReportMatchesNmOfModule(t *testing.T) {
	mv := os.Getenv("SLIMFILE_NM_MODULE")
	if mv == "" {
		t.Skip("SLIMFILE_NM_MODULE=module@version names the service")
	}
	tmp := t.TempDir()
	cmd := exec.Command("go", "mod", "download", "-json", mv)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOMODCACHE="+filepath.Join(tmp, "modcache"), "GOFLAGS=-modcacherw", "GOWORK=off")
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v\n%s", mv, err, b)
	}
	var info struct{ Dir string }
	if err := json.Unmarshal(b, &info); err != nil || info.Dir == "" {
		t.Fatalf("go mod download %s: %s", mv, b)
	}
	dir := filepath.Join(tmp, "src")
	if b, err := exec.Command("cp", "-a", info.Dir+"/.", dir).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	exec.Command("chmod", "-R", "u+w", dir).Run()
	if err := os.WriteFile(filepath.Join(dir, "Slimfile"), []byte("# syntax="+frontend+"\nslimfile: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".dockerignore")); err == nil {
		// One written for the service's own Dockerfile (coredns's keeps
		// only its binary): the Slimfile gets its own, as its error says.
		os.WriteFile(filepath.Join(dir, "Slimfile.dockerignore"), []byte(".git\n"), 0o644)
	}
	reportMatchesNm(t, dir)
}

// reportMatchesNm checks the report of the module in dir against go tool
// nm of the same build unstripped, module by module (each module of 1% of
// the code or more within 3%, and the whole within 1%).
func reportMatchesNm(t *testing.T, dir string) {
	t.Helper()
	out, _, err := localOutput(t, dir, "report", "--opt", "platform=linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	var r report.Report
	dt, err := os.ReadFile(filepath.Join(out, "linux_amd64", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(dt, &r); err != nil {
		t.Fatal(err)
	}
	// The same build, unstripped.
	slim := filepath.Join(dir, "Slimfile")
	src, _ := os.ReadFile(slim)
	os.WriteFile(slim, []byte(strings.TrimRight(string(src), "\n")+"\nbuild:\n  strip: false\n"), 0o644)
	bins, _, err := localOutput(t, dir, "binaries", "--opt", "platform=linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(bins, "linux_amd64"))
	if len(entries) != 1 {
		t.Fatalf("binaries: %v", listDir(bins))
	}
	bin := filepath.Join(bins, "linux_amd64", entries[0].Name())
	nm := nmModules(t, bin)
	var total, nmTotal int64
	for _, m := range r.Binaries[0].Modules {
		total += m.Bytes
		nmTotal += nm[m.Path]
	}
	for _, m := range r.Binaries[0].Modules {
		if float64(m.Bytes) < 0.01*float64(total) {
			continue
		}
		if d := float64(m.Bytes-nm[m.Path]) / float64(nm[m.Path]); d > 0.03 || d < -0.03 {
			t.Errorf("%s: %d code bytes in the report, %d by go tool nm (%+.1f%%)", m.Path, m.Bytes, nm[m.Path], 100*d)
		}
	}
	if d := float64(total-nmTotal) / float64(nmTotal); d > 0.01 || d < -0.01 {
		t.Errorf("code in all: %d bytes in the report, %d by go tool nm (%+.1f%%); nm's text symbols of no module: %d bytes", total, nmTotal, 100*d, nm[""])
		// The modules that differ most, in bytes.
		ms := slices.Clone(r.Binaries[0].Modules)
		diff := func(i int) int64 { d := ms[i].Bytes - nm[ms[i].Path]; return max(d, -d) }
		sort.Slice(ms, func(i, j int) bool { return diff(i) > diff(j) })
		for _, m := range ms[:min(8, len(ms))] {
			t.Logf("  %s: %d in the report, %d by nm (%+d)", m.Path, m.Bytes, nm[m.Path], m.Bytes-nm[m.Path])
		}
	}
	t.Logf("code: %d bytes in the report, %d by go tool nm over the same modules (%d modules)", total, nmTotal, len(r.Binaries[0].Modules))
	os.WriteFile(slim, src, 0o644)
}

// nmModules is go tool nm's text bytes of bin by module: the standard
// library as stdlib, else the longest module path of the binary's build
// information that prefixes the symbol's package.
func nmModules(t *testing.T, bin string) map[string]int64 {
	t.Helper()
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	mods := []string{bi.Main.Path}
	for _, d := range bi.Deps {
		mods = append(mods, d.Path)
	}
	out, err := exec.Command("go", "tool", "nm", "-size", bin).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	sizes := map[string]int64{}
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || (f[2] != "T" && f[2] != "t") {
			continue
		}
		size, _ := strconv.ParseInt(f[1], 10, 64)
		pkg := symbolPackage(strings.Join(f[3:], " "))
		mod := ""
		if first, _, _ := strings.Cut(pkg, "/"); pkg != "" && !strings.Contains(first, ".") {
			mod = "stdlib"
		}
		for _, m := range mods {
			if pkg != "" && mod != "stdlib" && (pkg == m || strings.HasPrefix(pkg, m+"/")) && len(m) > len(mod) {
				mod = m
			}
		}
		sizes[mod] += size // "": no module's
	}
	return sizes
}

// symbolPackage is the import path of a Go symbol's package: up to the
// first dot after the last slash before any receiver or type argument
// ("" for a symbol of no package); a type's generated equality function
// is its type's package's. A dot in the package's last element is escaped
// in symbol names (gopkg.in/yaml%2ev3.Marshal): that escape is undone.
func symbolPackage(sym string) string {
	for _, p := range []string{"type:.eq.", "type:.hash."} {
		sym = strings.TrimPrefix(sym, p)
	}
	if strings.HasPrefix(sym, "type:") || strings.HasPrefix(sym, "go:") || !strings.Contains(sym, ".") {
		return ""
	}
	slash := strings.LastIndex(sym[:strings.IndexAny(sym+"([", "([")], "/")
	dot := strings.Index(sym[slash+1:], ".")
	if dot < 0 {
		return ""
	}
	// The linker escapes a dot in the last element (gopkg.in/yaml%2ev3).
	return strings.ReplaceAll(sym[:slash+1+dot], "%2e", ".")
}
