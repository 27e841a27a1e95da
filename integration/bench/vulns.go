package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// benchVulns measures the vulnerability gate (-scenario vulns) on the
// subject: what the check adds to a cold build (emptied builder) and to
// warm rebuilds, after an edit that calls nothing new (the bench's usual
// edit: the check stays cached) and after one that adds a call (the check
// runs again), against the same Slimfile with security.vulns: off, in
// interleaved rounds; and what it finds: vulnerabilities the binary can
// call, imported but not called, and in required modules only, against
// what govulncheck's binary mode finds in the same stripped binary, at
// module level (version matching, as a scanner of the image does) and at
// symbol level, with the same database:
//
//	go run ./integration/bench -scenario vulns -runs 2 -rounds 5 \
//	  -subjects examples/hello,github.com/prometheus/blackbox_exporter@v0.24.0
func benchVulns(subject, label, platform string, runs, rounds int) {
	goVersion := goLine(subject)
	on := &buildkitVariant{"slimfile, vulns: warn", "Slimfile"}
	off := &buildkitVariant{"slimfile, vulns: off", "Slimfile.vulns-off"}
	variants := []*buildkitVariant{on, off}
	type times struct{ cold, inert, call, noop []float64 }
	res := map[*buildkitVariant]*times{on: {}, off: {}}
	for r := 1; r <= runs; r++ {
		for _, v := range rotated(variants, r) {
			dir := prepareVulns(subject, goVersion)
			v.cold()
			t, _ := v.build(dir, platform, false)
			res[v].cold = append(res[v].cold, t)
			os.RemoveAll(filepath.Dir(dir))
			fmt.Fprintf(os.Stderr, "%s cold run %d %-22s %6.1fs\n", label, r, v.name(), t)
		}
	}
	dirs := map[*buildkitVariant]string{}
	for _, v := range variants {
		dirs[v] = prepareVulns(subject, goVersion)
		v.build(dirs[v], platform, false)
	}
	for r := 1; r <= rounds; r++ {
		for _, v := range rotated(variants, r) {
			t := res[v]
			touch(mainFile(dirs[v]), r)
			s, _ := v.build(dirs[v], platform, false)
			t.inert = append(t.inert, s)
			s, _ = v.build(dirs[v], platform, false)
			t.noop = append(t.noop, s)
			addCall(mainFile(dirs[v]), r)
			s, _ = v.build(dirs[v], platform, false)
			t.call = append(t.call, s)
		}
		fmt.Fprintf(os.Stderr, "%s round %d of warm builds done\n", label, r)
	}
	found := vulnFindings(on, dirs[on], platform)
	for _, dir := range dirs {
		os.RemoveAll(filepath.Dir(dir))
	}
	a, b := res[on], res[off]
	fmt.Printf("\n%s, vulnerability gate (medians; warm: %d interleaved rounds)\n", label, rounds)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "variant\tcold s\twarm s, edit calling nothing new\twarm s, edit adding a call\tno-op s\t")
	for _, v := range variants {
		t := res[v]
		fmt.Fprintf(w, "%s\t%.1f\t%.2f\t%.2f\t%.3f\t\n", v.name(), median(t.cold), median(t.inert), median(t.call), median(t.noop))
	}
	fmt.Fprintf(w, "warn / off\t%.2f\t%.2f\t%.2f\t%.2f\t\n", median(a.cold)/median(b.cold), median(a.inert)/median(b.inert), median(a.call)/median(b.call), median(a.noop)/median(b.noop))
	w.Flush()
	fmt.Printf("findings: %s\n", found)
}

// prepareVulns is prepare, with the Slimfile's vulns: off twin.
func prepareVulns(subject, goVersion string) string {
	dir := prepare(subject, goVersion)
	dt, err := os.ReadFile(filepath.Join(dir, "Slimfile"))
	check(err)
	if strings.Contains(string(dt), "\nsecurity:") {
		fail(fmt.Errorf("%s: the vulns scenario needs a Slimfile without a security key", subject))
	}
	check(os.WriteFile(filepath.Join(dir, "Slimfile.vulns-off"), []byte(strings.TrimRight(string(dt), "\n")+"\nsecurity:\n  vulns: off\n"), 0o644))
	return dir
}

// addCall adds a function that calls into the standard library, and a
// call of it from an init: an edit that can change what the program calls.
func addCall(path string, n int) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	check(err)
	stamp := time.Now().UnixNano()
	_, err = fmt.Fprintf(f, "\nfunc benchCall%d_%d() int { return len(os.Getenv(\"BENCH\")) }\n\nvar _ = benchCall%d_%d()\n", n, stamp, n, stamp)
	check(err)
	check(f.Close())
	ensureImport(path, "os")
}

// ensureImport adds import "pkg" to the Go file path when it has none.
func ensureImport(path, pkg string) {
	dt, err := os.ReadFile(path)
	check(err)
	if regexp.MustCompile(`(?m)^\s*(import\s+)?"` + regexp.QuoteMeta(pkg) + `"$`).Match(dt) {
		return
	}
	src := regexp.MustCompile(`(?m)^package \w+\n`).ReplaceAllStringFunc(string(dt), func(m string) string { return m + "\nimport \"" + pkg + "\"\n" })
	check(os.WriteFile(path, []byte(src), 0o644))
}

// vulnFindings builds the subject's vulns and binaries outputs with the
// warn variant and says what the check found, against govulncheck's binary
// mode on the same binary.
func vulnFindings(v *buildkitVariant, dir, platform string) string {
	out := filepath.Join(filepath.Dir(dir), "vulns")
	v.run(dir, platform, "type=local,dest="+out, "--opt", "target=vulns")
	bins := filepath.Join(filepath.Dir(dir), "binaries")
	v.run(dir, platform, "type=local,dest="+bins, "--opt", "target=binaries")
	pdir := strings.ReplaceAll(platform, "/", "_")
	levels := summaryCounts(filepath.Join(out, pdir, "vulns.txt"))
	entries, _ := os.ReadDir(filepath.Join(bins, pdir))
	if len(entries) != 1 {
		fail(fmt.Errorf("the binaries output of %s has %d files", dir, len(entries)))
	}
	bin := filepath.Join(bins, pdir, entries[0].Name())
	module := binaryScan(bin, "module")
	symbol := binaryScan(bin, "symbol")
	return fmt.Sprintf("source mode: %d called, %d imported but not called, %d in required modules only; binary mode on the stripped binary: %d at module level (version matching), %d at symbol level",
		levels["the binary can call"], levels["imported, but no call path found (not_affected)"], levels["in required modules only (not_affected)"], module, symbol)
}

// summaryCounts reads the counts of vulns.txt ("title: N" lines).
func summaryCounts(path string) map[string]int {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if title, n, ok := strings.Cut(sc.Text(), ": "); ok && !strings.HasPrefix(title, " ") {
			if v, err := strconv.Atoi(n); err == nil {
				out[title] = v
			}
		}
	}
	return out
}

// binaryScan runs govulncheck (the version go.mod requires, built into the
// tool cache) in binary mode at scan level on bin, against the test bed's
// database, and counts the vulnerabilities it reports.
func binaryScan(bin, level string) int {
	tool := filepath.Join(toolCache(), "govulncheck")
	if _, err := os.Stat(tool); err != nil {
		if b, err := exec.Command("go", "build", "-o", tool, "golang.org/x/vuln/cmd/govulncheck").CombinedOutput(); err != nil {
			fail(fmt.Errorf("building govulncheck: %v\n%s", err, b))
		}
	}
	db := os.Getenv("SLIMFILE_VULNDB_DIR")
	if db == "" {
		fail(fmt.Errorf("SLIMFILE_VULNDB_DIR is not set: source the test bed's env file"))
	}
	if level == "symbol" {
		// What govulncheck says the binary is affected by, as its text
		// output counts it (on a stripped binary it cannot see symbols).
		b, _ := exec.Command(tool, "-mode=binary", "-db=file://"+db, bin).Output()
		if m := regexp.MustCompile(`affected by (\d+) vulnerabilit`).FindSubmatch(b); m != nil {
			n, _ := strconv.Atoi(string(m[1]))
			return n
		}
		return 0
	}
	b, _ := exec.Command(tool, "-mode=binary", "-scan="+level, "-format=json", "-db=file://"+db, bin).Output()
	dec := json.NewDecoder(strings.NewReader(string(b)))
	ids := map[string]bool{}
	for {
		var m struct {
			Finding *struct {
				OSV string `json:"osv"`
			} `json:"finding"`
		}
		if err := dec.Decode(&m); err != nil {
			break
		}
		if m.Finding != nil {
			ids[m.Finding.OSV] = true
		}
	}
	return len(ids)
}
