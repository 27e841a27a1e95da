package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The vulnerability gate, through the real # syntax= path, against the
// test bed's Go vulnerability database (golang.org/x/vulndb's OSV entries,
// served on loopback in place of https://vuln.go.dev, or given as the
// govulndb named context), with govulncheck in the frontend's step
// program.

// mirror is the build arg that points the default database at the test
// bed's copy; mirrorOpt the same for buildctl.
func mirror() []string {
	return []string{"--build-arg", "SLIMFILE_VULNDB=" + os.Getenv("SLIMFILE_VULNDB_URL")}
}

func mirrorOpt() []string {
	return []string{"--opt", "build-arg:SLIMFILE_VULNDB=" + os.Getenv("SLIMFILE_VULNDB_URL")}
}

// textModule is a module on golang.org/x/text v0.3.6, whose
// language.ParseAcceptLanguage has two known vulnerabilities
// (GO-2021-0113 and GO-2022-1059, fixed in v0.3.7 and v0.3.8). With
// calls, main calls it; without, it uses only language.English, and the
// build imports the vulnerable package without reaching the symbols.
func textModule(t *testing.T, calls bool, slimfile string) string {
	t.Helper()
	use := "fmt.Println(language.English.String(), len(os.Args))"
	if calls {
		use = "tags, _, err := language.ParseAcceptLanguage(os.Getenv(\"LANGS\"))\n\tfmt.Println(tags, err)"
	}
	dir := module(t, map[string]string{
		"go.mod":   "module example.com/vulntext\n\ngo 1.24\n\nrequire golang.org/x/text v0.3.6\n",
		"main.go":  "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\n\t\"golang.org/x/text/language\"\n)\n\nfunc main() {\n\t" + use + "\n}\n",
		"Slimfile": slimfile,
	})
	goModTidy(t, dir)
	return dir
}

// TestVulnsFailAtTheLine: with vulns: fail, a binary that calls a
// vulnerable function fails the build at the vulns line, after a warning
// for each vulnerability naming the module, what the binary calls, the
// fixed version and the call path; with the default (warn) it builds,
// with the same warnings.
func TestVulnsFailAtTheLine(t *testing.T) {
	t.Parallel()
	dir := textModule(t, true, "slimfile: 1\nsecurity:\n  vulns: fail\n")
	b, err := buildx(t, dir, mirror()...)
	if err == nil {
		t.Fatalf("a binary that calls known vulnerabilities built under vulns: fail:\n%s", b.tail(40))
	}
	line := lineOf(t, dir, "  vulns:")
	for _, want := range []string{
		"security.vulns: fail: the binary can call 2 known vulnerabilities (GO-2021-0113, GO-2022-1059)",
		"Slimfile:" + strconv.Itoa(line),
	} {
		if !strings.Contains(b.failure(), want) {
			t.Errorf("the failure lacks %q:\n%s", want, b.failure())
		}
	}
	checkTextWarnings(t, b, line)

	// The default, warn: the same warnings, and an image.
	dir = textModule(t, true, "slimfile: 1\n")
	b, err = buildx(t, dir, mirror()...)
	mustBuild(t, b, err)
	checkTextWarnings(t, b, lineOf(t, dir, "slimfile:"))
}

// checkTextWarnings: the two warnings of textModule's calls, at line.
func checkTextWarnings(t *testing.T, b *build, line int) {
	t.Helper()
	for id, fixed := range map[string]string{"GO-2022-1059": "v0.3.8", "GO-2021-0113": "v0.3.7"} {
		ws := b.progress.warned(id)
		if len(ws) != 1 {
			t.Errorf("%d warnings of %s, want 1; warnings: %+v", len(ws), id, b.progress.warnings)
			continue
		}
		w := ws[0]
		for _, want := range []string{"golang.org/x/text@v0.3.6", "the binary can call language.ParseAcceptLanguage", "fixed in " + fixed + ": go get golang.org/x/text@" + fixed} {
			if !strings.Contains(w.msg, want) {
				t.Errorf("%s: warning %q lacks %q", id, w.msg, want)
			}
		}
		if w.line != line {
			t.Errorf("%s: warning at line %d, want %d", id, w.line, line)
		}
		if !strings.Contains(w.detail, "vulntext.main (main.go:11:") || !strings.Contains(w.detail, "→ language.ParseAcceptLanguage") {
			t.Errorf("%s: call path %q, want it from main.go down to the symbol", id, w.detail)
		}
	}
}

// vexDoc is what the tests read of an OpenVEX document.
type vexDoc struct {
	Context    string    `json:"@context"`
	ID         string    `json:"@id"`
	Author     string    `json:"author"`
	Timestamp  time.Time `json:"timestamp"`
	Version    int       `json:"version"`
	Statements []struct {
		Vulnerability struct {
			ID      string   `json:"@id"`
			Name    string   `json:"name"`
			Aliases []string `json:"aliases"`
		} `json:"vulnerability"`
		Products []struct {
			ID            string `json:"@id"`
			Subcomponents []struct {
				ID string `json:"@id"`
			} `json:"subcomponents"`
		} `json:"products"`
		Status          string `json:"status"`
		Justification   string `json:"justification"`
		ImpactStatement string `json:"impact_statement"`
		ActionStatement string `json:"action_statement"`
	} `json:"statements"`
}

// validOpenVEX checks doc against what the OpenVEX specification (v0.2.0)
// requires of a document and its statements, and returns the statements'
// status (and justification) by vulnerability.
func validOpenVEX(t *testing.T, dt []byte) map[string]string {
	t.Helper()
	var doc vexDoc
	if err := json.Unmarshal(dt, &doc); err != nil {
		t.Fatalf("OpenVEX document: %v\n%s", err, dt)
	}
	if doc.Context != "https://openvex.dev/ns/v0.2.0" || doc.ID == "" || doc.Author == "" || doc.Timestamp.IsZero() || doc.Version < 1 {
		t.Errorf("document fields: %+v", doc)
	}
	statuses := map[string]bool{"not_affected": true, "affected": true, "fixed": true, "under_investigation": true}
	justifications := map[string]bool{"component_not_present": true, "vulnerable_code_not_present": true, "vulnerable_code_not_in_execute_path": true,
		"vulnerable_code_cannot_be_controlled_by_adversary": true, "inline_mitigations_already_exist": true}
	out := map[string]string{}
	for _, s := range doc.Statements {
		name := s.Vulnerability.Name
		switch {
		case name == "" || s.Vulnerability.ID == "":
			t.Errorf("a statement without a vulnerability name: %+v", s)
		case !statuses[s.Status]:
			t.Errorf("%s: status %q", name, s.Status)
		case len(s.Products) == 0 || s.Products[0].ID == "":
			t.Errorf("%s: no product", name)
		case s.Status == "not_affected" && s.Justification == "" && s.ImpactStatement == "":
			t.Errorf("%s: not_affected without a justification or an impact statement", name)
		case s.Justification != "" && !justifications[s.Justification]:
			t.Errorf("%s: justification %q", name, s.Justification)
		case s.Status == "affected" && s.ActionStatement == "":
			t.Errorf("%s: affected without an action statement", name)
		}
		out[name] = strings.TrimSuffix(s.Status+" "+s.Justification, " ")
		if strings.Contains(s.ImpactStatement, "ignored in the Slimfile") {
			out[name] += " ignored: " + s.ImpactStatement
		}
	}
	return out
}

// TestVulnsNotCalled: a binary that links the vulnerable package but
// cannot reach its vulnerable symbols passes vulns: fail, and the vulns
// output's OpenVEX document says not_affected with the justification.
func TestVulnsNotCalled(t *testing.T) {
	t.Parallel()
	dir := textModule(t, false, "slimfile: 1\nsecurity: {vulns: fail}\n")
	b, err := buildx(t, dir, mirror()...)
	mustBuild(t, b, err)
	if ws := b.progress.warned("GO-20"); len(ws) > 0 {
		t.Errorf("warnings of vulnerabilities the binary cannot call: %+v", ws)
	}
	out, _, err := localOutput(t, dir, "vulns", mirrorOpt()...)
	if err != nil {
		t.Fatal(err)
	}
	plat := "linux_" + hostArch()
	dt, err := os.ReadFile(filepath.Join(out, plat, "vex.json"))
	if err != nil {
		t.Fatalf("the vulns output: %v (%v)", err, listDir(out))
	}
	st := validOpenVEX(t, dt)
	for _, id := range []string{"GO-2022-1059", "GO-2021-0113"} {
		if st[id] != "not_affected vulnerable_code_not_in_execute_path" {
			t.Errorf("%s: %q, want not_affected vulnerable_code_not_in_execute_path", id, st[id])
		}
	}
	summary, _ := os.ReadFile(filepath.Join(out, plat, "vulns.txt"))
	if !strings.Contains(string(summary), "the binary can call: 0") || !strings.Contains(string(summary), "GO-2022-1059") {
		t.Errorf("summary:\n%s", summary)
	}
}

// TestVulnsIgnore: ignored vulnerabilities, one named by its CVE alias,
// pass vulns: fail without a warning, and the OpenVEX document gives each
// the Slimfile's reason; an ignored ID that no entry of the database has
// fails at its line.
func TestVulnsIgnore(t *testing.T) {
	t.Parallel()
	slimfile := "slimfile: 1\nsecurity:\n  vulns:\n    mode: fail\n    ignore:\n" +
		"      - {id: CVE-2022-32149, reason: the header comes from our own proxy}\n" +
		"      - {id: GO-2021-0113, reason: tags are validated upstream}\n"
	dir := textModule(t, true, slimfile)
	b, err := buildx(t, dir, mirror()...)
	mustBuild(t, b, err)
	if ws := b.progress.warned("GO-20"); len(ws) > 0 {
		t.Errorf("warnings of ignored vulnerabilities: %+v", ws)
	}
	out, _, err := localOutput(t, dir, "vulns", mirrorOpt()...)
	if err != nil {
		t.Fatal(err)
	}
	dt, _ := os.ReadFile(filepath.Join(out, "linux_"+hostArch(), "vex.json"))
	st := validOpenVEX(t, dt)
	for id, reason := range map[string]string{"GO-2022-1059": "the header comes from our own proxy", "GO-2021-0113": "tags are validated upstream"} {
		if !strings.HasPrefix(st[id], "not_affected ignored:") || !strings.Contains(st[id], reason) {
			t.Errorf("%s: %q, want not_affected with the reason %q", id, st[id], reason)
		}
	}

	dir = textModule(t, true, slimfile+"      - {id: GO-2099-9999, reason: a typo}\n")
	b, err = buildx(t, dir, mirror()...)
	if err == nil {
		t.Fatal("an ignored ID that is in no entry built")
	}
	if want := "GO-2099-9999 is in no entry of the vulnerability database"; !strings.Contains(b.failure(), want) || !strings.Contains(b.failure(), "Slimfile:"+strconv.Itoa(lineOf(t, dir, "      - {id: GO-2099"))) {
		t.Errorf("the failure lacks %q at the ignore line:\n%s", want, b.failure())
	}
}

// TestVulnsNoDatabase: when the database cannot be had (an air-gapped
// builder, no govulndb context), vulns: fail fails naming the govulndb
// context, and warn builds with one warning that the check was skipped.
func TestVulnsNoDatabase(t *testing.T) {
	t.Parallel()
	nowhere := []string{"--build-arg", "SLIMFILE_VULNDB=http://" + freeAddr(t)}
	dir := textModule(t, true, "slimfile: 1\nsecurity: {vulns: fail}\n")
	b, err := buildx(t, dir, nowhere...)
	if err == nil {
		t.Fatal("vulns: fail built without a database")
	}
	for _, want := range []string{"security.vulns: fail: the check cannot run", "--build-context govulndb="} {
		if !strings.Contains(b.failure(), want) {
			t.Errorf("the failure lacks %q:\n%s", want, b.failure())
		}
	}
	dir = textModule(t, true, "slimfile: 1\n")
	b, err = buildx(t, dir, nowhere...)
	mustBuild(t, b, err)
	if ws := b.progress.warned("the vulnerability check was skipped"); len(ws) != 1 || !strings.Contains(ws[0].msg, "--build-context govulndb=") {
		t.Errorf("warnings %+v, want one that the check was skipped, naming the govulndb context", b.progress.warnings)
	}
}

// TestVulnsDatabaseProblems: a govulndb context that is not a database
// fails the build naming the context, whatever the mode; an entry of the
// database that cannot be read is warned of by name, and the rest is
// checked.
func TestVulnsDatabaseProblems(t *testing.T) {
	t.Parallel()
	notDB := t.TempDir()
	os.WriteFile(filepath.Join(notDB, "README.md"), []byte("notes, not a database\n"), 0o644)
	dir := textModule(t, true, "slimfile: 1\n")
	b, err := buildx(t, dir, "--build-context", "govulndb="+notDB)
	if err == nil {
		t.Fatal("a govulndb context that is not a database built")
	}
	for _, want := range []string{"--build-context govulndb:", "is not in the layout of the Go vulnerability database", "README.md"} {
		if !strings.Contains(b.failure(), want) {
			t.Errorf("the failure lacks %q:\n%s", want, b.failure())
		}
	}

	db := t.TempDir()
	copyDir(t, os.Getenv("SLIMFILE_VULNDB_DIR"), db)
	os.WriteFile(filepath.Join(db, "ID", "GO-2099-0002.json"), []byte(`{"id": "GO-2099-0002", "affected": [{"package": `), 0o644)
	b, err = buildx(t, dir, "--build-context", "govulndb="+db)
	mustBuild(t, b, err)
	if ws := b.progress.warned("has an entry that cannot be read, ID/GO-2099-0002.json"); len(ws) != 1 {
		t.Errorf("no warning naming the unreadable entry: %+v", b.progress.warnings)
	}
	checkTextWarnings(t, b, lineOf(t, dir, "slimfile:"))
}

// TestVulnsCache: through buildx, with the database as the govulndb named
// context: a second build reruns nothing; a database with one more entry
// reruns its own step and the check only (neither go mod download nor go
// build), and the new entry is found; an edit that cannot change what
// the program calls reruns go build but not the check, and the positions
// of the call path follow the moved lines; an edit that adds a call reruns
// both.
//
// Not parallel: it asserts what BuildKit finds in its cache, and beside
// the rest of the suite's builds (which fill that cache, and run the
// same steps at once) it twice saw a step run again that it never ran
// again alone; so it runs before the parallel tests, on its own.
func TestVulnsCache(t *testing.T) {
	db := t.TempDir()
	copyDir(t, os.Getenv("SLIMFILE_VULNDB_DIR"), db)
	dir := textModule(t, true, "slimfile: 1\n")
	ctx := []string{"--build-context", "govulndb=" + db}
	check := "[linux/" + hostArch() + "] govulncheck"
	b, err := buildx(t, dir, ctx...)
	mustBuild(t, b, err)
	first := b
	if n := b.progress.first(t, check).name; !strings.Contains(n, "the govulndb build context of 2026-11-05") {
		t.Errorf("the check is named %q: it should name the database and its date", n)
	}

	b, err = buildx(t, dir, ctx...)
	mustBuild(t, b, err)
	for _, s := range []string{"vulnerability database:", check, "[linux/" + hostArch() + "] go build ."} {
		if !b.progress.cached(t, s) {
			t.Errorf("a second build ran %q again; the first's steps %q, the second's %q", s, first.progress.mentioning("govulncheck"), b.progress.mentioning("govulncheck"))
		}
	}
	checkTextWarnings(t, b, lineOf(t, dir, "slimfile:"))

	// One more entry: a vulnerability of language.ParseAcceptLanguage.
	// Every run's are new to the builder, as are its edits below.
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	entry := `{"schema_version":"1.3.1","id":"GO-2099-0001","modified":"2026-12-01T00:00:00Z","published":"2026-12-01T00:00:00Z",` +
		`"aliases":["CVE-2099-0001"],"summary":"A test entry of the test bed, run ` + run + `","details":"",` +
		`"affected":[{"package":{"name":"golang.org/x/text","ecosystem":"Go"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.99.0"}]}],` +
		`"ecosystem_specific":{"imports":[{"path":"golang.org/x/text/language","symbols":["ParseAcceptLanguage"]}]}}]}`
	if err := os.WriteFile(filepath.Join(db, "ID", "GO-2099-0001.json"), []byte(entry), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err = buildx(t, dir, ctx...)
	mustBuild(t, b, err)
	if b.progress.cached(t, "vulnerability database:") || b.progress.cached(t, check) {
		t.Error("a new entry did not rerun the database step and the check")
	}
	for _, s := range []string{"go mod download", "[linux/" + hostArch() + "] go build ."} {
		if !b.progress.cached(t, s) {
			t.Errorf("a new database entry ran %q again", s)
		}
	}
	if ws := b.progress.warned("GO-2099-0001 (CVE-2099-0001)"); len(ws) != 1 {
		t.Errorf("the new entry is not warned of: %+v", b.progress.warnings)
	}

	// An edit that calls nothing new, above main: lines move.
	main := filepath.Join(dir, "main.go")
	src, _ := os.ReadFile(main)
	edited := strings.Replace(string(src), "func main() {", "var edit1 = \"edit 1\"\n\nfunc init() { edit1 = \"edit "+run+"\" }\n\nfunc main() {", 1)
	os.WriteFile(main, []byte(edited), 0o644)
	b, err = buildx(t, dir, ctx...)
	mustBuild(t, b, err)
	if b.progress.cached(t, "[linux/"+hostArch()+"] go build .") || !b.progress.cached(t, check) {
		t.Errorf("an edit that calls nothing new: go build cached %v, the check cached %v; want go build run, the check cached; steps %q\n%s",
			b.progress.cached(t, "[linux/"+hostArch()+"] go build ."), b.progress.cached(t, check), b.progress.mentioning("govulncheck"), b.tail(60))
	}
	if ws := b.progress.warned("GO-2022-1059"); len(ws) != 1 || !strings.Contains(ws[0].detail, "(main.go:15:") {
		t.Errorf("the call path does not follow the moved line (main.go:15): %+v", ws)
	}

	// An edit that adds a call (in a function of a new name, so that no
	// earlier run's check has the same key).
	os.WriteFile(main, []byte(strings.Replace(edited, "fmt.Println(tags, err)", "fmt.Println(tags, err, lang"+run+"())", 1)+
		"\nfunc lang"+run+"() language.Tag { return language.MustParse(\"en\") }\n"), 0o644)
	b, err = buildx(t, dir, ctx...)
	mustBuild(t, b, err)
	if b.progress.cached(t, "[linux/"+hostArch()+"] go build .") || b.progress.cached(t, check) {
		t.Error("an edit that adds a call did not rerun go build and the check")
	}
}

// TestVulnsAttestation: examples/hello built with --sbom=true carries,
// beside the SBOM, an in-toto attestation of predicate type OpenVEX per
// platform, for that platform's image, which validates as OpenVEX: the
// standard library's findings of the test bed's Go are affected, and the
// build warns of them with the go: value that fixes them.
func TestVulnsAttestation(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "hello")
	// A name, from which the exporter makes the statements' subject.
	b, err := buildx(t, dir, append(mirror(), "--sbom=true", "--platform", "linux/amd64,linux/arm64", "-t", "localhost/slimfile-test/hello:vex")...)
	imgs := mustBuild(t, b, err)
	ws := b.progress.warned("GO-2026-6809")
	if len(ws) != 1 || !strings.Contains(ws[0].msg, "[linux/amd64, linux/arm64]") || !strings.Contains(ws[0].msg, "the standard library of Go "+localGoVersion()) ||
		!strings.Contains(ws[0].msg, "set go: 1.26.10 in the Slimfile, or go.mod's toolchain line to go1.26.10") {
		t.Errorf("the standard library's finding GO-2026-6809 (fixed in 1.26.10): %+v; of its check, the build warned %+v", ws, b.progress.warned("security.vulns"))
	}
	for _, p := range []string{"linux/amd64", "linux/arm64"} {
		img := imgs[p]
		if img == nil {
			t.Fatalf("no %s image", p)
		}
		d, _ := img.Digest()
		dt := attestationOf(t, b.layout, d, "https://openvex.dev/ns/v0.2.0")
		var st struct {
			Type          string                               `json:"_type"`
			PredicateType string                               `json:"predicateType"`
			Subject       []struct{ Digest map[string]string } `json:"subject"`
			Predicate     json.RawMessage                      `json:"predicate"`
		}
		if err := json.Unmarshal(dt, &st); err != nil {
			t.Fatal(err)
		}
		if st.PredicateType != "https://openvex.dev/ns/v0.2.0" || len(st.Subject) == 0 || "sha256:"+st.Subject[0].Digest["sha256"] != d.String() {
			t.Errorf("%s: in-toto statement %s %+v for image %s", p, st.PredicateType, st.Subject, d)
		}
		statuses := validOpenVEX(t, st.Predicate)
		if statuses["GO-2026-6809"] != "affected" {
			t.Errorf("%s: GO-2026-6809 %q, want affected", p, statuses["GO-2026-6809"])
		}
	}
}

// TestVulnsDockerDriver: through the docker driver (the BuildKit of
// Docker Engine 20.10), the check runs and warns as it does on the test
// bed's buildkitd.
func TestVulnsDockerDriver(t *testing.T) {
	t.Parallel()
	d, builder := dockerEngine(t)
	dir := exampleModule(t, "hello")
	cmd := d.Command(append([]string{"buildx", "build", "--builder", builder, rawjson, "-f", filepath.Join(dir, "Slimfile"), "--output", "type=cacheonly"}, append(mirror(), dir)...)...)
	out, err := cmd.CombinedOutput()
	p, perr := readProgress(out)
	if err != nil || perr != nil {
		t.Fatalf("docker-driver build: %v %v\n%s", err, perr, tail(p.String(), 60))
	}
	// Its BuildKit has no build warnings: they are named steps there.
	if ws := p.mentioning("WARNING Slimfile:2: [linux/amd64] GO-2026-6809"); len(ws) != 1 {
		t.Errorf("no warning of the standard library's GO-2026-6809 through the docker driver: %q\n%s", ws, tail(p.String(), 40))
	}
}

// hostArch is the build platform's architecture, the default platform's.
func hostArch() string { return runtime.GOARCH }

func listDir(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel)
		return nil
	})
	slices.Sort(out)
	return out
}

// copyDir copies the regular files of src into dst, but gzipped ones.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".gz") {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dt, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), dt, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
