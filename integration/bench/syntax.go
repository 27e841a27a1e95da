package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// dockerfileFrontend builds BuildKit's Dockerfile frontend (the one
// `# syntax=docker/dockerfile:1` names) at the buildkit version in go.mod
// and publishes it in the loopback registry as docker/dockerfile:1, which
// the test bed's mirror serves for Docker Hub. With it, the expert
// Dockerfile can run through a gateway frontend container as a Slimfile
// does, so the two are compared on the same path.
//
// The binary is built once into the tool cache.
func dockerfileFrontend() {
	reg := os.Getenv("SLIMFILE_REGISTRY")
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "github.com/moby/buildkit").Output()
	check(err)
	bk := strings.TrimSpace(string(out))
	bin := filepath.Join(toolCache(), "dockerfile-frontend-"+bk, "dockerfile-frontend")
	if _, err := os.Stat(bin); err != nil {
		// As the test bed builds buildkitd: buildkit's go.mod has exclude
		// directives, so a throwaway module that requires it builds it.
		work, err := os.MkdirTemp("", "slimfile-bench-tools-")
		check(err)
		defer os.RemoveAll(work)
		for _, args := range [][]string{
			{"mod", "init", "slimfile.local/tools"},
			{"get", "github.com/moby/buildkit/frontend/dockerfile/cmd/dockerfile-frontend@" + bk},
			{"build", "-trimpath", "-ldflags=-s -w", "-o", bin, "github.com/moby/buildkit/frontend/dockerfile/cmd/dockerfile-frontend"},
		} {
			cmd := exec.Command("go", args...)
			cmd.Dir = work
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
			if out, err := cmd.CombinedOutput(); err != nil {
				fail(fmt.Errorf("building the Dockerfile frontend %s: go %s: %v\n%s", bk, strings.Join(args, " "), err, out))
			}
		}
	}
	publishFrontend(bin, reg+"/docker/dockerfile:1")
}

// nullFrontend builds the frontend that builds nothing (./nullfrontend)
// and publishes it in the loopback registry; it returns its reference.
func nullFrontend() string {
	dir, err := os.MkdirTemp("", "slimfile-bench-null-")
	check(err)
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "nullfrontend")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./integration/bench/nullfrontend")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fail(fmt.Errorf("building the null frontend: %v\n%s", err, out))
	}
	ref := os.Getenv("SLIMFILE_REGISTRY") + "/bench/nullfrontend:1"
	publishFrontend(bin, ref)
	return ref
}

// publishFrontend pushes an image that runs the frontend binary bin, with
// the labels BuildKit reads from a frontend image, as ref.
func publishFrontend(bin, ref string) {
	dir, err := os.MkdirTemp("", "slimfile-bench-frontend-")
	check(err)
	defer os.RemoveAll(dir)
	check(exec.Command("cp", bin, filepath.Join(dir, "frontend")).Run())
	check(os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(`FROM scratch
COPY frontend /bin/frontend
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/bin/frontend"]
`), 0o644))
	out, err := exec.Command("buildctl", "build", "--frontend", "dockerfile.v0", "--local", "context="+dir, "--local", "dockerfile="+dir,
		"--output", "type=image,name="+ref+",push=true,registry.insecure=true").CombinedOutput()
	if err != nil {
		fail(fmt.Errorf("publishing %s: %v\n%s", ref, err, out))
	}
}
