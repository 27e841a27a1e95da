package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// ciResult holds one variant's figures in the ci scenario, one entry per
// run.
type ciResult struct {
	cold, fresh, warm, cacheBytes []float64
}

// ciRow is one line of the ci table: a variant built for some platforms.
type ciRow struct {
	v         *buildkitVariant
	short     string // the variant in the cache's reference
	platforms string
}

// ciStamp makes every invocation's cache references new, so that no run
// imports what an earlier invocation exported.
var ciStamp = time.Now().UTC().Format("20060102-150405")

// benchCI runs the ci scenario on subject, as a CI runner would build it:
// a cold build from an emptied builder that exports its cache to the
// loopback registry (--export-cache type=registry,mode=max, what buildx
// calls --cache-to), whose size it measures; then, on the builder emptied
// again (a fresh runner), a rebuild after a one-line edit that imports
// that cache (--import-cache, buildx's --cache-from); then a warm rebuild
// after another edit on the same builder. It does so for the Slimfile and
// the expert Dockerfile (built-in frontend) for platform, and for the
// comma-separated multi platforms unless empty, and prints medians over
// runs with the ratios of fresh to warm and of each variant's fresh build
// to the expert's.
func benchCI(subject, label, platform, multi string, runs int) {
	goVersion := goLine(subject)
	slim := &buildkitVariant{"slimfile", "Slimfile"}
	exp := &buildkitVariant{"expert Dockerfile", "Dockerfile.expert"}
	variants := []ciRow{{slim, "slimfile", ""}, {exp, "expert", ""}}
	if baseline != "" {
		variants = append(variants, ciRow{&buildkitVariant{"slimfile baseline", "Slimfile.baseline"}, "baseline", ""})
	}
	var rows []ciRow
	for _, ps := range []string{platform, multi} {
		for _, v := range variants {
			if ps != "" {
				rows = append(rows, ciRow{v.v, v.short, ps})
			}
		}
	}
	results := make([]*ciResult, len(rows))
	for i := range rows {
		results[i] = &ciResult{}
	}
	for r := 1; r <= runs; r++ {
		// Rotating the rows alternates which variant follows which.
		order := rotated(indices(len(rows)), r)
		for _, i := range order {
			row, res := rows[i], results[i]
			ref := ciCacheRef(label, row.short, row.platforms, r)
			cold, fresh, warm, size := ciRun(row.v, subject, goVersion, row.platforms, ref)
			res.cold = append(res.cold, cold)
			res.fresh = append(res.fresh, fresh)
			res.warm = append(res.warm, warm)
			res.cacheBytes = append(res.cacheBytes, float64(size))
			fmt.Fprintf(os.Stderr, "%s ci run %d %-18s %-23s cold %6.1fs fresh %6.1fs warm %6.1fs cache %.1f MB (%s)\n",
				label, r, row.v.name(), row.platforms, cold, fresh, warm, float64(size)/1e6, ref)
		}
	}
	fmt.Printf("\n%s, ci scenario: cold build exporting a registry cache (mode=max), fresh runner (emptied builder) importing it after a one-line edit, then a warm rebuild after another\n", label)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "subject\tvariant\tplatforms\tcold s\tfresh-runner s\twarm s\tfresh/warm\tfresh vs expert fresh\tcache MB\t")
	for i, row := range rows {
		res := results[i]
		// The expert's row for the same platforms.
		var ex *ciResult
		for j, r := range rows {
			if r.v == exp && r.platforms == row.platforms {
				ex = results[j]
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%.1f\t%.1f\t%.2f\t%.2f\t%.2f\t%.1f\t\n", label, row.v.name(), row.platforms,
			median(res.cold), median(res.fresh), median(res.warm), median(res.fresh)/median(res.warm),
			median(res.fresh)/median(ex.fresh), median(res.cacheBytes)/1e6)
	}
	w.Flush()
}

// ciRun is one run of the ci scenario for one variant and platform list:
// the seconds of the cold, fresh-runner and warm builds and the bytes of
// the cache exported to ref.
func ciRun(v *buildkitVariant, subject, goVersion, platforms, ref string) (cold, fresh, warm float64, size int64) {
	dir := prepare(subject, goVersion)
	defer os.RemoveAll(filepath.Dir(dir))
	out := "type=oci,dest=/dev/null"
	prune()
	cold = v.run(dir, platforms, out, "--export-cache", "type=registry,ref="+ref+",mode=max")
	size = cacheBytes(ref)
	prune()
	touch(mainFile(dir), 1)
	fresh = v.run(dir, platforms, out, "--import-cache", "type=registry,ref="+ref)
	touch(mainFile(dir), 2)
	warm = v.run(dir, platforms, out)
	return cold, fresh, warm, size
}

// ciCacheRef is where run r of the ci scenario exports variant's cache
// for subject and platforms: new for every run and invocation.
func ciCacheRef(subject, variant, platforms string, r int) string {
	var arches []string
	for _, p := range strings.Split(platforms, ",") {
		arches = append(arches, strings.ReplaceAll(strings.TrimPrefix(p, "linux/"), "/", ""))
	}
	return fmt.Sprintf("%s/bench-cache/%s-%s:%s-%s-r%d", os.Getenv("SLIMFILE_REGISTRY"), strings.ToLower(path.Base(subject)), variant,
		strings.Join(arches, "-"), ciStamp, r)
}

// cacheBytes is the size of the cache BuildKit exported to ref: its
// manifest (an image index whose entries are the cache's blobs, or with
// image-manifest=true an image manifest whose layers they are) and every
// blob it names, each once.
func cacheBytes(ref string) int64 {
	r, err := name.ParseReference(ref, name.Insecure)
	check(err)
	desc, err := remote.Get(r)
	if err != nil {
		fail(fmt.Errorf("reading the exported cache %s: %v", ref, err))
	}
	var m struct {
		Config    *v1.Descriptor  `json:"config"`
		Layers    []v1.Descriptor `json:"layers"`
		Manifests []v1.Descriptor `json:"manifests"`
	}
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		fail(fmt.Errorf("the exported cache %s: %v", ref, err))
	}
	blobs := append(m.Layers, m.Manifests...)
	if m.Config != nil {
		blobs = append(blobs, *m.Config)
	}
	n := int64(len(desc.Manifest))
	seen := map[v1.Hash]bool{}
	for _, b := range blobs {
		if !seen[b.Digest] {
			seen[b.Digest] = true
			n += b.Size
		}
	}
	return n
}

func indices(n int) []int {
	is := make([]int, n)
	for i := range is {
		is[i] = i
	}
	return is
}
