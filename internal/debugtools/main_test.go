package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNamesFile: the step that builds the tools links each name of the
// file names to the binary without running it (it is for another
// platform), so the file must list what the binary answers to.
func TestNamesFile(t *testing.T) {
	dt, err := os.ReadFile("names")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Fields(string(dt)), Names(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("names lists %v; the binary answers to %v (go build -o /tmp/d/slimfile-debug . && /tmp/d/slimfile-debug --list > names)", got, want)
	}
}

// TestShell runs the shell the way docker run --entrypoint /bin/sh IMAGE
// -c '...' does, on a directory of its own: builtins, the utilities in
// its process with its directory and variables, pipes, status.
func TestShell(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		script, want string
		status       int
	}{
		{"cd " + dir + " && ls && cat a.txt", "a.txt\nhello\n", 0},
		{"cd " + dir + " && mkdir d && touch d/x && find d", dir + "/d\n" + dir + "/d/x\n", 0}, // u-root's find prints paths it resolved
		{"export K=v; L=w; env | while read l; do case $l in K=*|L=*) echo $l;; esac; done", "K=v\n", 0},
		{"cat " + dir + "/a.txt | base64", "aGVsbG8K\n", 0},
		{"false", "", 1},
		{"exit 7", "", 7},
		{"nosuchcommand", "", 127},
		{"echo $0 $1 $#", "name a 1\n", 0},
	} {
		var out, errb bytes.Buffer
		status := run(context.Background(), "sh", []string{"-c", c.script, "name", "a"}, strings.NewReader(""), &out, &errb)
		if out.String() != c.want || status != c.status {
			t.Errorf("sh -c %q: status %d, out %q (stderr %q); want %d, %q", c.script, status, out.String(), errb.String(), c.status, c.want)
		}
	}
}

// TestPs finds the test's own process.
func TestPs(t *testing.T) {
	var out, errb bytes.Buffer
	if status := run(context.Background(), "ps", nil, nil, &out, &errb); status != 0 {
		t.Fatalf("ps: %d %s", status, errb.String())
	}
	if !strings.HasPrefix(out.String(), "PID") || !strings.Contains(out.String(), filepath.Base(os.Args[0])) {
		t.Errorf("ps lists no %s:\n%s", filepath.Base(os.Args[0]), out.String())
	}
}
