package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// moduleSlimfiles is what the Slimfile of a module fetched as a subject
// holds after its first two lines, by module path (none for others).
var moduleSlimfiles = map[string]string{
	"github.com/prometheus/blackbox_exporter": "image:\n  expose: [\"9115\"]\n",
}

// subjectDir is where subject's source is and the name the tables give
// it. A subject is a directory with a Slimfile, or module@version: a
// module with its main package at its root, fetched from the Go module
// proxy at run time into a temporary directory (which cleanup removes)
// and given a Slimfile there.
func subjectDir(subject string) (dir, label string, cleanup func()) {
	mod, version, ok := strings.Cut(subject, "@")
	if !ok {
		return subject, subject, func() {}
	}
	tmp, err := os.MkdirTemp("", "slimfile-bench-module-")
	check(err)
	dir = fetchModule(mod, version, tmp)
	slimfile := "# syntax=" + os.Getenv("SLIMFILE_FRONTEND") + "\nslimfile: 1\n" + moduleSlimfiles[mod]
	check(os.WriteFile(filepath.Join(dir, "Slimfile"), []byte(slimfile), 0o644))
	if _, err := os.Stat(filepath.Join(dir, ".dockerignore")); err == nil {
		// A .dockerignore written for the module's own Dockerfile (coredns's
		// excludes everything but its binary): the Slimfile gets one of its
		// own, as the frontend's error says to do.
		check(os.WriteFile(filepath.Join(dir, "Slimfile.dockerignore"), []byte(".git\n"), 0o644))
	}
	label = path.Base(mod)
	if regexp.MustCompile(`^v[0-9]+$`).MatchString(label) {
		label = path.Base(path.Dir(mod)) // nats-server, not v2
	}
	return dir, label, func() { os.RemoveAll(tmp) }
}

// fetchModule downloads mod at version with go mod download (a module zip
// holds its go.mod and go.sum) into a module cache under tmp and returns a
// writable copy of its source, also under tmp.
func fetchModule(mod, version, tmp string) string {
	cmd := exec.Command("go", "mod", "download", "-json", mod+"@"+version)
	cmd.Dir = tmp // outside any module
	cmd.Env = append(os.Environ(), "GOMODCACHE="+filepath.Join(tmp, "modcache"), "GOFLAGS=-modcacherw", "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		fail(fmt.Errorf("fetching %s@%s: %v\n%s%s", mod, version, err, out, stderrOf(err)))
	}
	var info struct{ Dir string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		fail(fmt.Errorf("fetching %s@%s: no source directory in %s (%v)", mod, version, out, err))
	}
	dir := filepath.Join(tmp, "src")
	check(os.Mkdir(dir, 0o755))
	if out, err := exec.Command("cp", "-a", info.Dir+"/.", dir).CombinedOutput(); err != nil {
		fail(fmt.Errorf("copying %s@%s: %v\n%s", mod, version, err, out))
	}
	return dir
}

func stderrOf(err error) []byte {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.Stderr
	}
	return nil
}
