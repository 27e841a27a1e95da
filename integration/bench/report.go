package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// benchReport measures the report output (-scenario report) on the
// subject: a cold build of T.report against a cold build of the image
// (emptied builder each), then interleaved rounds on one builder of a
// warm build of each after a code edit and a no-op build of each; and the
// bytes of what the report writes, with the (stripped) binary's bytes the
// report itself states:
//
//	go run ./integration/bench -scenario report -runs 1 -rounds 5 \
//	  -subjects examples/hello,github.com/coredns/coredns@v1.12.0
func benchReport(subject, label, platform string, runs, rounds int) {
	goVersion := goLine(subject)
	v := &buildkitVariant{"slimfile", "Slimfile"}
	kinds := []string{"image", "report"}
	type times struct{ cold, warm, noop []float64 }
	res := map[string]*times{"image": {}, "report": {}}
	out := func(dir, kind string) float64 {
		if kind == "image" {
			t, _ := v.build(dir, platform, false)
			return t
		}
		dest := filepath.Join(filepath.Dir(dir), "report")
		os.RemoveAll(dest)
		return v.run(dir, platform, "type=local,dest="+dest, "--opt", "target=report")
	}
	for r := 1; r <= runs; r++ {
		for _, kind := range rotated(kinds, r) {
			dir := prepare(subject, goVersion)
			v.cold()
			t := out(dir, kind)
			res[kind].cold = append(res[kind].cold, t)
			os.RemoveAll(filepath.Dir(dir))
			fmt.Fprintf(os.Stderr, "%s cold run %d %-6s %6.1fs\n", label, r, kind, t)
		}
	}
	dir := prepare(subject, goVersion)
	defer os.RemoveAll(filepath.Dir(dir))
	for _, kind := range kinds {
		out(dir, kind)
	}
	for r := 1; r <= rounds; r++ {
		for _, kind := range rotated(kinds, r) {
			touch(mainFile(dir), r*10+len(kind))
			res[kind].warm = append(res[kind].warm, out(dir, kind))
			res[kind].noop = append(res[kind].noop, out(dir, kind))
		}
		fmt.Fprintf(os.Stderr, "%s round %d of warm builds done\n", label, r)
	}
	sizes := reportBytes(filepath.Join(filepath.Dir(dir), "report"))
	fmt.Printf("\n%s, report output (medians; warm: %d interleaved rounds after a code edit)\n", label, rounds)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "build\tcold s\twarm s\tno-op s\t")
	for _, kind := range kinds {
		t := res[kind]
		fmt.Fprintf(w, "%s\t%.1f\t%.2f\t%.3f\t\n", map[string]string{"image": "image (oci)", "report": "--target report"}[kind], median(t.cold), median(t.warm), median(t.noop))
	}
	a, b := res["report"], res["image"]
	fmt.Fprintf(w, "report - image\t%+.1f\t%+.2f\t%+.3f\t\n", median(a.cold)-median(b.cold), median(a.warm)-median(b.warm), median(a.noop)-median(b.noop))
	w.Flush()
	fmt.Printf("report bytes: %s\n", sizes)
}

// reportBytes says how big the files of a report output are, and the
// binaries' bytes as its report.json states them.
func reportBytes(dest string) string {
	pdirs, err := os.ReadDir(dest)
	check(err)
	dir := dest
	if _, err := os.Stat(filepath.Join(dest, "report.html")); err != nil && len(pdirs) == 1 {
		dir = filepath.Join(dest, pdirs[0].Name())
	}
	var parts []string
	for _, name := range []string{"report.html", "report.svg", "report.json"} {
		st, err := os.Stat(filepath.Join(dir, name))
		check(err)
		parts = append(parts, fmt.Sprintf("%s %d", name, st.Size()))
	}
	dt, err := os.ReadFile(filepath.Join(dir, "report.json"))
	check(err)
	var rep struct {
		Binaries []struct {
			Path string `json:"path"`
			Size int64  `json:"size"`
		} `json:"binaries"`
	}
	if json.Unmarshal(dt, &rep) == nil {
		for _, b := range rep.Binaries {
			parts = append(parts, fmt.Sprintf("%s %d (stripped)", b.Path, b.Size))
		}
	}
	return strings.Join(parts, ", ")
}
