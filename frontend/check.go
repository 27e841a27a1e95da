package frontend

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/patternmatcher"

	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/solver/pb"

	"github.com/slimfile/slimfile/spec"
)

// Rules of --call=check, each with what it warns about.
const (
	ruleNoSeccomp       = "SeccompDisabled"
	ruleRootUser        = "RootUser"
	ruleRepeatedLdflags = "LdflagsRepeatDefaults"
	ruleUnpinnedImage   = "ImageNotPinnedByDigest"
	ruleIgnoredInput    = "IgnoreFileHidesInput"
	ruleNoVulnCheck     = "VulnerabilityCheckOff"
)

var ruleDescriptions = map[string]string{
	ruleNoSeccomp:       "security.seccomp: none ships the image without a seccomp profile",
	ruleRootUser:        "image.user: root runs the program as root",
	ruleRepeatedLdflags: "build.ldflags repeats what the frontend passes already",
	ruleUnpinnedImage:   "an image named without a digest may change between builds",
	ruleIgnoredInput:    "the build context's ignore file excludes a file the build reads",
	ruleNoVulnCheck:     "security.vulns: off builds without checking for known vulnerabilities",
}

// check answers --call=check (BuildKit's frontend.lint subrequest): the
// Slimfile's errors, as a build would report them, and warnings about
// values that build but that a reviewer would question, each at its line.
// parseErr is what parsing (or expanding args) said; f is nil then.
// excludes are the ignore file's patterns (.dockerignore, or the
// Slimfile's own).
func check(f *spec.File, parseErr error, src *dockerui.Source, excludes []string) *lint.LintResults {
	res := &lint.LintResults{}
	idx := res.AddSource(src.SourceMap)
	if parseErr != nil {
		res.Error = &lint.BuildError{Message: parseErr.Error(), Location: pb.Location{SourceIndex: int32(idx)}}
		if es := specErrors(parseErr); len(es) > 0 {
			res.Error.Location.Ranges = []*pb.Range{pbRange(es[0].Range)}
		}
		return res
	}
	warn := func(rule string, r spec.Range, detail string) {
		res.Warnings = append(res.Warnings, lint.Warning{RuleName: rule, Description: ruleDescriptions[rule], Detail: detail,
			Location: &pb.Location{SourceIndex: int32(idx), Ranges: []*pb.Range{pbRange(r)}}})
	}
	// unpinned warns about an image named at key (written at r) without a
	// digest.
	unpinned := func(r spec.Range, key, ref, name string) {
		if ref != "" && ref != "scratch" && !strings.Contains(ref, "@sha256:") {
			warn(ruleUnpinnedImage, r, fmt.Sprintf("%s: %s%s is resolved again at every build; pin it (%s@sha256:...) for builds that can be repeated", key, ref, name, ref))
		}
	}
	unpinned(f.Where(&f.Toolchain), "toolchain", f.Toolchain, "")
	for _, t := range f.Targets {
		name := ""
		if len(f.Targets) > 1 || t.Name != spec.DefaultTarget {
			name = " (target " + t.Name + ")"
		}
		if t.Security.Seccomp == "none" {
			warn(ruleNoSeccomp, t.Where(&t.Security.Seccomp), "security.seccomp: none"+name+": the image carries no seccomp profile, so the runtime's own (or none) applies; the default is derived from the binary and never smaller than what it calls")
		}
		if t.Security.Vulns.Mode == "off" {
			warn(ruleNoVulnCheck, t.Where(&t.Security.Vulns.Mode), "security.vulns: off"+name+": known vulnerabilities that the binary can call go unreported; warn (the default) reports them without failing the build")
		}
		if t.Image.User == "root" {
			warn(ruleRootUser, t.Where(&t.Image.User), "image.user: root"+name+": the program runs as uid 0; the default, nonroot (65532), is enough for a program that binds ports above 1023 and writes under /tmp")
		}
		if d := repeatedLdflags(t.Build); len(d) > 0 {
			warn(ruleRepeatedLdflags, t.Where(&t.Build.Ldflags), fmt.Sprintf("build.ldflags%s: %s already passed by the frontend (-s -w when build.strip is true, -buildid= always); remove them", name, strings.Join(d, " ")))
		}
		unpinned(t.Where(&t.Image.Base), "image.base", t.Image.Base, name)
	}
	for _, h := range hiddenInputs(f, excludes) {
		warn(ruleIgnoredInput, h.at, fmt.Sprintf("%s: the ignore file (%s.dockerignore beside the Slimfile, else .dockerignore) excludes %s, which the build reads; re-include it with a ! line, or give the Slimfile an ignore file of its own", h.key, src.Filename, h.path))
	}
	return res
}

// hidden is a file or directory of the build context that a Slimfile
// value makes the build read.
type hidden struct {
	key, path string
	at        spec.Range
}

// hiddenInputs are the files and directories the build reads that the
// ignore file's patterns exclude: go.mod and go.sum, each target's main
// package, image.files sources and profile files. Values holding ${ARG}
// are left out: what they name is known only once expanded.
func hiddenInputs(f *spec.File, excludes []string) []hidden {
	if len(excludes) == 0 {
		return nil
	}
	pm, err := patternmatcher.New(excludes)
	if err != nil {
		return nil // the build reports a bad ignore file itself
	}
	var out []hidden
	seen := map[string]bool{}
	add := func(key, p string, r spec.Range) {
		if strings.Contains(p, "${") || seen[key+" "+p] {
			return
		}
		seen[key+" "+p] = true
		if hit, err := pm.MatchesOrParentMatches(path.Clean(p)); err == nil && hit {
			out = append(out, hidden{key: key, path: path.Clean(p), at: r})
		}
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		add("module", path.Join(f.Module, name), f.Where(&f.Module))
	}
	for _, t := range f.Targets {
		for i := range t.Mains {
			m := &t.Mains[i].Package
			add(t.Key(m), path.Join(f.Module, *m), t.Where(m))
		}
		for i := range t.Image.Files {
			src := &t.Image.Files[i].Src
			add(t.Key(src), *src, t.Where(src))
		}
		for _, v := range t.ProfileFiles() {
			add(t.Key(v), *v, t.Where(v))
		}
		for i := range t.Image.CA {
			add(t.Key(&t.Image.CA[i]), t.Image.CA[i], t.Where(&t.Image.CA[i]))
		}
	}
	return out
}

// repeatedLdflags are the flags of b.Ldflags that the frontend passes
// itself.
func repeatedLdflags(b spec.Build) []string {
	var d []string
	for _, f := range b.Ldflags {
		for _, w := range strings.Fields(f) {
			if w == "-buildid=" || (b.Strip && slices.Contains([]string{"-s", "-w"}, w)) {
				d = append(d, w)
			}
		}
	}
	return d
}
