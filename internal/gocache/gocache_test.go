package gocache

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The test binary is also the cache program of the go commands it runs.
func TestMain(m *testing.M) {
	if dirs := os.Getenv("GOCACHE_TEST_RECORDER"); dirs != "" {
		persist, out, _ := strings.Cut(dirs, ":")
		if err := (&Recorder{Persist: Dir(persist), Out: Dir(out)}).Serve(os.Stdin, os.Stdout); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// goBuild runs go build -trimpath -x in dir with GOCACHE (and GOCACHEPROG
// when recorder is persist:out) and returns the packages it compiled.
func goBuild(t *testing.T, dir, gocache, recorder string, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"build", "-trimpath", "-x"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOCACHE="+gocache, "CGO_ENABLED=0", "GOFLAGS=", "GOTOOLCHAIN=local", "GOWORK=off")
	if recorder != "" {
		cmd.Env = append(cmd.Env, "GOCACHEPROG="+os.Args[0], "GOCACHE_TEST_RECORDER="+recorder)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build %v: %v\n%s", args, err, out)
	}
	var compiled []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "/compile -o") {
			if _, after, ok := strings.Cut(line, " -p "); ok {
				compiled = append(compiled, strings.Fields(after)[0])
			}
		}
	}
	return compiled
}

// TestRecordAndSeed: a build through the Recorder compiles into the
// persistent cache and records what it used into a layer, packed when the
// build closes it; a second build reads the persistent cache and records
// the same layer; a fresh cache
// seeded from the layer builds a main package compiling only main, and is
// seeded once.
func TestRecordAndSeed(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	tmp := t.TempDir()
	mod := filepath.Join(tmp, "m")
	os.MkdirAll(mod, 0o755)
	os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/m\n\ngo 1.24\n"), 0o644)
	os.WriteFile(filepath.Join(mod, "main.go"), []byte("package main\n\nimport \"strconv\"\n\nfunc main() { println(strconv.Itoa(1)) }\n"), 0o644)
	persist, layer1, layer2 := filepath.Join(tmp, "persist"), filepath.Join(tmp, "layer1"), filepath.Join(tmp, "layer2")

	if c := goBuild(t, mod, persist, persist+":"+layer1, "strconv"); len(c) == 0 {
		t.Fatal("the first dependency build compiled nothing")
	}
	if c := goBuild(t, mod, persist, persist+":"+layer2, "strconv"); len(c) != 0 {
		t.Errorf("the second dependency build compiled %v: it did not read the persistent cache", c)
	}
	// A layer recorded while compiling and one recorded from the
	// persistent cache both hold what the main build needs.
	for i, layer := range []string{layer1, layer2} {
		if _, err := os.Stat(filepath.Join(layer, IDFile)); err != nil {
			t.Fatalf("the layer has no %s: %v", IDFile, err)
		}
		if _, err := os.Stat(filepath.Join(layer, PackFile)); err != nil {
			t.Fatalf("the layer was not packed: %v", err)
		}
		if loose, _ := filepath.Glob(filepath.Join(layer, "*", "*-[ad]")); len(loose) > 0 {
			t.Errorf("the packed layer still holds %d loose files", len(loose))
		}
		fresh := Dir(filepath.Join(tmp, "fresh"+string(rune('1'+i))))
		n, err := fresh.Seed(Dir(layer))
		if err != nil || n == 0 {
			t.Fatalf("Seed: %d files, %v", n, err)
		}
		if c := goBuild(t, mod, string(fresh), "", "-o", filepath.Join(tmp, "bin"+string(rune('1'+i))), "."); len(c) != 1 || c[0] != "main" {
			t.Errorf("the build on the cache seeded from layer %d compiled %v, want only main", i+1, c)
		}
		if n, err := fresh.Seed(Dir(layer)); n != 0 || err != nil {
			t.Errorf("a second Seed copied %d files (%v): the marker did not hold", n, err)
		}
	}
	if n, err := Dir(persist).Seed(Dir(filepath.Join(tmp, "empty"))); n != 0 || err != nil {
		t.Errorf("Seed of an empty layer: %d, %v", n, err)
	}
}
