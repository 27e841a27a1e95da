package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"

	"github.com/slimfile/slimfile/internal/gostep"
	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/security"
	"github.com/slimfile/slimfile/spec"
)

// The vulnerability gate (security.vulns). The database is the named
// context govulndb when the build has one (offline: a directory in the
// database's layout, or holding its vulndb.zip), else vulndb.zip of the
// Go vulnerability database at defaultVulnDB (or the mirror the build arg
// vulnDBArg names), fetched by BuildKit, which keeps it until it changes.
// Each platform's check runs in a step of its own beside the image
// (llb/vulns.go); the frontend reads what it found, warns at the
// security.vulns line (or the slimfile line) for each vulnerability the
// binary can call, or fails there with mode fail, and makes the OpenVEX
// documents.
const (
	vulnDBContext = "govulndb"
	vulnDBArg     = "SLIMFILE_VULNDB"
	defaultVulnDB = "https://vuln.go.dev"
)

// errNoVulnDB is a database that cannot be had: the check is skipped
// (warn) or the build fails (fail).
type errNoVulnDB struct {
	source string
	err    error
}

func (e *errNoVulnDB) Error() string {
	return fmt.Sprintf("the Go vulnerability database could not be had from %s (%v); an air-gapped builder needs it given with --build-context %s=<directory of its files or vulndb.zip>", e.source, e.err, vulnDBContext)
}

// vulnDBOnce resolves the database once per build.
type vulnDBOnce struct {
	once sync.Once
	db   *sllb.VulnDB
	ref  client.Reference
	err  error
}

// vulnDB is the build's vulnerability database, checked by the vulndb
// step, and what that step found in it.
func (b *builder) vulnDB(ctx context.Context, frontend *llb.State) (*sllb.VulnDB, client.Reference, error) {
	b.vulnDBs.once.Do(func() {
		defer recovered(&b.vulnDBs.err)
		b.vulnDBs.db, b.vulnDBs.ref, b.vulnDBs.err = b.resolveVulnDB(ctx, frontend)
	})
	return b.vulnDBs.db, b.vulnDBs.ref, b.vulnDBs.err
}

func (b *builder) resolveVulnDB(ctx context.Context, frontend *llb.State) (*sllb.VulnDB, client.Reference, error) {
	bp := b.bc.BuildPlatforms[0]
	nc, err := b.bc.NamedContext(vulnDBContext, dockerui.ContextOpt{Platform: &bp, ResolveMode: b.bc.ImageResolveMode.String()})
	if err != nil {
		return nil, nil, wrapf(err, "--build-context %s", vulnDBContext)
	}
	var in llb.State
	var source string
	if nc != nil {
		st, _, err := nc.Load(ctx)
		if err != nil {
			return nil, nil, wrapf(err, "--build-context %s", vulnDBContext)
		}
		in, source = *st, "the "+vulnDBContext+" build context"
	} else {
		url := strings.TrimSuffix(defaultVulnDB, "/")
		if v := b.bc.BuildArgs[vulnDBArg]; v != "" {
			url = strings.TrimSuffix(v, "/")
		}
		if !strings.HasSuffix(url, ".zip") {
			url += "/vulndb.zip"
		}
		in, source = llb.HTTP(url, llb.Filename("vulndb.zip"), llb.WithCustomName("fetch the Go vulnerability database "+url)), url
	}
	st := sllb.VulnDBState(*frontend, in, source)
	ref, err := b.solve(ctx, st, bp)
	if err == nil {
		var dt []byte
		if dt, err = ref.ReadFile(ctx, client.ReadRequest{Filename: security.VulnDBInfoFile}); err == nil {
			var info security.VulnDBInfo
			if err = json.Unmarshal(dt, &info); err == nil && info.Error == "" {
				return &sllb.VulnDB{State: st, Info: &info}, ref, nil
			} else if err == nil {
				err = errors.New(info.Error)
			}
		}
	}
	if nc != nil {
		// A database the build was given that is not one is an error,
		// whatever the mode.
		return nil, nil, fmt.Errorf("--build-context %s: %v", vulnDBContext, err)
	}
	return nil, nil, &errNoVulnDB{source: source, err: err}
}

// vulnChecks are the vulnerability checks of a plan's platforms, run side
// by side with the rest of the build.
type vulnChecks struct {
	results []*sllb.Result
	reports []*security.VulnReport // by result; nil when the check did not run
	errs    []error
	db      *sllb.VulnDB
	dbRef   client.Reference
	// wait waits for the checks, and returns why the database cannot be
	// had (errNoVulnDB) or the check not run.
	wait  func() error
	dbErr error
}

// vulnsOn reports whether t's binaries are checked: unless security.vulns
// is off, or with force (the vulns output asks for the check).
func vulnsOn(t *spec.Target, force bool) bool {
	return force || t.Security.Vulns.Mode != "off"
}

// startVulnChecks starts the check of every platform of pl whose target
// is checked (vulnsOn), and returns them; nil when none is.
func (b *builder) startVulnChecks(ctx context.Context, pl *plan, force bool) *vulnChecks {
	if !slices.ContainsFunc(pl.results, func(r *sllb.Result) bool { return vulnsOn(r.Target, force) }) {
		return nil
	}
	vc := &vulnChecks{results: pl.results, reports: make([]*security.VulnReport, len(pl.results)),
		errs: make([]error, len(pl.results))}
	vc.wait = spawn(func() error {
		if pl.opts.Frontend == nil {
			return errors.New("this BuildKit does not say which image runs the frontend, whose step program checks the binary")
		}
		var err error
		if vc.db, vc.dbRef, err = b.vulnDB(ctx, pl.opts.Frontend); err != nil {
			return err
		}
		// One platform after the other: run at once, the checks of two
		// platforms (which mount the same database) made BuildKit (v0.34)
		// fail one of them with "releasing already released reference"
		// on a builder whose cache was empty.
		for i, r := range pl.results {
			if vulnsOn(r.Target, force) {
				vc.reports[i], vc.errs[i] = b.checkVulns(ctx, vc.db, r)
			}
		}
		return nil
	})
	return vc
}

// checkVulns runs r's check and reads its report. A check that finds no
// sources kept under the code's digest (gostep.NoSources) runs again on
// the build context.
func (b *builder) checkVulns(ctx context.Context, db *sllb.VulnDB, r *sllb.Result) (*security.VulnReport, error) {
	rep, err := b.runVulnCheck(ctx, db, r, false)
	if releasedTwice(err) {
		rep, err = b.runVulnCheck(ctx, db, r, false)
	}
	if exitedWith(err, gostep.NoSources) {
		rep, err = b.runVulnCheck(ctx, db, r, true)
	}
	return rep, err
}

// releasedTwice reports whether err is BuildKit's (v0.34) "releasing
// already released reference", which the solve of a check returned under
// load when the checks of several platforms or builds ran at once on the
// same database, after the check itself had run: the vertex is sound, and
// solving it again finds it.
func releasedTwice(err error) bool {
	return err != nil && strings.Contains(err.Error(), "releasing already released reference")
}

func (b *builder) runVulnCheck(ctx context.Context, db *sllb.VulnDB, r *sllb.Result, fromContext bool) (*security.VulnReport, error) {
	st, err := r.VulnCheck(db, fromContext)
	if err != nil {
		return nil, err
	}
	// go build keeps the sources the check reads, and the check has no
	// input of go build's (llb/vulns.go): it runs after it. The image's
	// solve of the same step is the same vertex to BuildKit.
	if _, err := b.goBuild(ctx, r.Binaries[0]); err != nil {
		return nil, err
	}
	ref, err := b.solveEvaluating(ctx, st, b.bc.BuildPlatforms[0], true)
	if err != nil {
		return nil, err
	}
	dt, err := ref.ReadFile(ctx, client.ReadRequest{Filename: sllb.VulnReportFile})
	if err != nil {
		return nil, err
	}
	var rep security.VulnReport
	if err := json.Unmarshal(dt, &rep); err != nil {
		return nil, wrapf(err, "reading the vulnerability check's report")
	}
	rep.DB = db.Info.Source // the step knows it by its mount
	b.placeFrames(&rep)
	return &rep, nil
}

// placeFrames finds the frames of the module's own code again in the
// sources of this build: a check whose key (the code's digest) matched an
// earlier build's was made on that build's sources, whose lines may have
// moved since. A frame that cannot be found keeps its file only.
func (b *builder) placeFrames(rep *security.VulnReport) {
	if b.code == nil {
		return
	}
	for i := range rep.Vulns {
		for j := range rep.Vulns[i].Trace {
			f := &rep.Vulns[i].Trace[j]
			if f.At == nil {
				continue
			}
			line, col, ok := security.Resolve(b.code.files[f.At.File], *f.At)
			if !ok {
				line, col = 0, 0
			}
			f.Line, f.Column = line, col
		}
	}
}

// exitedWith reports whether err is a step's exit with status code (a
// BuildKit too old to type the error says it in words).
func exitedWith(err error, code int) bool {
	var exit *gwpb.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode == uint32(code)
	}
	return err != nil && strings.Contains(err.Error(), fmt.Sprintf("exit code: %d", code))
}

// done waits for the checks.
func (vc *vulnChecks) done() {
	vc.dbErr = vc.wait()
}

// vulnsAt is where a warning or failure of t's vulnerability gate points:
// the mode, else the vulns key, else the slimfile line.
func vulnsAt(t *spec.Target) spec.Range {
	if r, ok := t.Pos(&t.Security.Vulns.Mode); ok {
		return r
	}
	return t.Where(&t.Security.Vulns)
}

// ignoredVulns are t's ignored vulnerabilities, by the ID under which
// rep has them (an ignore may name an alias).
func ignoredVulns(t *spec.Target, rep *security.VulnReport) map[string]security.Ignored {
	out := map[string]security.Ignored{}
	for _, ig := range t.Security.Vulns.Ignore {
		for _, v := range rep.Vulns {
			if slices.Contains(v.Names(), ig.ID) {
				out[v.ID] = security.Ignored{Reason: ig.Reason}
			}
		}
	}
	return out
}

// gate is what an output does with what the checks found.
type gate int

const (
	// gateBuild: the image and the binaries: warn, or fail with
	// security.vulns: fail.
	gateBuild gate = iota
	// gateExport: the vulns output, which exports the findings: the check
	// must run, and what it finds only warns.
	gateExport
	// gateReport: the report, which shows the findings when there are
	// some: what it finds, or that it could not run, only warns.
	gateReport
)

// gateVulns says what the checks found: a warning for each vulnerability
// a binary can call (once for all platforms), and, with security.vulns:
// fail, an error. A database that cannot be had, or a check that failed,
// is a warning (warn) or an error (fail). An ignored ID that the
// database does not have is an error at its line. how changes that for
// the outputs that are no image (gate).
func (b *builder) gateVulns(ctx context.Context, vc *vulnChecks, how gate) error {
	if vc == nil {
		return nil
	}
	vc.done()
	t := vc.results[0].Target
	if vc.dbErr != nil {
		var no *errNoVulnDB
		if !errors.As(vc.dbErr, &no) {
			return at(vc.dbErr, vulnsAt(t))
		}
		switch {
		case how == gateExport:
			return vc.dbErr
		case how == gateBuild && t.Security.Vulns.Mode == "fail":
			return at(fmt.Errorf("security.vulns: fail: the check cannot run, so the build stops: %v", vc.dbErr), vulnsAt(t))
		}
		b.warn(ctx, vulnsAt(t), "security.vulns: the vulnerability check was skipped: "+vc.dbErr.Error())
		return nil
	}
	for _, p := range vc.db.Info.Skipped {
		b.warn(ctx, vulnsAt(t), fmt.Sprintf("security.vulns: the vulnerability database (%s) has an entry that cannot be read, %s (%s): it was left out of the check, and the rest checked", vc.db.Info.Source, p.Name, p.Error))
	}
	if err := b.checkIgnoredIDs(ctx, vc); err != nil {
		return err
	}
	type finding struct {
		v         security.Vuln
		platforms []string
	}
	var order []string
	found := map[string]*finding{}
	var failed []string
	for i, r := range vc.results {
		t := r.Target
		plat := sllb.PlatformString(r.Platform)
		if err := vc.errs[i]; err != nil {
			if how == gateExport || how == gateBuild && t.Security.Vulns.Mode == "fail" {
				return at(wrapf(err, "security.vulns: [%s] the vulnerability check failed", plat), vulnsAt(t))
			}
			b.warn(ctx, vulnsAt(t), fmt.Sprintf("security.vulns: [%s] the vulnerability check failed, so nothing is known of the binary's vulnerabilities: %v", plat, err))
			continue
		}
		rep := vc.reports[i]
		if rep == nil {
			continue
		}
		ignored := ignoredVulns(t, rep)
		for _, v := range rep.Called() {
			if _, ok := ignored[v.ID]; ok {
				continue
			}
			if f := found[v.ID]; f != nil {
				f.platforms = append(f.platforms, plat)
				continue
			}
			found[v.ID] = &finding{v: v, platforms: []string{plat}}
			order = append(order, v.ID)
			if how == gateBuild && t.Security.Vulns.Mode == "fail" {
				failed = append(failed, v.ID)
			}
		}
	}
	slices.Sort(order)
	for _, id := range order {
		f := found[id]
		b.warnDetail(ctx, vulnsAt(t), vulnMessage(b.f, f.v, f.platforms), "call path: "+f.v.CallPath())
	}
	if len(failed) > 0 {
		slices.Sort(failed)
		return at(fmt.Errorf("security.vulns: fail: the binary can call %d known %s (%s): fix them (see the warnings), or list one under security.vulns.ignore with the reason it does not matter here",
			len(failed), plural(len(failed), "vulnerability", "vulnerabilities"), strings.Join(failed, ", ")), vulnsAt(t))
	}
	return nil
}

// checkIgnoredIDs fails when an ignored ID is in no entry of the
// database: a typo must not silence the gate.
func (b *builder) checkIgnoredIDs(ctx context.Context, vc *vulnChecks) error {
	var ignores []*spec.VulnIgnore
	var owner []*spec.Target
	seen := map[*spec.Target]bool{}
	for _, r := range vc.results {
		if seen[r.Target] {
			continue
		}
		seen[r.Target] = true
		for i := range r.Target.Security.Vulns.Ignore {
			ignores = append(ignores, &r.Target.Security.Vulns.Ignore[i])
			owner = append(owner, r.Target)
		}
	}
	if len(ignores) == 0 {
		return nil
	}
	dt, err := vc.dbRef.ReadFile(ctx, client.ReadRequest{Filename: security.VulnDBIDsFile})
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for id := range strings.FieldsSeq(string(dt)) {
		known[id] = true
	}
	var errs spec.Errors
	for i, ig := range ignores {
		if !known[ig.ID] {
			errs = append(errs, &spec.Error{Range: owner[i].Where(&ig.ID),
				Msg: fmt.Sprintf("security.vulns.ignore: %s is in no entry of the vulnerability database (%s): a mistyped ID would ignore nothing", ig.ID, vc.db.Info.Source)})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// vulnMessage is the warning for v, found on platforms: the ID, the
// module or stdlib at its version, what the binary can call, and what
// fixes it.
func vulnMessage(f *spec.File, v security.Vuln, platforms []string) string {
	names := v.ID
	if len(v.Aliases) > 0 {
		names += " (" + strings.Join(v.Aliases, ", ") + ")"
	}
	mod := v.Module + "@" + v.Version
	if v.IsStdlib() {
		mod = "the standard library of Go " + strings.TrimPrefix(v.Version, "v")
		if len(v.Packages) > 0 {
			mod += " (" + strings.Join(v.Packages, ", ") + ")"
		}
	}
	// The symbol the call path reaches first, then the others.
	calls := v.Symbols
	if n := len(v.Trace); n > 0 {
		first := v.Trace[n-1].Symbol()
		calls = append([]string{first}, slices.DeleteFunc(slices.Clone(calls), func(s string) bool { return s == first })...)
	}
	if len(calls) > 3 {
		calls = append(slices.Clip(calls[:3]), fmt.Sprintf("%d more", len(v.Symbols)-3))
	}
	msg := fmt.Sprintf("[%s] %s: %s: %s; the binary can call %s", strings.Join(platforms, ", "), names, mod, strings.TrimSuffix(v.Summary, "."), strings.Join(calls, ", "))
	switch {
	case v.Fixed == "":
		msg += "; no fixed version yet"
	case v.IsStdlib():
		msg += "; fixed in Go " + strings.TrimPrefix(v.Fixed, "v") + ": " + stdlibAdvice(f, strings.TrimPrefix(v.Fixed, "v"))
	default:
		msg += fmt.Sprintf("; fixed in %s: go get %s@%s", v.Fixed, v.Module, v.Fixed)
	}
	return msg
}

// stdlibAdvice says how to build with Go version: through the key that
// chose the toolchain.
func stdlibAdvice(f *spec.File, version string) string {
	switch {
	case f.Toolchain != "":
		return "name a toolchain image with Go " + version + " or later (toolchain:)"
	case f.Go != "":
		return "set go: " + version
	}
	return "set go: " + version + " in the Slimfile, or go.mod's toolchain line to go" + version
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// vexDocument is the OpenVEX document of platform result i of vc, nil
// when its check did not run.
func (b *builder) vexDocument(vc *vulnChecks, i int) ([]byte, error) {
	rep := vc.reports[i]
	if rep == nil {
		return nil, nil
	}
	r := vc.results[i]
	product := security.PURL(rep.Module, "")
	return security.OpenVEX(rep, product, b.vexTime(vc), ignoredVulns(r.Target, rep))
}

// vexTime is when the statements are made: SOURCE_DATE_EPOCH when given,
// else the database's modification time, so that the same inputs give the
// same document.
func (b *builder) vexTime(vc *vulnChecks) time.Time {
	if _, ok := b.bc.BuildArgs["SOURCE_DATE_EPOCH"]; ok || vc.db == nil {
		return b.epoch()
	}
	return vc.db.Info.Modified
}

// vulnSummary is the plain-text summary of platform result i of vc.
func vulnSummary(vc *vulnChecks, i int) string {
	rep := vc.reports[i]
	r := vc.results[i]
	var s strings.Builder
	fmt.Fprintf(&s, "%s, %s\n", r.Target.Name, sllb.PlatformString(r.Platform))
	fmt.Fprintf(&s, "checked with %s (source mode) against %s (%d entries, modified %s), Go %s\n",
		rep.Scanner, vc.db.Info.Source, vc.db.Info.Entries, vc.db.Info.Modified.Format(time.RFC3339), strings.TrimPrefix(rep.GoVersion, "go"))
	ignored := ignoredVulns(r.Target, rep)
	for _, level := range []string{security.LevelCalled, security.LevelImported, security.LevelRequired} {
		var lines []string
		for _, v := range rep.Vulns {
			if v.Level != level {
				continue
			}
			line := fmt.Sprintf("  %s %s@%s, fixed in %s: %s", v.ID, v.Module, v.Version, orNoFix(v.Fixed), v.Summary)
			if ig, ok := ignored[v.ID]; ok {
				line += "\n    ignored: " + ig.Reason
			}
			if level == security.LevelCalled {
				line += "\n    " + v.CallPath()
			}
			lines = append(lines, line)
		}
		title := map[string]string{
			security.LevelCalled:   "the binary can call",
			security.LevelImported: "imported, but no call path found (not_affected)",
			security.LevelRequired: "in required modules only (not_affected)",
		}[level]
		fmt.Fprintf(&s, "\n%s: %d\n", title, len(lines))
		for _, l := range lines {
			s.WriteString(l + "\n")
		}
	}
	return s.String()
}

func orNoFix(s string) string {
	if s == "" {
		return "no version yet"
	}
	return s
}

// vulnFiles are the files of the vulns output for platform result i: the
// OpenVEX document and the summary.
func (b *builder) vulnFiles(vc *vulnChecks, i int) (map[string][]byte, error) {
	vex, err := b.vexDocument(vc, i)
	if err != nil || vex == nil {
		return nil, err
	}
	return map[string][]byte{"vex.json": vex, "vulns.txt": []byte(vulnSummary(vc, i))}, nil
}
