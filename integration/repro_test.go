package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slimfile/slimfile/integration/oci"
)

// indexDigest is the digest of the image index a build exported.
func indexDigest(t *testing.T, b *build) string {
	t.Helper()
	dt, err := os.ReadFile(filepath.Join(b.layout.Dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx struct {
		Manifests []struct {
			Digest string `json:"digest"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(dt, &idx); err != nil || len(idx.Manifests) != 1 {
		t.Fatalf("index.json: %v %s", err, dt)
	}
	return idx.Manifests[0].Digest
}

// TestReproducibleFromEmptiedBuilder: the same Slimfile and source give the
// same image index digest for two platforms, each time from an emptied
// builder, without and with SOURCE_DATE_EPOCH; with it, the image's times
// follow it. On the emptied builder; not parallel: it empties it.
func TestReproducibleFromEmptiedBuilder(t *testing.T) {
	dir := exampleModule(t, "hello")
	platforms := []string{"--opt", "platform=linux/amd64,linux/arm64"}
	const sde = "1700000000"
	digests := map[string][]string{}
	var withEpoch *build
	for i := 0; i < 2; i++ {
		for _, mode := range []string{"no epoch", "epoch"} {
			args := platforms
			if mode == "epoch" {
				args = append(append([]string{}, platforms...), "--opt", "build-arg:SOURCE_DATE_EPOCH="+sde)
			}
			prune(t)
			b, err := buildctlOn(t, emptied.addr, dir, args...)
			mustBuild(t, b, err)
			digests[mode] = append(digests[mode], indexDigest(t, b))
			if mode == "epoch" {
				withEpoch = b
			}
		}
	}
	for mode, ds := range digests {
		if ds[0] != ds[1] {
			t.Errorf("%s: two builds from an emptied builder differ: %v", mode, ds)
		}
	}
	if digests["epoch"][0] == digests["no epoch"][0] {
		t.Errorf("SOURCE_DATE_EPOCH changed nothing")
	}
	imgs, err := withEpoch.layout.Images()
	if err != nil {
		t.Fatal(err)
	}
	want := time.Unix(1700000000, 0).UTC()
	for p, img := range imgs {
		cf, _ := img.ConfigFile()
		if !cf.Created.Time.Equal(want) {
			t.Errorf("%s: created %v, want %v", p, cf.Created.Time, want)
		}
		if got := cf.Config.Labels["org.opencontainers.image.created"]; got != "2023-11-14T22:13:20Z" {
			t.Errorf("%s: created label %q", p, got)
		}
		files, err := oci.Files(img)
		if err != nil {
			t.Fatal(err)
		}
		for name, f := range files {
			if !f.Header.ModTime.Equal(want) {
				t.Errorf("%s: %s has time %v, want %v", p, name, f.Header.ModTime, want)
				break
			}
		}
	}
}

// TestOCILabels: source and revision come from the vcs values buildx
// sends, version from a declared VERSION arg; Slimfile labels override
// them and --label overrides both.
func TestOCILabels(t *testing.T) {
	t.Parallel()
	dir := module(t, map[string]string{
		"Slimfile": "slimfile: 1\nargs: {VERSION: dev}\nimage:\n  labels: {org.opencontainers.image.revision: from-slimfile}\n",
		"go.mod":   "module example.com/labels\n\ngo 1.22\n",
		"main.go":  "package main\n\nfunc main() {}\n",
	})
	b, err := buildctl(t, dir, "--opt", "platform=linux/amd64", "--opt", "vcs:source=https://example.com/acme/labels.git",
		"--opt", "vcs:revision=0123abcd", "--opt", "build-arg:VERSION=1.4.0", "--opt", "label:team=edge")
	imgs := mustBuild(t, b, err)
	cf, _ := imgs["linux/amd64"].ConfigFile()
	for k, want := range map[string]string{
		"org.opencontainers.image.source":   "https://example.com/acme/labels.git",
		"org.opencontainers.image.revision": "from-slimfile",
		"org.opencontainers.image.version":  "1.4.0",
		"team":                              "edge",
	} {
		if got := cf.Config.Labels[k]; got != want {
			t.Errorf("label %s = %q, want %q (all: %v)", k, got, want, cf.Config.Labels)
		}
	}
	if _, ok := cf.Config.Labels["org.opencontainers.image.created"]; ok {
		t.Errorf("created label set without SOURCE_DATE_EPOCH")
	}
	if len(b.progress.failed()) > 0 || strings.Contains(b.progress.logs(""), "ERROR") {
		t.Errorf("errors in output:\n%s", b.tail(40))
	}
}

// TestBadSourceDateEpoch: a SOURCE_DATE_EPOCH that is not a number is an
// error naming it, not an image dated 1970 without a word.
func TestBadSourceDateEpoch(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "hello")
	b, err := buildx(t, dir, "--build-arg", "SOURCE_DATE_EPOCH=yesterday")
	if err == nil {
		t.Fatal("SOURCE_DATE_EPOCH=yesterday built")
	}
	if want := "--build-arg SOURCE_DATE_EPOCH=yesterday: want a number of seconds"; !strings.Contains(b.failure(), want) {
		t.Errorf("the failure lacks %q:\n%s", want, b.failure())
	}
}
