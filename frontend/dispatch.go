// Package frontend is the BuildKit gateway glue of Slimfile: it reads the
// Slimfile and the module's go.mod through dockerui, answers subrequests,
// gathers what a build starts from (images, named contexts, profile files)
// once into llb.Options, asks package llb for each platform's result,
// solves it and returns images, binaries or profiles.
//
// dispatch.go is the entry point and the table of output kinds;
// options.go gathers what the build starts from; resolve.go reads images
// and the build context; outputs.go builds each kind of output.
package frontend

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/pb"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/spec"
)

// Build is the frontend's entry point.
func Build(ctx context.Context, c client.Client) (_ *client.Result, err error) {
	defer recovered(&err)
	bc, err := dockerui.NewClient(c)
	if err != nil {
		return nil, err
	}
	// go.mod is read beside the Slimfile (see earlyRead); subrequests
	// need neither.
	var early func() *earlyRead
	if _, sub := bc.BuildOpts().Opts["requestid"]; !sub {
		early = startEarlyRead(ctx, c)
		// A Slimfile with errors ends the build before go.mod is looked
		// at: let the read finish rather than show it cut short.
		defer early()
	}
	src, err := bc.ReadEntrypoint(ctx, "YAML")
	if err != nil {
		return nil, err
	}
	f, err := spec.Parse(src.Data)
	if err != nil {
		if bc.BuildOpts().Opts["requestid"] == lint.RequestLint {
			// --call=check reports errors in its own result.
			return check(nil, err, src, nil).ToResult(nil)
		}
		return nil, sourceError(err, src)
	}
	b := &builder{c: c, bc: bc, f: f, src: src, early: early}
	sel, selErr := selectOutput(f, bc.Target)
	if res, ok, err := bc.HandleSubrequest(ctx, dockerui.RequestHandler{
		Outline: func(ctx context.Context) (*outline.Outline, error) {
			if selErr != nil {
				return nil, selErr
			}
			return describeOutline(f, sel, src.Data, bc.BuildArgs), nil
		},
		ListTargets: func(context.Context) (*targets.List, error) {
			return listTargets(f, src.Data), nil
		},
		Lint: func(ctx context.Context) (*lint.LintResults, error) {
			if _, err := f.Resolved(b.argValues(nil)); err != nil {
				return check(nil, err, src, nil), nil
			}
			excludes, err := bc.DockerIgnorePatterns(ctx)
			if err != nil {
				return check(nil, err, src, nil), nil
			}
			return check(f, selErr, src, excludes), nil
		},
	}); err != nil || ok {
		return res, err
	}
	if selErr != nil {
		return nil, selErr
	}
	if b.f, err = f.Resolved(b.argValues(nil)); err != nil {
		return nil, sourceError(err, src)
	}
	res, err := sel.kind.build(b, ctx, sel.target)
	return res, sourceError(err, src)
}

// outputKind is one kind of output every target offers; this table drives
// --target, --call=targets and dispatch.
type outputKind struct {
	// name is the kind's suffix in --target (T.binaries); the image is T.
	name     string
	describe func(t *spec.Target) string
	build    func(b *builder, ctx context.Context, t *spec.Target) (*client.Result, error)
}

var outputKinds = []*outputKind{
	{"image", func(t *spec.Target) string { return "image of " + strings.Join(t.Packages(), ", ") }, (*builder).image},
	{"binaries", func(t *spec.Target) string {
		return fmt.Sprintf("the %s binaries, a directory per platform", strings.Join(t.Packages(), ", "))
	}, (*builder).binaries},
	{"profiles", func(*spec.Target) string { return "seccomp and AppArmor profiles with a Kubernetes securityContext" }, (*builder).profiles},
	{"vulns", func(*spec.Target) string {
		return "the vulnerability check: an OpenVEX document and a summary, a directory per platform"
	}, (*builder).vulns},
	{"report", func(*spec.Target) string {
		return "what the image holds, byte by byte: report.html, report.svg and report.json, a directory per platform"
	}, (*builder).report},
	{"debug", func(t *spec.Target) string {
		if t.Debug.Delve {
			return "the image with a shell, core utilities and delve, which starts the binary on port " + sllb.DlvPort + ": for debugging only"
		}
		return "the image with a shell at /bin/sh and core utilities: for debugging only"
	}, (*builder).debug},
}

// imageKind is the output a bare target name (and no --target) selects.
var imageKind = outputKinds[0]

// output is what --target selected: one target and one of its outputs.
type output struct {
	target *spec.Target
	kind   *outputKind
}

// outputName is how --target names an output: T, T.binaries, T.profiles;
// for the single default target, plain "binaries" and "profiles".
func outputName(f *spec.File, t *spec.Target, k *outputKind) string {
	if k == imageKind {
		return t.Name
	}
	if len(f.Targets) == 1 && t.Name == spec.DefaultTarget {
		return k.name
	}
	return t.Name + "." + k.name
}

// selectOutput resolves --target; empty selects the first target's image.
func selectOutput(f *spec.File, name string) (*output, error) {
	if name == "" {
		return &output{target: f.Targets[0], kind: imageKind}, nil
	}
	var all []string
	for _, t := range f.Targets {
		for _, k := range outputKinds {
			n := outputName(f, t, k)
			if n == name {
				return &output{target: t, kind: k}, nil
			}
			all = append(all, n)
		}
	}
	return nil, fmt.Errorf("target %q is not defined; this Slimfile has: %s", name, strings.Join(all, ", "))
}

// listTargets answers --call=targets.
func listTargets(f *spec.File, src []byte) *targets.List {
	l := &targets.List{Sources: [][]byte{src}}
	for i, t := range f.Targets {
		for _, k := range outputKinds {
			l.Targets = append(l.Targets, targets.Target{
				Name:        outputName(f, t, k),
				Default:     i == 0 && k == imageKind,
				Description: k.describe(t),
				Location:    location(t.Defined),
			})
		}
	}
	return l
}

// describeOutline answers --call=outline: the declared args with defaults.
func describeOutline(f *spec.File, o *output, src []byte, given map[string]string) *outline.Outline {
	out := &outline.Outline{Name: outputName(f, o.target, o.kind), Sources: [][]byte{src}}
	for _, a := range f.Args {
		v := a.Default
		if g, ok := given[a.Name]; ok {
			v = g
		}
		out.Args = append(out.Args, outline.Arg{Name: a.Name, Description: a.Description, Value: v, Location: location(a.Pos)})
	}
	if t := o.target; len(t.Build.Private) > 0 {
		// Credentials for private modules, mounted only into module steps.
		r := t.Where(&t.Build.Private)
		out.Secrets = append(out.Secrets, outline.Secret{Name: "netrc", Location: location(r)})
		out.SSH = append(out.SSH, outline.SSH{Name: "default", Location: location(r)})
	}
	return out
}

func location(r spec.Range) *pb.Location {
	return &pb.Location{SourceIndex: 0, Ranges: []*pb.Range{pbRange(r)}}
}
