package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// koVariant builds with ko on this machine's Go and pushes to the loopback
// registry, on the static base staticBase describes.
type koVariant struct {
	bin, base, repo string
	caches          string // GOCACHE and GOMODCACHE live here
}

func newKo(goVersion, platform string) *koVariant {
	reg := os.Getenv("SLIMFILE_REGISTRY")
	if reg == "" {
		fail(fmt.Errorf("SLIMFILE_REGISTRY is not set: source the test bed env"))
	}
	k := &koVariant{bin: installKo(), repo: reg + "/bench/ko", base: reg + "/bench/static:" + goVersion}
	// The base, built and pushed once, like pulling gcr.io/distroless/static.
	dir, err := os.MkdirTemp("", "slimfile-bench-base-")
	check(err)
	defer os.RemoveAll(dir)
	check(os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(strings.ReplaceAll(staticBase, "{{GO}}", goVersion)), 0o644))
	out, err := exec.Command("buildctl", "build", "--frontend", "dockerfile.v0", "--local", "context="+dir, "--local", "dockerfile="+dir,
		"--opt", "platform="+platform, "--output", "type=image,name="+k.base+",push=true,registry.insecure=true").CombinedOutput()
	if err != nil {
		fail(fmt.Errorf("building ko's base image: %v\n%s", err, out))
	}
	return k
}

// installKo builds the pinned ko from the Go module proxy into the tool
// cache, once.
func installKo() string {
	dt, err := os.ReadFile("integration/testbed/versions")
	check(err)
	var version string
	for _, line := range strings.Split(string(dt), "\n") {
		if v, ok := strings.CutPrefix(line, "ko_version="); ok {
			version = v
		}
	}
	if version == "" {
		fail(fmt.Errorf("no ko_version in integration/testbed/versions"))
	}
	gobin := filepath.Join(toolCache(), "ko-"+version)
	bin := filepath.Join(gobin, "ko")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	cmd := exec.Command("go", "install", "github.com/google/ko@"+version)
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		fail(fmt.Errorf("installing ko %s: %v\n%s", version, err, out))
	}
	return bin
}

func (k *koVariant) name() string { return "ko" }

// cold starts from empty Go module and build caches.
func (k *koVariant) cold() {
	if k.caches != "" {
		exec.Command("chmod", "-R", "u+w", k.caches).Run() // the module cache is read-only
		os.RemoveAll(k.caches)
	}
	var err error
	k.caches, err = os.MkdirTemp("", "slimfile-bench-ko-")
	check(err)
}

func (k *koVariant) build(dir, platform string, image bool) (float64, int64) {
	config := filepath.Join(filepath.Dir(dir), ".ko.yaml")
	check(os.WriteFile(config, []byte(koConfig), 0o644))
	cmd := exec.Command(k.bin, "build", "--bare", "--sbom=none", "--platform="+platform, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KO_DOCKER_REPO="+k.repo, "KO_DEFAULTBASEIMAGE="+k.base, "KO_CONFIG_PATH="+config,
		"GOCACHE="+filepath.Join(k.caches, "build"), "GOMODCACHE="+filepath.Join(k.caches, "mod"), "GOFLAGS=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fail(fmt.Errorf("ko build: %v\n%s", err, stderr.String()))
	}
	t := time.Since(start).Seconds()
	if !image {
		return t, 0
	}
	var ref string
	for sc := bufio.NewScanner(&stdout); sc.Scan(); {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			ref = l
		}
	}
	r, err := name.ParseReference(ref, name.Insecure)
	check(err)
	img, err := remote.Image(r)
	check(err)
	return t, imageBytes(img)
}

// toolCache is where the test bed keeps the tools it builds.
func toolCache() string {
	cache := os.Getenv("SLIMFILE_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		check(err)
		cache = filepath.Join(home, ".cache", "slimfile")
	}
	return filepath.Join(cache, "tools")
}
