package frontend

import (
	"context"
	"encoding/json"
	"path"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/profiles/seccomp"
	"golang.org/x/sync/errgroup"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/report"
	"github.com/slimfile/slimfile/security"
	"github.com/slimfile/slimfile/spec"
)

// report builds t's report output: for each platform, in a directory of
// its own as in the binaries output, report.json, report.svg and
// report.html, made by a step of the frontend's image from the files of
// each layer the image adds and what the frontend knows of its
// confinement and vulnerabilities (llb/report.go). The vulnerability
// check runs as it would for the image, and only warns.
func (b *builder) report(ctx context.Context, t *spec.Target) (*client.Result, error) {
	pl, err := b.start(ctx, t)
	if err != nil {
		return nil, err
	}
	vc := b.startVulnChecks(ctx, pl, false)
	reqs := make([]*report.Request, len(pl.results))
	eg, ectx := errgroup.WithContext(ctx)
	for i, r := range pl.results {
		eg.Go(func() (err error) {
			defer recovered(&err)
			reqs[i], err = b.reportRequest(ectx, r)
			return err
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	if vc != nil {
		if err := b.gateVulns(ctx, vc, gateReport); err != nil {
			return nil, err
		}
		for i := range pl.results {
			reqs[i].Vulns = reportVulns(vc, i)
		}
	}
	var fa *llb.FileAction
	for i, r := range pl.results {
		dt, err := json.Marshal(reqs[i])
		if err != nil {
			return nil, err
		}
		st, err := r.Report(dt)
		if err != nil {
			return nil, err
		}
		dir := "/" + platformDir(r.Platform)
		fa = mkdir(fa, dir, pl.opts.Epoch)
		for _, name := range sllb.ReportFiles {
			fa = fa.Copy(st, "/"+name, path.Join(dir, name), &llb.CopyInfo{CreatedTime: &pl.opts.Epoch})
		}
	}
	return b.solveResult(ctx, llb.Scratch().File(fa, llb.WithCustomName("report: report.json, report.svg and report.html per platform")))
}

// reportRequest is what r's report step measures, with the confinement
// (which waits for the derived profile).
func (b *builder) reportRequest(ctx context.Context, r *sllb.Result) (*report.Request, error) {
	t := r.Target
	set, derivation, err := b.confinementWith(ctx, r)
	if err != nil {
		return nil, err
	}
	req := &report.Request{
		Target: t.Name, Platform: sllb.PlatformString(r.Platform), Epoch: r.Epoch(),
		Strip: t.Build.Strip, Trimpath: t.Build.Trimpath, BuilderPaths: r.BuilderPaths(),
	}
	for _, bin := range r.Binaries {
		req.Binaries = append(req.Binaries, path.Join(sllb.BinDir, bin.Name))
	}
	if r.Base != nil {
		req.Base = r.Base.Ref
	}
	for i, l := range r.Layers() {
		req.Layers = append(req.Layers, report.RequestLayer{What: l.What, Dir: sllb.ReportLayerDir(i)})
	}
	if t.Image.Certs {
		req.Certs = sllb.CertFile
	}
	if t.Image.Tzdata {
		req.Zoneinfo = sllb.ZoneinfoZip
	}
	goarch := r.Platform.Architecture
	s := &report.Seccomp{Profile: t.Security.Seccomp,
		GoList: security.Allowed(security.GoSeccomp(), goarch), DockerDefault: security.Allowed(security.DockerSeccomp(), goarch)}
	if derivation != nil {
		s.BinaryCalls = derivation.Binary
	}
	if set.Seccomp != nil {
		var p seccomp.Seccomp
		if err := json.Unmarshal(set.Seccomp, &p); err == nil {
			s.Allowed = security.AllowedNames(&p, goarch)
		}
	}
	req.Seccomp = s
	return req, nil
}

// reportVulns is what the vulnerability check of platform result i of vc
// found, for the report; nil when it did not run.
func reportVulns(vc *vulnChecks, i int) *report.Vulns {
	rep := vc.reports[i]
	if rep == nil || vc.db == nil {
		return nil
	}
	out := &report.Vulns{DB: vc.db.Info.Source, Modified: vc.db.Info.Modified.Format("2006-01-02T15:04:05Z07:00"), Findings: []report.Finding{}}
	ignored := ignoredVulns(vc.results[i].Target, rep)
	for _, v := range rep.Vulns {
		f := report.Finding{ID: v.ID, Module: v.Module, Version: v.Version, Fixed: v.Fixed, Status: v.Level}
		if ig, ok := ignored[v.ID]; ok {
			f.Status, f.Reason = "ignored", ig.Reason
		}
		if len(v.Symbols) > 0 {
			f.Symbol = strings.Join(v.Symbols, ", ")
		}
		for _, fr := range v.Trace {
			line := fr.Symbol()
			if p := fr.Position(); p != "" {
				line += " (" + p + ")"
			}
			f.Trace = append(f.Trace, line)
		}
		out.Findings = append(out.Findings, f)
	}
	return out
}
