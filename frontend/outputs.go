package frontend

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/pb"

	"github.com/slimfile/slimfile/spec"
)

// Output kinds a target offers.
const (
	kindImage    = "image"
	kindBinaries = "binaries"
	kindProfiles = "profiles"
)

// output is what --target selected: one target and one of its outputs.
type output struct {
	target *spec.Target
	kind   string
}

// outputName is how --target names an output: T, T.binaries, T.profiles;
// for the single default target, plain "binaries" and "profiles".
func outputName(f *spec.File, t *spec.Target, kind string) string {
	if kind == kindImage {
		return t.Name
	}
	if len(f.Targets) == 1 && t.Name == spec.DefaultTarget {
		return kind
	}
	return t.Name + "." + kind
}

// selectOutput resolves --target; empty selects the first target's image.
func selectOutput(f *spec.File, name string) (*output, error) {
	if name == "" {
		return &output{target: f.Targets[0], kind: kindImage}, nil
	}
	var all []string
	for _, t := range f.Targets {
		for _, k := range []string{kindImage, kindBinaries, kindProfiles} {
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
		desc := map[string]string{
			kindImage:    fmt.Sprintf("image of %s", t.Main),
			kindBinaries: fmt.Sprintf("the %s binaries, a directory per platform", t.Main),
			kindProfiles: "seccomp and AppArmor profiles with a Kubernetes securityContext",
		}
		for _, k := range []string{kindImage, kindBinaries, kindProfiles} {
			l.Targets = append(l.Targets, targets.Target{
				Name:        outputName(f, t, k),
				Default:     i == 0 && k == kindImage,
				Description: desc[k],
				Location:    location(t.Pos),
			})
		}
	}
	return l
}

// describeOutline answers --call=outline: the declared args with defaults.
func describeOutline(_ context.Context, f *spec.File, o *output, src []byte, given map[string]string) *outline.Outline {
	out := &outline.Outline{Name: outputName(f, o.target, o.kind), Sources: [][]byte{src}}
	for _, a := range f.Args {
		v := a.Default
		if g, ok := given[a.Name]; ok {
			v = g
		}
		out.Args = append(out.Args, outline.Arg{Name: a.Name, Description: a.Description, Value: v, Location: location(a.Pos)})
	}
	if len(o.target.Build.Private) > 0 {
		// Credentials for private modules, mounted only into module steps.
		r, _ := f.Pos(o.target, "build.private")
		out.Secrets = append(out.Secrets, outline.Secret{Name: "netrc", Location: location(r)})
		out.SSH = append(out.SSH, outline.SSH{Name: "default", Location: location(r)})
	}
	return out
}

func location(r spec.Range) *pb.Location {
	return &pb.Location{SourceIndex: 0, Ranges: []*pb.Range{pbRange(r)}}
}
