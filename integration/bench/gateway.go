package main

import (
	"os"
	"path/filepath"
)

// trivial is a Dockerfile whose no-op build is almost nothing but the
// frontend's own cost.
const trivial = "FROM scratch\nCOPY hello /hello\n"

// frontendCosts are median no-op build times that show what BuildKit adds
// to every build whose frontend runs from an image (`# syntax=`, as a
// Slimfile's does).
type frontendCosts struct {
	builtin float64 // a trivial Dockerfile on the built-in frontend
	syntax  float64 // the same through # syntax=docker/dockerfile:1
	null    float64 // a frontend that builds nothing, through # syntax=
}

// measureFrontendCosts builds each of frontendCosts' subjects once, then
// rounds of no-op builds, interleaved so that drift in the machine's load
// touches all alike. The null frontend's time is a floor under every
// `# syntax=` build: BuildKit resolving, starting and stopping the
// frontend's container, and exporting.
func measureFrontendCosts(rounds int, null string) frontendCosts {
	tmp, err := os.MkdirTemp("", "slimfile-bench-gateway-")
	check(err)
	defer os.RemoveAll(tmp)
	check(os.WriteFile(filepath.Join(tmp, "hello"), []byte("hello\n"), 0o644))
	check(os.WriteFile(filepath.Join(tmp, "Dockerfile.builtin"), []byte(trivial), 0o644))
	check(os.WriteFile(filepath.Join(tmp, "Dockerfile.syntax"), []byte("# syntax=docker/dockerfile:1\n"+trivial), 0o644))
	check(os.WriteFile(filepath.Join(tmp, "Nullfile"), []byte("# syntax="+null+"\n"), 0o644))
	vs := []*buildkitVariant{{"built-in", "Dockerfile.builtin"}, {"# syntax=", "Dockerfile.syntax"}, {"null frontend", "Nullfile"}}
	times := make([][]float64, len(vs))
	for _, v := range vs {
		v.build(tmp, "linux/amd64", false)
	}
	for range rounds {
		for i, v := range vs {
			t, _ := v.build(tmp, "linux/amd64", false)
			times[i] = append(times[i], t)
		}
	}
	return frontendCosts{median(times[0]), median(times[1]), median(times[2])}
}
