package integration

import (
	"bytes"
	"crypto/sha1"
	"debug/buildinfo"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slimfile/slimfile/integration/oci"
	"github.com/slimfile/slimfile/internal/zoneinfo"
)

// The image holds exactly these paths: no shell, no toolchain, nothing else.
var helloFiles = []string{
	"etc", "etc/group", "etc/passwd", "etc/ssl", "etc/ssl/certs", "etc/ssl/certs/ca-certificates.crt",
	"home", "home/nonroot", "tmp",
	"usr", "usr/local", "usr/local/bin", "usr/local/bin/hello",
	"usr/local/go", "usr/local/go/lib", "usr/local/go/lib/time", "usr/local/go/lib/time/zoneinfo.zip",
}

func TestExampleHello(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "hello")
	b, err := buildctl(t, dir, "--opt", "platform=linux/amd64")
	imgs := mustBuild(t, b, err)
	img := imgs["linux/amd64"]
	if img == nil || len(imgs) != 1 {
		t.Fatalf("want one linux/amd64 image, got %v", keys(imgs))
	}
	files, err := oci.Files(img)
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(files); !slices.Equal(got, helloFiles) {
		t.Errorf("image files:\n got %v\nwant %v", got, helloFiles)
	}
	checkMode(t, files, "tmp", 0o1777, 0)
	checkMode(t, files, "home/nonroot", 0o700, 65532)
	checkMode(t, files, "usr/local/bin/hello", 0o755, 0)
	checkMode(t, files, "etc/ssl/certs", 0o755, 0)
	if p := string(files["etc/passwd"].Data); !strings.Contains(p, "nonroot:x:65532:65532::/home/nonroot:") && !strings.Contains(p, "nonroot:x:65532:65532:nonroot:/home/nonroot:") {
		t.Errorf("/etc/passwd has no nonroot 65532 entry:\n%s", p)
	}
	for name, f := range files {
		if !f.Header.ModTime.Equal(time.Unix(0, 0)) {
			t.Errorf("%s has time %v, want the epoch", name, f.Header.ModTime)
		}
	}

	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if c.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532", c.User)
	}
	if !slices.Equal(c.Entrypoint, []string{"/usr/local/bin/hello"}) {
		t.Errorf("entrypoint %q", c.Entrypoint)
	}
	for _, kv := range []string{"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt", "ZONEINFO=/usr/local/go/lib/time/zoneinfo.zip"} {
		if !slices.Contains(c.Env, kv) {
			t.Errorf("env %q lacks %s", c.Env, kv)
		}
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok {
		t.Errorf("exposed ports %v lack 8080/tcp", c.ExposedPorts)
	}

	root := filepath.Join(t.TempDir(), "rootfs")
	if err := oci.Unpack(img, root); err != nil {
		t.Fatal(err)
	}
	checkStaticStripped(t, filepath.Join(root, "usr/local/bin/hello"), "amd64")

	// The time zones are Go's zoneinfo.zip repacked by the frontend's own
	// binary (the test bed's toolchain is this machine's Go).
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	goZones, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "lib/time/zoneinfo.zip"))
	if err != nil {
		t.Fatal(err)
	}
	repacked, err := zoneinfo.Repack(goZones)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(files["usr/local/go/lib/time/zoneinfo.zip"].Data, repacked) {
		t.Errorf("the image's zoneinfo.zip is not Go's repacked (%d bytes, want %d)", len(files["usr/local/go/lib/time/zoneinfo.zip"].Data), len(repacked))
	}

	// The binary reads the image's own time zone data through ZONEINFO.
	if out := runImage(t, img, "-self-test"); !strings.Contains(out, "Tokyo is UTC+09:00") {
		t.Errorf("self-test output: %q", out)
	}
	serveAndStop(t, img, root)
}

// serveAndStop runs the hello server from the unpacked image, talks to it,
// and checks that SIGTERM shuts it down gracefully.
func serveAndStop(t *testing.T, img v1.Image, root string) {
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
	body := ""
	for i := 0; i < 100; i++ {
		if body, err = get("http://" + addr + "/time?tz=Asia/Tokyo"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || !strings.Contains(body, "+09:00") {
		t.Fatalf("GET /time?tz=Asia/Tokyo: %q, %v\n%s", body, err, out.String())
	}
	if body, err := get("http://" + addr + "/"); err != nil || !strings.Contains(body, "hello from slimfile") {
		t.Errorf("GET /: %q, %v", body, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGTERM: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "shut down") {
		t.Errorf("no graceful shutdown in output:\n%s", out.String())
	}
}

// TestHeldOutModule builds a module shaped like real services the frontend
// has never seen (a /v2 module path, a toolchain line, a dependency with
// go.sum, main at the root) from the three-line Slimfile, for two
// platforms through docker buildx, and runs both binaries.
func TestHeldOutModule(t *testing.T) {
	t.Parallel()
	goVersion := localGoVersion()
	dir := module(t, map[string]string{
		"Slimfile": "slimfile: 1\n",
		"go.mod":   "module example.com/acme/widget/v2\n\ngo 1.22\n\ntoolchain go" + goVersion + "\n\nrequire github.com/google/uuid v1.6.0\n",
		"main.go": `package main

import (
	"fmt"
	"runtime"

	"github.com/google/uuid"
)

func main() {
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://example.com"))
	fmt.Printf("widget %s/%s %s\n", runtime.GOOS, runtime.GOARCH, id)
}
` + fmt.Sprintf("\n// run %d: a new source, so the compile steps really run\n", time.Now().UnixNano()),
	})
	goModTidy(t, dir)
	b, err := buildx(t, dir, "--platform", "linux/amd64,linux/arm64")
	imgs := mustBuild(t, b, err)
	if got := keys(imgs); !slices.Equal(got, []string{"linux/amd64", "linux/arm64"}) {
		t.Fatalf("platforms %v", got)
	}
	for _, want := range []string{
		"[linux/amd64] go build .", "[linux/arm64] go build .", "go mod download",
		// The toolchain comes from go.mod's toolchain line, not its go line.
		"resolve toolchain docker.io/library/golang:" + goVersion + "-alpine",
	} {
		if len(b.progress.named(want)) == 0 {
			t.Errorf("progress has no step %q", want)
		}
	}
	for p, img := range imgs {
		out := runImage(t, img)
		want := "widget " + p + " " + uuidV5URL("https://example.com")
		if strings.TrimSpace(out) != want {
			t.Errorf("%s: output %q, want %q", p, out, want)
		}
		cf, _ := img.ConfigFile()
		if !slices.Equal(cf.Config.Entrypoint, []string{"/usr/local/bin/widget"}) {
			t.Errorf("%s: entrypoint %v, want /usr/local/bin/widget (the /v2 element skipped)", p, cf.Config.Entrypoint)
		}
		root := filepath.Join(t.TempDir(), "rootfs")
		if err := oci.Unpack(img, root); err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(root, "usr/local/bin/widget")
		checkStaticStripped(t, bin, strings.TrimPrefix(p, "linux/"))
		if bi, err := buildinfo.ReadFile(bin); err != nil || bi.GoVersion != "go"+goVersion {
			t.Errorf("%s: built with %v (%v), want go%s from the toolchain line", p, bi.GoVersion, err, goVersion)
		}
	}
}

// uuidV5URL is the RFC 4122 name-based (SHA-1) UUID of name in the URL
// namespace, computed here independently of the module under test.
func uuidV5URL(name string) string {
	ns := []byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.Sum(append(ns, name...))
	u := h[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// TestMainInSubdirectory builds `main: ./cmd/widgetd` of a module without
// go.sum (no dependencies) with buildctl.
func TestMainInSubdirectory(t *testing.T) {
	t.Parallel()
	dir := module(t, map[string]string{
		"Slimfile":            "slimfile: 1\nmain: ./cmd/widgetd\n",
		"go.mod":              "module example.com/acme/widget\n\ngo 1.21\n",
		"internal/greet/g.go": "package greet\n\nfunc Hello() string { return \"hello from widgetd\" }\n",
		"cmd/widgetd/main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/acme/widget/internal/greet\"\n)\n\nfunc main() { fmt.Println(greet.Hello()) }\n",
	})
	b, err := buildctl(t, dir, "--opt", "platform=linux/arm64")
	imgs := mustBuild(t, b, err)
	img := imgs["linux/arm64"]
	if img == nil {
		t.Fatalf("no linux/arm64 image: %v", keys(imgs))
	}
	if out := runImage(t, img); strings.TrimSpace(out) != "hello from widgetd" {
		t.Errorf("output %q", out)
	}
}

// TestMissingGoSum: a module with dependencies and no go.sum fails before
// any step runs, with an error that says what to do.
func TestMissingGoSum(t *testing.T) {
	t.Parallel()
	dir := module(t, map[string]string{
		"Slimfile": "slimfile: 1\n",
		"go.mod":   "module example.com/nosum\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n",
		"main.go":  "package main\n\nimport _ \"github.com/google/uuid\"\n\nfunc main() {}\n",
	})
	b, err := buildctl(t, dir)
	if err == nil {
		t.Fatal("build succeeded without go.sum")
	}
	if !strings.Contains(b.failure(), "go.sum is missing") || !strings.Contains(b.failure(), "go mod tidy") {
		t.Errorf("error does not explain the missing go.sum:\n%s", b.tail(30))
	}
	if steps := b.progress.mentioning("go build"); len(steps) > 0 {
		t.Errorf("a go build step ran (%q):\n%s", steps, b.tail(30))
	}
}

// TestBadSlimfilePointsAtLine: a typo is reported at its line, boxed by
// buildx from the source map, with a suggestion.
func TestBadSlimfilePointsAtLine(t *testing.T) {
	t.Parallel()
	dir := module(t, map[string]string{
		"Slimfile": "slimfile: 1\nmian: ./cmd/api\n",
		"go.mod":   "module example.com/typo\n\ngo 1.22\n",
		"main.go":  "package main\n\nfunc main() {}\n",
	})
	b, err := buildx(t, dir)
	if err == nil {
		t.Fatal("build succeeded with an unknown key")
	}
	for _, want := range []string{`unknown key "mian"; did you mean "main"?`, ">>> mian: ./cmd/api", "Slimfile:3"} {
		if !strings.Contains(b.failure(), want) {
			t.Errorf("error lacks %q:\n%s", want, b.tail(30))
		}
	}
}

// TestBinariesOutput: --target binaries exports one directory per platform.
func TestBinariesOutput(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "hello")
	dest, _, err := localOutput(t, dir, "binaries", "--opt", "platform=linux/amd64,linux/arm/v7")
	if err != nil {
		t.Fatal(err)
	}
	checkStaticStripped(t, filepath.Join(dest, "linux_amd64", "hello"), "amd64")
	checkStaticStripped(t, filepath.Join(dest, "linux_arm_v7", "hello"), "arm")
	// The arm binary runs here through qemu-user (host time zone data).
	self, err := exec.Command(filepath.Join(dest, "linux_arm_v7", "hello"), "-self-test").CombinedOutput()
	if err != nil || !strings.Contains(string(self), "Tokyo is UTC+09:00") {
		t.Errorf("arm/v7 binary: %v %s", err, self)
	}
}

// checkStaticStripped asserts a Go binary is static, stripped, built for
// arch with CGO_ENABLED=0, -trimpath and an empty build ID.
func checkStaticStripped(t *testing.T, path, arch string) {
	t.Helper()
	checkBinary(t, path, arch, "0")
}

// checkBinary is checkStaticStripped with CGO_ENABLED=cgo.
func checkBinary(t *testing.T, path, arch, cgo string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s is dynamically linked", path)
		}
	}
	if f.Section(".symtab") != nil || f.Section(".debug_info") != nil {
		t.Errorf("%s is not stripped", path)
	}
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	for k, want := range map[string]string{"CGO_ENABLED": cgo, "-trimpath": "true", "GOARCH": arch, "GOOS": "linux"} {
		if settings[k] != want {
			t.Errorf("%s: build setting %s=%q, want %q", path, k, settings[k], want)
		}
	}
	// -trimpath keeps -ldflags out of the build info; -buildid= shows as
	// an empty Go build ID note.
	if id := goBuildID(t, f); id != "" {
		t.Errorf("%s: Go build ID %q, want empty (-buildid=)", path, id)
	}
}

// goBuildID reads the Go build ID from the .note.go.buildid ELF note; the
// linker leaves the note out when the ID is empty.
func goBuildID(t *testing.T, f *elf.File) string {
	t.Helper()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	dt, err := s.Data()
	if err != nil || len(dt) < 16 {
		t.Fatalf("bad build ID note: %v", err)
	}
	namesz := f.ByteOrder.Uint32(dt[0:4])
	descsz := f.ByteOrder.Uint32(dt[4:8])
	off := 12 + (namesz+3)&^3
	return string(dt[off : off+descsz])
}

// TestInputsThatUsedToSlipThrough: inputs that crashed the frontend, built
// something that is not a program, or failed far from their cause, each
// end in a message at the line that caused them (buildx boxes it): before
// any step runs on them, or, for an image.files source missing from the
// build context, from the step that copies it.
func TestInputsThatUsedToSlipThrough(t *testing.T) {
	t.Parallel()
	const main = "package main\n\nfunc main() {}\n"
	for _, c := range []struct {
		name     string
		files    map[string]string
		want     []string
		symlinks map[string]string // name: target, made in the context
	}{
		{"toolchain scratch", map[string]string{"Slimfile": "slimfile: 1\ntoolchain: scratch\n", "go.mod": "module example.com/x\n\ngo 1.22\n", "main.go": main},
			[]string{"scratch has no Go toolchain", ">>> toolchain: scratch"}, nil},
		{"main not package main", map[string]string{"Slimfile": "slimfile: 1\nmain: ./lib\n", "go.mod": "module example.com/x\n\ngo 1.22\n", "lib/lib.go": "package lib\n\nfunc F() {}\n"},
			[]string{"is package lib, not a main package", ">>> main: ./lib"}, nil},
		{"build.env GOOS", map[string]string{"Slimfile": "slimfile: 1\nbuild:\n  env: {GOOS: windows}\n", "go.mod": "module example.com/x\n\ngo 1.22\n", "main.go": main},
			[]string{"GOOS is set by the frontend", ">>>   env: {GOOS: windows}"}, nil},
		{"second document", map[string]string{"Slimfile": "slimfile: 1\n---\nmain: ./x\n", "go.mod": "module example.com/x\n\ngo 1.22\n", "main.go": main},
			[]string{"one YAML document", ">>> main: ./x"}, nil},
		{"go too new", map[string]string{"Slimfile": "slimfile: 1\ngo: \"1.99\"\n", "go.mod": "module example.com/x\n\ngo 1.22\n", "main.go": main},
			[]string{"go: 1.99: no toolchain image for that version", `>>> go: "1.99"`}, nil},
		{"go.mod toolchain too new", map[string]string{"Slimfile": "slimfile: 1\n", "go.mod": "module example.com/x\n\ngo 1.22\n\ntoolchain go1.99.1\n", "main.go": main},
			[]string{"go 1.99.1, from go.mod's toolchain line: no toolchain image"}, nil},
		{".dockerignore hides go.mod", map[string]string{"Slimfile": "slimfile: 1\n", "go.mod": "module example.com/x\n\ngo 1.22\n", "main.go": main, ".dockerignore": "*\n!bin/app\n"},
			[]string{"go.mod is in the build context, but its ignore file excludes it", "Slimfile.dockerignore"}, nil},
		{"args TARGETARCH", map[string]string{"Slimfile": "slimfile: 1\nargs:\n  TARGETARCH: s390x\n", "go.mod": "module example.com/x\n\ngo 1.22\n", "main.go": main},
			[]string{"TARGETARCH is always defined", ">>>   TARGETARCH: s390x"}, nil},
		{"image.files source missing", map[string]string{"Slimfile": "slimfile: 1\nimage:\n  files:\n    - {src: config/missing.yaml, dst: /etc/app.yaml}\n", "go.mod": "module example.com/x\n\ngo 1.22\n", "main.go": main},
			[]string{"config/missing.yaml is not in the build context", ">>>     - {src: config/missing.yaml, dst: /etc/app.yaml}"}, nil},
		{"image.files source a link out of the context", map[string]string{"Slimfile": "slimfile: 1\nimage:\n  files:\n    - {src: leak, dst: /etc/leak}\n", "go.mod": "module example.com/x\n\ngo 1.22\n", "main.go": main},
			[]string{"leak is a symbolic link to ../outside.txt, which is not in the build context", ">>>     - {src: leak, dst: /etc/leak}"},
			map[string]string{"leak": "../outside.txt"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := module(t, c.files)
			for name, target := range c.symlinks {
				// The link's target exists beside the context, not in it.
				if err := os.WriteFile(filepath.Join(filepath.Dir(dir), filepath.Base(target)), []byte("secret\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
					t.Fatal(err)
				}
			}
			b, err := buildx(t, dir)
			if err == nil {
				t.Fatal("the build succeeded")
			}
			for _, want := range c.want {
				if !strings.Contains(b.failure(), want) {
					t.Errorf("error lacks %q:\n%s", want, b.tail(30))
				}
			}
			// A crash shows anywhere: in the error, a step's error or the
			// frontend's output.
			if strings.Contains(b.progress.String(), "exit code: 2") {
				t.Errorf("the frontend crashed:\n%s", b.tail(30))
			}
		})
	}
}
