package integration

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slimfile/slimfile/integration/oci"
	"github.com/slimfile/slimfile/security"
)

// cgoToolchain is the test bed's cgo toolchain image of the given shape
// ("debian": Debian's cross gcc and musl packages; "zig"), with this
// machine's Go (integration/testbed/cgo-rootfs.sh).
func cgoToolchain(shape string) string {
	return os.Getenv("SLIMFILE_REGISTRY") + "/slimfile-testbed/golang-cgo:" + localGoVersion() + "-" + shape
}

// cgoArch is GOARCH of a platform the cgo tests build.
var cgoArch = map[string]string{"linux/amd64": "amd64", "linux/arm64": "arm64", "linux/arm/v7": "arm"}

// TestExampleSqliteCgo builds examples/sqlite-cgo (github.com/mattn/go-
// sqlite3, build.cgo: true) for linux/amd64, linux/arm64 and linux/arm/v7
// in one build through buildx, with the Debian cgo toolchain as the golang
// named context: each platform's go build names the cross gcc it used,
// each binary is static and stripped with CGO_ENABLED=1, and runs (arm
// under qemu): it writes and queries SQLite, looks up its user (65532)
// with the C library and a host with the cgo resolver. Each image's
// profile is derived from its binary with the go list added, as the build
// warns at the seccomp line (its C code's calls are not read); on amd64 the
// program prints the same under that profile, with and without
// no_new_privs, as unconfined. A rebuild changes nothing, and the binaries
// output holds the same static binaries.
func TestExampleSqliteCgo(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "sqlite-cgo")
	resolv := startDNS(t)
	golang := "--build-context=golang=docker-image://" + cgoToolchain("debian")
	b, err := buildx(t, dir, golang)
	imgs := mustBuild(t, b, err)
	if len(imgs) != 3 {
		t.Fatalf("want 3 images, got %v", keys(imgs))
	}
	for platform, gcc := range map[string]string{"linux/amd64": "x86_64-linux-gnu-gcc", "linux/arm64": "aarch64-linux-gnu-gcc", "linux/arm/v7": "arm-linux-gnueabihf-gcc"} {
		name := "[" + platform + "] go build . (cgo: " + gcc + " with musl)"
		if len(b.progress.named(name)) == 0 {
			t.Errorf("no step %q:\n%s", name, b.tail(60))
		}
	}
	if w := b.progress.warned("the binary links C code (cgo), whose system calls are not read from it"); len(w) != 3 {
		t.Errorf("%d warnings that the C code's calls are not read, want one per platform:\n%s", len(w), b.tail(40))
	}
	if w := b.progress.warned("leaves out"); len(w) > 0 {
		t.Errorf("a cgo build warned of C code left out: %v", w)
	}
	for platform, img := range imgs {
		t.Run(strings.ReplaceAll(platform, "/", "_"), func(t *testing.T) {
			c := newConfinedRun(t, img, map[string]string{"/etc/resolv.conf": resolv})
			checkBinary(t, filepath.Join(c.rootfs, "usr/local/bin/notes"), cgoArch[platform], "1")
			label, d := derivedFor(t, img, c.rootfs)
			cf, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if cf.Config.Labels[security.SeccompLabel] != string(label) {
				t.Error("the label is not the profile derived from the binary")
			}
			if !strings.Contains(d.Fallback, "links C code") || d.Allowed < d.Go {
				t.Errorf("derivation: fallback %q, %d allowed (go: %d)", d.Fallback, d.Allowed, d.Go)
			}
			if cf.Config.User != "65532:65532" {
				t.Errorf("user %q", cf.Config.User)
			}
			args := []string{"check", "db.example"}
			free := c.run("", args...)
			for _, want := range []string{"sqlite 3.", ": 3 rows, last three three,two,one", "user nonroot uid=65532 gid=65532 home=/home/nonroot",
				"dns db.example: 127.0.0.1", "GODEBUG setting forcing use of the cgo resolver"} {
				if !strings.Contains(free, want) {
					t.Errorf("unconfined, want %q:\n%s", want, free)
				}
			}
			if platform != "linux/amd64" {
				return // under qemu the filter would see qemu's calls, not the program's
			}
			// Its lines in any order: stderr (the resolver's) and stdout
			// interleave as they will.
			for _, cc := range []*confinedRun{c, c.with(true)} {
				if got := cc.run(string(label), args...); !slices.Equal(sortedLines(got), sortedLines(free)) {
					t.Errorf("confined (new privileges %t):\n%s\nunconfined:\n%s", cc.newPrivs, got, free)
				}
			}
		})
	}
	again, err := buildx(t, dir, golang)
	if again := mustBuild(t, again, err); len(again) != 3 {
		t.Fatal("rebuild")
	}
	for _, name := range []string{"[linux/arm64] go build . (cgo:", "[linux/arm64] go build dependencies of ."} {
		if !again.progress.cached(t, name) {
			t.Errorf("%s ran again on an unchanged rebuild", name)
		}
	}
	// The binaries output is the same go build steps' binaries.
	out, bb, err := localOutput(t, dir, "binaries", "--opt", "context:golang=docker-image://"+cgoToolchain("debian"))
	if err != nil {
		t.Fatalf("binaries: %v\n%s", err, bb.tail(20))
	}
	for platform, arch := range cgoArch {
		checkBinary(t, filepath.Join(out, strings.ReplaceAll(platform, "/", "_"), "notes"), arch, "1")
	}
}

// TestCgoImageUnderEngines runs examples/sqlite-cgo's linux/amd64 image as
// users do, without no-new-privileges: under Docker with its label as the
// seccomp profile, and under Podman applying the label itself
// (--seccomp-policy=image). It writes and reads SQLite on /tmp, is user
// 65532, and resolves localhost with the cgo resolver from the engine's
// /etc/hosts.
func TestCgoImageUnderEngines(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "sqlite-cgo")
	b, err := buildctl(t, dir, "--opt", "platform=linux/amd64", "--opt", "context:golang=docker-image://"+cgoToolchain("debian"))
	img := mustBuild(t, b, err)["linux/amd64"]
	if img == nil {
		t.Fatal("no linux/amd64 image")
	}
	profile, err := oci.WriteSeccompLabel(img, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d, _ := dockerEngine(t)
	p := podmanEngine(t, "")
	for _, c := range []struct {
		e    *oci.Engine
		opts []string
	}{
		{d, []string{"--security-opt", "seccomp=" + profile}},
		{p, []string{"--seccomp-policy=image"}},
	} {
		t.Run(c.e.Name, func(t *testing.T) {
			tag := loaded(t, c.e, img, "notes")
			args := append([]string{"run", "--rm", "--network", "host"}, c.opts...)
			out, err := c.e.Run(append(args, tag)...)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, want := range []string{": 3 rows, last three three,two,one", "user nonroot uid=65532", "dns localhost: 127.0.0.1", "forcing use of the cgo resolver"} {
				if !strings.Contains(out, want) {
					t.Errorf("want %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestCgoOffWarnsOfStub builds examples/sqlite-cgo with build.cgo: false:
// go-sqlite3 builds from its stub, and the build warns at the cgo line
// naming it and build.cgo: true (and only it: net and os/user fall back by
// design). The binary fails as the warning says. An edit of main.go
// rebuilds only go build: the warning comes again, from the cached
// dependency step.
func TestCgoOffWarnsOfStub(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "sqlite-cgo")
	editFile(t, filepath.Join(dir, "Slimfile"), "cgo: true", "cgo: false")
	warning := "github.com/mattn/go-sqlite3 has C code that build.cgo: false leaves out"
	for i, step := range []string{"first build", "after an edit"} {
		if i == 1 {
			edit(t, dir, `"notes: serving on %s"`, `"notes: listening on %s"`)
		}
		b, err := buildx(t, dir, "--platform", "linux/amd64")
		img := mustBuild(t, b, err)["linux/amd64"]
		w := b.progress.warned(warning)
		if len(w) != 1 || w[0].file != "Slimfile" || w[0].line != lineOf(t, dir, "  cgo:") || !strings.Contains(w[0].msg, "set build.cgo: true") {
			t.Errorf("%s: warnings %v, want one at the cgo line:\n%s", step, w, b.tail(30))
		}
		if w := b.progress.warned("leaves out"); len(w) != 1 {
			t.Errorf("%s: %d packages warned of, want go-sqlite3 only: %v", step, len(w), w)
		}
		if i == 1 {
			if !b.progress.cached(t, "[linux/amd64] go build dependencies of .") {
				t.Error("the dependency step ran again after an edit of main.go")
			}
			c := newConfinedRun(t, img, nil)
			cmd, _, out := c.command("", "check")
			if err := cmd.Run(); err == nil || !strings.Contains(out.String(), "requires cgo to work") {
				t.Errorf("the stub binary: %v\n%s", err, out)
			}
		}
	}
}

// TestCgoZig builds a module with C code of its own with zig as the C
// compiler (the toolchain with zig on PATH, given as toolchain:) for
// linux/arm64: the go build step says zig, the binary is static and runs
// under qemu, and its C function answers. A toolchain without any C
// compiler (the plain golang image) fails before any Go step, at the cgo
// line, naming the platform and what was looked for.
func TestCgoZig(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"go.mod": "module example.com/answer\n\ngo 1.26\n",
		"main.go": `package main

// static int answer(int x) { return x * 2; }
import "C"

import "fmt"

func main() { fmt.Println("answer", C.answer(21)) }
`,
		"Slimfile": "slimfile: 1\ntoolchain: " + cgoToolchain("zig") + "\nbuild:\n  cgo: true\n",
	}
	dir := module(t, files)
	b, err := buildx(t, dir, "--platform", "linux/arm64")
	img := mustBuild(t, b, err)["linux/arm64"]
	if len(b.progress.named("[linux/arm64] go build . (cgo: zig)")) == 0 {
		t.Errorf("no go build step naming zig:\n%s", b.tail(40))
	}
	c := newConfinedRun(t, img, nil)
	checkBinary(t, filepath.Join(c.rootfs, "usr/local/bin/answer"), "arm64", "1")
	if out := c.run(""); !strings.Contains(out, "answer 42") {
		t.Errorf("under qemu: %q", out)
	}

	files["Slimfile"] = "slimfile: 1\nbuild:\n  cgo: true\n"
	dir = module(t, files)
	b, err = buildx(t, dir, "--platform", "linux/arm64")
	if err == nil {
		t.Fatal("a toolchain without a C compiler built")
	}
	if f := b.failure(); !strings.Contains(f, "the toolchain has no C compiler for linux/arm64: looked for zig on PATH, aarch64-linux-gnu-gcc with /usr/lib/aarch64-linux-musl/musl-gcc.specs") {
		t.Errorf("failure:\n%s", f)
	}
	for _, want := range []string{">>>   cgo: true", "Slimfile:4"} {
		if !strings.Contains(b.failure(), want) {
			t.Errorf("the failure does not point at the cgo line (%q):\n%s", want, b.tail(30))
		}
	}
	if n := len(b.progress.named("[linux/arm64] go build")); n > 0 {
		t.Errorf("%d go build steps ran before the failure", n)
	}
}

// sortedLines are the lines of s, sorted.
func sortedLines(s string) []string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	slices.Sort(l)
	return l
}
