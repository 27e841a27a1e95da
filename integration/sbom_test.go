package integration

import (
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slimfile/slimfile/integration/oci"
)

// spdxStatement is the part of an in-toto SPDX attestation the test reads.
type spdxStatement struct {
	PredicateType string `json:"predicateType"`
	Predicate     struct {
		SPDXVersion string `json:"spdxVersion"`
		Packages    []struct {
			Name        string `json:"name"`
			VersionInfo string `json:"versionInfo"`
			Comment     string `json:"comment"`
		} `json:"packages"`
	} `json:"predicate"`
}

// sbomOf finds the SPDX statement attached to the image with manifest
// digest d in the layout.
func sbomOf(t *testing.T, l *oci.Layout, d v1.Hash) *spdxStatement {
	t.Helper()
	m, err := l.Index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, desc := range m.Manifests {
		if desc.Annotations["vnd.docker.reference.type"] != "attestation-manifest" || desc.Annotations["vnd.docker.reference.digest"] != d.String() {
			continue
		}
		att, err := l.Index.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		am, err := att.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		provenance := false
		for _, ld := range am.Layers {
			provenance = provenance || strings.HasPrefix(ld.Annotations["in-toto.io/predicate-type"], "https://slsa.dev/provenance/")
		}
		if !provenance {
			t.Errorf("no provenance attestation beside the SBOM of %s", d)
		}
		for _, ld := range am.Layers {
			if ld.Annotations["in-toto.io/predicate-type"] != "https://spdx.dev/Document" {
				continue
			}
			layer, err := att.LayerByDigest(ld.Digest)
			if err != nil {
				t.Fatal(err)
			}
			rc, err := layer.Compressed() // in-toto JSON is stored as is
			if err != nil {
				t.Fatal(err)
			}
			dt, _ := io.ReadAll(rc)
			rc.Close()
			var st spdxStatement
			if err := json.Unmarshal(dt, &st); err != nil {
				t.Fatalf("SPDX statement: %v", err)
			}
			return &st
		}
	}
	t.Fatalf("no SPDX attestation for %s", d)
	return nil
}

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
	if strings.Contains(b.out, "generating sbom using") {
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
			if i := strings.Index(pkg.Comment, "go.sum "); i >= 0 {
				line += " " + strings.Fields(pkg.Comment[i+len("go.sum "):])[0]
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
