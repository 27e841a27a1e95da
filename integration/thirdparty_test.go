package integration

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slimfile/slimfile/security"
)

// TestThirdPartyCodeConfined builds integration/testdata/thirdparty (third-
// party code that calls the kernel itself: golang.org/x/sys/unix, pure-Go
// SQLite on /tmp, /proc readers, os/exec, DNS, signals, file locks) from a
// three-line Slimfile and runs it as uid 65532 on a read-only root with
// runc under its own image's label, with no_new_privs and without, and
// unconfined: every run prints the same. The profile is derived from the
// binary, with nothing left to the fallback. The same program with a call
// whose number is computed (target variable) takes the fallback, and the
// build warns at the seccomp line naming the function; it still runs.
func TestThirdPartyCodeConfined(t *testing.T) {
	t.Parallel()
	dir := copyModule(t, filepath.Join("testdata", "thirdparty"))
	resolv := startDNS(t)
	binds := map[string]string{"/etc/resolv.conf": resolv}

	// One target after the other: the second compiles only its main
	// package, the first has filled the build cache (SQLite takes a minute
	// per platform).
	for _, target := range []string{"app", "variable"} {
		t.Run(target, func(t *testing.T) {
			platforms := []string{"linux/amd64", "linux/arm64"}
			if target == "variable" {
				platforms = platforms[:1]
			}
			b, err := buildx(t, dir, "--target", target, "--platform", strings.Join(platforms, ","))
			imgs := mustBuild(t, b, err)
			warning := "security.seccomp: default: the system call numbers of main.variable could not be read from the binary"
			warned := b.progress.warned(warning)
			if got := len(warned) > 0; got != (target == "variable") {
				t.Errorf("warning %q shown: %t, want %t:\n%s", warning, got, target == "variable", b.tail(40))
			}
			// At the slimfile line: the Slimfile has no security.seccomp.
			for _, w := range warned {
				if want := lineOf(t, dir, "slimfile:"); w.file != "Slimfile" || w.line != want {
					t.Errorf("warning at %s:%d, want Slimfile:%d", w.file, w.line, want)
				}
			}
			for _, platform := range platforms {
				t.Run(strings.ReplaceAll(platform, "/", "_"), func(t *testing.T) {
					img := imgs[platform]
					c := newConfinedRun(t, img, binds)
					want, d := derivedFor(t, img, c.rootfs)
					cf, err := img.ConfigFile()
					if err != nil {
						t.Fatal(err)
					}
					label := cf.Config.Labels[security.SeccompLabel]
					if label != string(want) {
						t.Fatalf("the label is not the profile derived from the binary")
					}
					if (d.Fallback != "") != (target == "variable") || (target == "app" && d.Allowed >= d.Go) {
						t.Errorf("derivation: %d calls, %d allowed (go: %d), fallback %q", len(d.Binary), d.Allowed, d.Go, d.Fallback)
					}
					for _, call := range []string{"flock", "sysinfo", "getrusage"} {
						if !slices.Contains(d.Binary, call) {
							t.Errorf("%s is not among the calls found: %v", call, d.Binary)
						}
					}
					free := c.run("", "all", "db.example")
					if !strings.Contains(free, "sqlite: ok") || !strings.Contains(free, "dns db.example: 127.0.0.1") || !strings.Contains(free, "variable: ok") {
						t.Fatalf("unconfined:\n%s", free)
					}
					if platform != "linux/amd64" {
						return // under qemu the filter would see qemu's calls, not the program's
					}
					for _, cc := range []*confinedRun{c, c.with(true)} {
						if got := cc.run(label, "all", "db.example"); got != free {
							t.Errorf("confined (new privileges %t):\n%s\nunconfined:\n%s", cc.newPrivs, got, free)
						}
						cc.serveAndStop(t, label, "/", func(_, body string) {
							if body != "hello from uid 65532\n" {
								t.Errorf("serve: %q", body)
							}
						})
					}
				})
			}
		})
	}
}
