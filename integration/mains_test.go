package integration

// Several binaries in one image (main as a list): examples/api-migrate's
// app target holds an HTTP server and the migration tool that prepares
// its data, which takes an flock(2), fsyncs and renames through
// golang.org/x/sys/unix: calls the server never makes.

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slimfile/slimfile/integration/oci"
)

// TestSeveralBinariesInOneImage builds the app target for linux/amd64 and
// linux/arm64 through docker buildx: both binaries are in
// /usr/local/bin, the api is the entrypoint, migrate runs on both
// platforms (arm64 through qemu-user) and the api serves the data it
// migrated; the build says how many calls each binary needs and adds,
// and the profile allows what each alone would. The binaries output
// holds both.
func TestSeveralBinariesInOneImage(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "api-migrate")
	b, err := buildx(t, dir, "--target", "app")
	imgs := mustBuild(t, b, err)
	if got := keys(imgs); strings.Join(got, " ") != "linux/amd64 linux/arm64" {
		t.Fatalf("platforms %v", got)
	}
	for plat, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(cf.Config.Entrypoint, []string{"/usr/local/bin/api"}) {
			t.Errorf("%s: entrypoint %v, want the first binary's", plat, cf.Config.Entrypoint)
		}
		files, err := oci.Files(img)
		if err != nil {
			t.Fatal(err)
		}
		for _, bin := range []string{"usr/local/bin/api", "usr/local/bin/migrate"} {
			checkMode(t, files, bin, 0o755, 0)
		}
		calls := unionCalls(t, b, plat)
		allowed := allowedCalls(t, img)
		for _, call := range []string{"flock", "fsync", "renameat", "accept4", "bind", "listen"} {
			if !allowed[call] {
				t.Errorf("%s: the profile does not allow %s (the binaries: %v)", plat, call, calls)
			}
		}
	}

	// amd64: migrate, then the api serves the migrated data.
	root := filepath.Join(t.TempDir(), "rootfs")
	if err := oci.Unpack(imgs["linux/amd64"], root); err != nil {
		t.Fatal(err)
	}
	if out := execImage(t, imgs["linux/amd64"], root, "/usr/local/bin/migrate"); !strings.Contains(out, "migrated /tmp/data from schema version 0 to 3") {
		t.Errorf("migrate: %q", out)
	}
	serveMigrated(t, imgs["linux/amd64"], root)
	// arm64, through qemu-user: twice, the second run finding the data up
	// to date.
	root = filepath.Join(t.TempDir(), "rootfs")
	if err := oci.Unpack(imgs["linux/arm64"], root); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"migrated /tmp/data from schema version 0 to 3", "schema version 3: up to date"} {
		if out := execImage(t, imgs["linux/arm64"], root, "/usr/local/bin/migrate"); !strings.Contains(out, want) {
			t.Errorf("arm64 migrate: %q, want %q", out, want)
		}
	}

	dest, _, err := localOutput(t, dir, "app.binaries", "--opt", "platform=linux/arm64")
	if err != nil {
		t.Fatal(err)
	}
	for _, bin := range []string{"api", "migrate"} {
		checkStaticStripped(t, filepath.Join(dest, "linux_arm64", bin), "arm64")
	}
}

// unionLineRe is the progress line of the union of the binaries'
// profiles, with each binary's count and how many of them are its own.
var unionLineRe = regexp.MustCompile(`^\[(\S+)\] seccomp: the binaries can make (\d+) system calls together: /usr/local/bin/api (\d+) calls, (\d+) of them its own \(([^)]*)\); /usr/local/bin/migrate (\d+) calls, (\d+) of them its own \(([^)]*)\); the profile allows (\d+)$`)

// unionCalls checks platform plat's union line in b's progress and
// returns the calls it names as migrate's own.
func unionCalls(t *testing.T, b *build, plat string) string {
	t.Helper()
	for _, s := range b.progress.named("[" + plat + "] seccomp: ") {
		m := unionLineRe.FindStringSubmatch(s.name)
		if m == nil {
			continue
		}
		n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
		api, apiOwn, migrate, migrateOwn := n(3), n(4), n(6), n(7)
		if n(2) != api+migrateOwn || n(2) != migrate+apiOwn {
			t.Errorf("%s: the union of %d and %d calls is %d, with %d and %d of their own: %s", plat, api, migrate, n(2), apiOwn, migrateOwn, s.name)
		}
		for _, c := range []string{"flock", "fsync", "renameat"} {
			if !strings.Contains(m[8], c) {
				t.Errorf("%s: migrate's own calls %q lack %s", plat, m[8], c)
			}
		}
		return m[8]
	}
	t.Fatalf("no seccomp union line for %s in the progress:\n%s", plat, strings.Join(b.progress.mentioning("seccomp"), "\n"))
	return ""
}

// allowedCalls are the calls img's seccomp label allows without
// conditions on their arguments.
func allowedCalls(t *testing.T, img v1.Image) map[string]bool {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Syscalls []struct {
			Names  []string
			Action string
		}
	}
	if err := json.Unmarshal([]byte(cf.Config.Labels[oci.SeccompLabel]), &p); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, s := range p.Syscalls {
		if s.Action == "SCMP_ACT_ALLOW" {
			for _, n := range s.Names {
				out[n] = true
			}
		}
	}
	return out
}

// execImage runs argv in the unpacked image at root as docker run
// --entrypoint does, and returns its output; it fails the test when the
// program fails.
func execImage(t *testing.T, img v1.Image, root string, argv ...string) string {
	t.Helper()
	cmd, err := oci.Exec(img, root, argv...)
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", argv, err, out)
	}
	return string(out)
}

// serveMigrated runs the api from the unpacked image at root, asks it for
// the schema version and stops it.
func serveMigrated(t *testing.T, img v1.Image, root string) {
	t.Helper()
	addr := freeAddr(t)
	cmd, err := oci.Command(img, root, "-addr", addr)
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var body string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if body, err = get("http://" + addr + "/"); err == nil {
			break
		}
	}
	if err != nil || body != "schema version 3\n" {
		t.Fatalf("GET /: %q, %v\n%s", body, err, out)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil || !strings.Contains(out.String(), "shut down") {
		t.Errorf("after SIGTERM: %v\n%s", err, out)
	}
}

// TestSecondBinaryUnderEngines runs the app image's second binary, migrate,
// as users run a migration beside their server (docker run --entrypoint),
// in Docker Engine 20.10 under the image's own profile without
// no-new-privileges and in Podman under its label, each beside the same
// run unconfined; and under the profile of the api alone, which refuses
// the calls only migrate makes: the union is what lets it run.
func TestSecondBinaryUnderEngines(t *testing.T) {
	t.Parallel()
	d, _ := dockerEngine(t)
	p := podmanEngine(t, "")
	dir := exampleModule(t, "api-migrate")
	images := map[string]v1.Image{}
	for _, target := range []string{"app", "api"} {
		b, err := buildctl(t, dir, "--opt", "target="+target, "--opt", "platform=linux/amd64")
		images[target] = mustBuild(t, b, err)["linux/amd64"]
	}
	appProfile, err := oci.WriteSeccompLabel(images["app"], t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	apiProfile, err := oci.WriteSeccompLabel(images["api"], t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const want = "migrated /tmp/data from schema version 0 to 3"
	migrate := func(e *oci.Engine, tag string, opts ...string) (string, error) {
		args := append([]string{"run", "--rm", "--network", "none", "--entrypoint", "/usr/local/bin/migrate"}, opts...)
		return e.Run(append(args, tag)...)
	}
	dockerTag := loaded(t, d, images["app"], "api-migrate")
	for _, c := range []struct {
		name string
		opts []string
	}{
		{"docker, the image's profile", []string{"--security-opt", "seccomp=" + appProfile}},
		{"docker, unconfined", []string{"--security-opt", "seccomp=unconfined"}},
	} {
		if out, err := migrate(d, dockerTag, c.opts...); err != nil || !strings.Contains(out, want) {
			t.Errorf("%s: %q %v", c.name, out, err)
		}
	}
	// Its first call of its own, mkdirat, is refused there (EPERM: Docker
	// 20.10 drops the profile's defaultErrnoRet).
	out, err := migrate(d, dockerTag, "--security-opt", "seccomp="+apiProfile)
	if err == nil || !strings.Contains(out, "mkdir /tmp/data: operation not permitted") {
		t.Errorf("under the api's profile alone, migrate's own calls should be refused: %q %v", out, err)
	}
	podmanTag := loaded(t, p, images["app"], "api-migrate")
	for _, c := range []struct {
		name string
		opts []string
	}{
		{"podman, the image's label", []string{"--seccomp-policy=image"}},
		{"podman, unconfined", []string{"--security-opt", "seccomp=unconfined"}},
	} {
		if out, err := migrate(p, podmanTag, c.opts...); err != nil || !strings.Contains(out, want) {
			t.Errorf("%s: %q %v", c.name, out, err)
		}
	}
}

// TestMainListErrors: a package of main that is not a main package, and
// two binaries of one name, fail before any step runs, at their line.
func TestMainListErrors(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"go.mod":              "module example.com/mains\n\ngo 1.22\n",
		"cmd/api/main.go":     "package main\n\nfunc main() {}\n",
		"a/server/main.go":    "package main\n\nfunc main() {}\n",
		"b/server/main.go":    "package main\n\nfunc main() {}\n",
		"internal/db/db.go":   "package db\n\nconst X = 1\n",
		"Slimfile":            "",
		"cmd/api/api_test.go": "package main\n",
	}
	for _, c := range []struct {
		name, slimfile, line, want string
	}{
		{"not a main package", "slimfile: 1\nmain:\n  - ./cmd/api\n  - ./internal/db\n", "  - ./internal/db", "main[1]: ./internal/db is package db, not a main package"},
		{"one name twice", "slimfile: 1\nmain: [./a/server, ./b/server]\n", "main:", "main: ./a/server and ./b/server would both be /usr/local/bin/server; give one of them another name with {package: ./b/server, binary: NAME}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fs := maps.Clone(files)
			fs["Slimfile"] = c.slimfile
			dir := module(t, fs)
			b, err := buildx(t, dir)
			if err == nil {
				t.Fatal("the build succeeded")
			}
			for _, want := range []string{c.want, "Slimfile:" + strconv.Itoa(lineOf(t, dir, c.line))} {
				if !strings.Contains(b.failure(), want) {
					t.Errorf("error lacks %q:\n%s", want, b.tail(30))
				}
			}
			if steps := b.progress.named("[linux/"); len(steps) > 0 {
				t.Errorf("a step ran before the error: %s", steps[0].name)
			}
		})
	}
}
