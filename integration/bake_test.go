package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slimfile/slimfile/integration/oci"
)

// TestBakeTwoBinaries runs examples/two-binaries/docker-bake.hcl: both
// targets, two platforms each, SBOM and provenance, as a CI job would.
func TestBakeTwoBinaries(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "two-binaries")
	out := t.TempDir()
	cmd := exec.Command("docker", "buildx", "bake", "--builder", builder, rawjson, "-f", "docker-bake.hcl", "--allow=fs.write="+out,
		"--set", "api.output=type=oci,dest="+filepath.Join(out, "api.tar"),
		"--set", "worker.output=type=oci,dest="+filepath.Join(out, "worker.tar"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "VERSION=1.2.3")
	if b, err := cmd.CombinedOutput(); err != nil {
		p, perr := readProgress(b)
		t.Fatalf("bake: %v (%v)\n%s", err, perr, tail(p.String(), 40))
	}
	want := map[string]string{"api": "api 1.2.3 extra", "worker": "worker 1.2.3 plain uid=0"}
	for target, prefix := range want {
		l, err := oci.Open(filepath.Join(out, target+".tar"))
		if err != nil {
			t.Fatal(err)
		}
		imgs, err := l.Images()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(keys(imgs), " ") != "linux/amd64 linux/arm64" {
			t.Fatalf("%s: platforms %v", target, keys(imgs))
		}
		for p, img := range imgs {
			if got := runImage(t, img); !strings.HasPrefix(got, prefix) {
				t.Errorf("%s %s: output %q, want it to start with %q", target, p, got, prefix)
			}
			d, _ := img.Digest()
			if st := sbomOf(t, l, d); len(st.Predicate.Packages) < 2 {
				t.Errorf("%s %s: SBOM packages %v", target, p, st.Predicate.Packages)
			}
		}
	}
}
