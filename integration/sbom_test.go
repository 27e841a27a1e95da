package integration

import (
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/slimfile/slimfile/integration/oci"
)

// goVersionM runs `go version -m` on a binary and returns its Go version
// and "path version sum" lines of the main module (first) and its deps.
func goVersionM(t *testing.T, bin string) (string, []string) {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	lines := strings.Split(string(out), "\n")
	goVersion := strings.TrimSpace(lines[0][strings.LastIndex(lines[0], ":")+1:])
	var mods []string
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) >= 3 && (f[0] == "mod" || f[0] == "dep") {
			mods = append(mods, strings.Join(f[1:], " "))
		}
	}
	return goVersion, mods
}

// TestSBOMAgreesWithGoVersionM: --sbom gives each platform an SPDX
// attestation made by the frontend, listing exactly what `go version -m`
// reads from the same binary; --provenance still attaches provenance.
func TestSBOMAgreesWithGoVersionM(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "grpc-health")
	b, err := buildx(t, dir, "--sbom=true", "--provenance=mode=max")
	imgs := mustBuild(t, b, err)
	if len(imgs) != 2 {
		t.Fatalf("platforms %v", keys(imgs))
	}
	if len(b.progress.mentioning("generating sbom using")) > 0 {
		t.Errorf("BuildKit's scanner ran; the frontend should make the SBOM")
	}
	for p, img := range imgs {
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		st := sbomOf(t, b.layout, d)
		if st.PredicateType != "https://spdx.dev/Document" || st.Predicate.SPDXVersion != "SPDX-2.3" {
			t.Errorf("%s: predicate %q, %q", p, st.PredicateType, st.Predicate.SPDXVersion)
		}
		root := filepath.Join(t.TempDir(), "rootfs")
		if err := oci.Unpack(img, root); err != nil {
			t.Fatal(err)
		}
		goVersion, mods := goVersionM(t, filepath.Join(root, "usr/local/bin/greeter"))
		var fromSBOM []string
		stdlib := ""
		for _, pkg := range st.Predicate.Packages {
			if pkg.Name == "stdlib" {
				stdlib = pkg.VersionInfo
				continue
			}
			line := pkg.Name + " " + pkg.VersionInfo
			// The comment says what go.sum's hash is before giving it.
			if i := strings.Index(pkg.Comment, "): h1:"); i >= 0 {
				line += " " + strings.Fields(pkg.Comment[i+len("): "):])[0]
			}
			fromSBOM = append(fromSBOM, line)
		}
		if stdlib != goVersion {
			t.Errorf("%s: SBOM stdlib %q, go version -m says %q", p, stdlib, goVersion)
		}
		sort.Strings(mods[1:])
		sort.Strings(fromSBOM[1:])
		if strings.Join(mods, "\n") != strings.Join(fromSBOM, "\n") {
			t.Errorf("%s: SBOM modules\n%s\ngo version -m\n%s", p, strings.Join(fromSBOM, "\n"), strings.Join(mods, "\n"))
		}
		if len(mods) < 5 {
			t.Errorf("%s: only %d modules: %v", p, len(mods), mods)
		}
	}
}
