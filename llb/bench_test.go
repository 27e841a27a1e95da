package llb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/spec"
)

// largeSlimfile has n targets, each with its own main, build flags, files
// and labels, for four platforms: a monorepo's worth of services.
func largeSlimfile(n int) []byte {
	var b strings.Builder
	b.WriteString("slimfile: 1\nplatforms: [linux/amd64, linux/arm64, linux/arm/v7, linux/amd64/v3]\n")
	b.WriteString("args:\n  VERSION: 1.0.0\nbuild:\n  tags: [netgo, osusergo]\n  ldflags: [\"-X main.version=${VERSION}\"]\n")
	b.WriteString("image:\n  labels: {team: platform}\ntargets:\n")
	for i := range n {
		fmt.Fprintf(&b, "  svc%d:\n    main: ./cmd/svc%d\n    build:\n      env: {GOEXPERIMENT: \"\"}\n", i, i)
		fmt.Fprintf(&b, "    image:\n      files: [{src: config/svc%d.yaml, dst: /etc/svc%d.yaml, mode: 0640}]\n", i, i)
		fmt.Fprintf(&b, "      labels: {service: svc%d}\n      expose: [\"%d\"]\n", i, 8000+i)
	}
	return []byte(b.String())
}

// BenchmarkLLBLargeSlimfile measures what the frontend does for a whole
// build of a large Slimfile before BuildKit runs anything: parse and check
// it, expand every target for every platform, and build and marshal the
// LLB of every image (50 targets x 4 platforms = 200 images).
//
//	go test ./llb -run '^$' -bench LLBLargeSlimfile -benchtime 20x
func BenchmarkLLBLargeSlimfile(b *testing.B) {
	src := largeSlimfile(50)
	in := inputs(true)
	fe := llb.Image("registry.example/slimfile:1", llb.Platform(buildPlatform))
	in.Frontend = &fe
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		f, err := spec.Parse(src)
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range f.Targets {
			for _, ps := range t.Platforms {
				p := platforms.Normalize(platforms.MustParse(ps))
				et, err := f.Expanded(t, map[string]string{"VERSION": "1.0.0", "TARGETARCH": p.Architecture})
				if err != nil {
					b.Fatal(err)
				}
				r, err := sllb.Build(in, et, p)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := r.Image.Marshal(ctx, llb.Platform(p)); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}
