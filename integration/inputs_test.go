package integration

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/slimfile/slimfile/integration/oci"
)

// registryDigest is the digest the loopback registry serves for repo:tag.
func registryDigest(t *testing.T, repo, tag string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodHead, "http://"+os.Getenv("SLIMFILE_REGISTRY")+"/v2/"+repo+"/manifests/"+tag, nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	d := resp.Header.Get("Docker-Content-Digest")
	if resp.StatusCode != http.StatusOK || d == "" {
		t.Fatalf("HEAD %s:%s: %s", repo, tag, resp.Status)
	}
	return d
}

// TestToolchainPinnedByDigest: a `toolchain:` reference with a digest is
// used as given.
func TestToolchainPinnedByDigest(t *testing.T) {
	t.Parallel()
	goVersion := localGoVersion()
	dgst := registryDigest(t, "library/golang", goVersion+"-alpine")
	dir := module(t, map[string]string{
		"Slimfile": "slimfile: 1\ntoolchain: golang:" + goVersion + "-alpine@" + dgst + "\n",
		"go.mod":   "module example.com/pinned\n\ngo 1.22\n",
		"main.go":  "package main\n\nfunc main() { println(\"pinned\") }\n",
	})
	b, err := buildctl(t, dir, "--opt", "platform=linux/amd64")
	imgs := mustBuild(t, b, err)
	if out := runImage(t, imgs["linux/amd64"]); !strings.Contains(out, "pinned") {
		t.Errorf("output %q", out)
	}
	if len(b.progress.mentioning("toolchain docker.io/library/golang@"+dgst)) == 0 {
		t.Errorf("progress does not show the pinned toolchain:\n%s", b.tail(40))
	}
}

// TestBaseContext: the named context base replaces scratch; its files stay
// below the runtime files and the binary.
func TestBaseContext(t *testing.T) {
	t.Parallel()
	goVersion := localGoVersion()
	dir := module(t, map[string]string{
		"Slimfile": "slimfile: 1\n",
		"go.mod":   "module example.com/onbase\n\ngo 1.22\n",
		"main.go":  "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n\t_, err := os.Stat(\"/bin/busybox\")\n\tfmt.Println(\"busybox present:\", err == nil)\n}\n",
	})
	b, err := buildx(t, dir, "--platform", "linux/amd64",
		"--build-context", "base=docker-image://golang:"+goVersion+"-alpine")
	imgs := mustBuild(t, b, err)
	img := imgs["linux/amd64"]
	if out := strings.TrimSpace(runImage(t, img)); out != "busybox present: true" {
		t.Errorf("output %q", out)
	}
	files, err := oci.Files(img)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"bin/busybox", "usr/local/bin/onbase", "etc/ssl/certs/ca-certificates.crt"} {
		if _, ok := files[f]; !ok {
			t.Errorf("%s missing from an image on a base", f)
		}
	}
	if !strings.Contains(string(files["etc/passwd"].Data), "nonroot:x:65532") {
		t.Errorf("/etc/passwd lacks nonroot:\n%s", files["etc/passwd"].Data)
	}
}

// TestNoCache: --no-cache runs the compile again even when nothing changed.
func TestNoCache(t *testing.T) {
	t.Parallel()
	dir := module(t, map[string]string{
		"Slimfile": "slimfile: 1\n",
		"go.mod":   fmt.Sprintf("module example.com/nocache%d\n\ngo 1.22\n", time.Now().UnixNano()),
		"main.go":  "package main\n\nfunc main() {}\n",
	})
	b, err := buildx(t, dir, "--platform", "linux/amd64")
	mustBuild(t, b, err)
	b, err = buildx(t, dir, "--platform", "linux/amd64")
	mustBuild(t, b, err)
	if !b.progress.cached(t, "[linux/amd64] go build .") {
		t.Fatalf("the second build without changes was not cached")
	}
	b, err = buildx(t, dir, "--platform", "linux/amd64", "--no-cache")
	mustBuild(t, b, err)
	if b.progress.cached(t, "[linux/amd64] go build .") {
		t.Errorf("--no-cache did not run go build again")
	}
}

// TestRegistryCacheOnEmptiedBuilder: a build exports its cache to the
// loopback registry; after the builder's cache is emptied, a build that
// imports it finds the compile cached. On the emptied builder; not
// parallel: it empties it.
func TestRegistryCacheOnEmptiedBuilder(t *testing.T) {
	nonce := time.Now().UnixNano()
	dir := module(t, map[string]string{
		"Slimfile": "slimfile: 1\n",
		"go.mod":   fmt.Sprintf("module example.com/regcache%d\n\ngo 1.22\n", nonce),
		"main.go":  "package main\n\nfunc main() { println(\"from cache\") }\n",
	})
	ref := fmt.Sprintf("%s/test/cache:%d", os.Getenv("SLIMFILE_REGISTRY"), nonce)
	b, err := buildxOn(t, emptied.builder, dir, "--platform", "linux/amd64", "--cache-to", "type=registry,ref="+ref+",mode=max,registry.insecure=true")
	mustBuild(t, b, err)

	prune(t)
	b, err = buildxOn(t, emptied.builder, dir, "--platform", "linux/amd64", "--cache-from", "type=registry,ref="+ref+",registry.insecure=true")
	imgs := mustBuild(t, b, err)
	if !b.progress.servedFromCache(t, "[linux/amd64] go build .") {
		t.Errorf("after emptying the builder, the imported cache did not serve go build:\n%s", b.tail(60))
	}
	if out := runImage(t, imgs["linux/amd64"]); !strings.Contains(out, "from cache") {
		t.Errorf("output %q", out)
	}
}

// TestImageBaseKey: image.base names a base image; it is pinned by digest
// and named in the org.opencontainers.image.base.* labels.
func TestImageBaseKey(t *testing.T) {
	t.Parallel()
	goVersion := localGoVersion()
	dgst := registryDigest(t, "library/golang", goVersion+"-alpine")
	dir := module(t, map[string]string{
		"Slimfile": "slimfile: 1\nimage:\n  base: golang:" + goVersion + "-alpine\n",
		"go.mod":   "module example.com/basekey\n\ngo 1.22\n",
		"main.go":  "package main\n\nfunc main() { println(\"on a base\") }\n",
	})
	b, err := buildctl(t, dir, "--opt", "platform=linux/amd64")
	imgs := mustBuild(t, b, err)
	img := imgs["linux/amd64"]
	cf, _ := img.ConfigFile()
	if got := cf.Config.Labels["org.opencontainers.image.base.name"]; got != "docker.io/library/golang" {
		t.Errorf("base.name label %q", got)
	}
	if got := cf.Config.Labels["org.opencontainers.image.base.digest"]; got != dgst {
		t.Errorf("base.digest label %q, want %s", got, dgst)
	}
	files, err := oci.Files(img)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files["bin/busybox"]; !ok {
		t.Error("the base image's files are missing")
	}
	if out := runImage(t, img); !strings.Contains(out, "on a base") {
		t.Errorf("output %q", out)
	}
}
