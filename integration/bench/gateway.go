package main

import (
	"os"
	"path/filepath"
)

// trivial is a Dockerfile whose no-op build is almost nothing but the
// frontend's own cost.
const trivial = "FROM scratch\nCOPY hello /hello\n"

// gatewayCost measures what BuildKit adds to every build whose frontend
// runs from an image (`# syntax=`, as a Slimfile's does): the median no-op
// build of a trivial Dockerfile on the built-in frontend, and through
// `# syntax=docker/dockerfile:1`, the same frontend code started in a
// container. Their difference is a floor under the gap between any
// `# syntax=` build and a Dockerfile on the built-in frontend.
func gatewayCost(runs int) (builtin, gateway float64) {
	tmp, err := os.MkdirTemp("", "slimfile-bench-gateway-")
	check(err)
	defer os.RemoveAll(tmp)
	check(os.WriteFile(filepath.Join(tmp, "hello"), []byte("hello\n"), 0o644))
	check(os.WriteFile(filepath.Join(tmp, "Dockerfile.builtin"), []byte(trivial), 0o644))
	check(os.WriteFile(filepath.Join(tmp, "Dockerfile.syntax"), []byte("# syntax=docker/dockerfile:1\n"+trivial), 0o644))
	b := &buildkitVariant{"built-in", "Dockerfile.builtin"}
	g := &buildkitVariant{"# syntax=", "Dockerfile.syntax"}
	b.build(tmp, "linux/amd64", false)
	g.build(tmp, "linux/amd64", false)
	var bs, gs []float64
	// Interleaved, so that drift in the machine's load touches both.
	for range max(3*runs, 9) {
		t, _ := b.build(tmp, "linux/amd64", false)
		bs = append(bs, t)
		t, _ = g.build(tmp, "linux/amd64", false)
		gs = append(gs, t)
	}
	return median(bs), median(gs)
}
