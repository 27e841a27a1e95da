// Command bench compares build times and image sizes of Go services built
// five ways: their Slimfile, an expert hand-written Dockerfile
// (cache-mounted download and build, bind-mounted source, native
// cross-compile, scratch) on BuildKit's built-in Dockerfile frontend and
// through # syntax=docker/dockerfile:1, the seeds' naive multi-stage Dockerfile
// (COPY . . then go build; its final stage is scratch here, as alpine
// cannot be pulled), all on the local test bed's buildkitd, and ko (on this
// machine's Go, pushing to the loopback registry, on a distroless-like
// static base built for it). For each it measures a cold build (emptied
// builder; for ko, empty Go caches), a warm rebuild after a one-line change
// to a .go file, and a no-op rebuild, over several runs, and prints medians,
// ratios against the expert Dockerfile, and image bytes (what a pull
// fetches: manifest, config and layers) against the floor: gzip -9 of the
// Slimfile image's binary, CA bundle and zoneinfo.zip, each alone.
// Warm and no-op builds run in interleaved rounds, after the cold runs.
// Last, it measures what starting a frontend from an image (# syntax=)
// adds to every build, with a trivial Dockerfile and with a frontend that
// builds nothing (see measureFrontendCosts).
//
//	source "$(integration/testbed/up.sh)"; go run ./integration/bench -runs 3 -rounds 10
//
// With -scenario ci it measures instead what a CI runner sees (see
// benchCI): a cold build exporting a registry cache, a rebuild on an
// emptied builder importing it, and a warm rebuild, for the Slimfile and
// the expert Dockerfile, for one platform and for several:
//
//	go run ./integration/bench -scenario ci -runs 1 \
//	  -subjects examples/hello,github.com/prometheus/blackbox_exporter@v0.28.0
//
// With -scenario vulns it measures the vulnerability gate (see
// benchVulns): what it adds to cold and warm builds, and what it finds
// against a version-matching scan of the same binary:
//
//	go run ./integration/bench -scenario vulns -runs 2 -rounds 5 \
//	  -subjects examples/hello,github.com/prometheus/blackbox_exporter@v0.24.0
//
// With -scenario report it measures the report output (see benchReport):
// --target report against the image, cold, warm and no-op, and its bytes:
//
//	go run ./integration/bench -scenario report -runs 1 -rounds 5 \
//	  -subjects examples/hello,github.com/coredns/coredns@v1.11.1
//
// With -scenario cgo it compares a build.cgo subject with a hand-written
// cgo Dockerfile on the test bed's Debian cgo toolchain (see benchCgo):
//
//	go run ./integration/bench -scenario cgo -runs 3 -subjects examples/sqlite-cgo
//
// It builds on the test bed's benchmark buildkitd
// (SLIMFILE_BENCH_BUILDKIT_HOST), not the one the tests use (BUILDKIT_HOST),
// and empties that one's cache (buildctl prune --all) for each cold run: so
// it can run beside `make test`, whose cache it would otherwise wipe and
// whose builds would otherwise share its cache and its timings.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slimfile/slimfile/integration/oci"
)

const expert = `FROM --platform=$BUILDPLATFORM golang:{{GO}}-alpine AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    go mod download
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,target=. \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w -buildid=" -o /out/app .

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /usr/local/go/lib/time/zoneinfo.zip /zoneinfo.zip
ENV ZONEINFO=/zoneinfo.zip
COPY --from=build /out/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
`

const naive = `FROM golang:{{GO}}-alpine AS builder
WORKDIR /build
COPY . .
RUN go build -o main .

FROM scratch
COPY --from=builder /build/main /main
CMD ["/main"]
`

// staticBase is the distroless-like base ko builds on: the CA bundle, Go's
// zoneinfo.zip and users, as gcr.io/distroless/static has.
const staticBase = `FROM golang:{{GO}}-alpine AS src
FROM scratch
COPY --from=src /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=src /usr/local/go/lib/time/zoneinfo.zip /usr/local/go/lib/time/zoneinfo.zip
COPY <<EOT /etc/passwd
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOT
COPY <<EOT /etc/group
root:x:0:
nonroot:x:65532:
EOT
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt ZONEINFO=/usr/local/go/lib/time/zoneinfo.zip
USER 65532:65532
`

// koConfig makes ko strip its binaries as the other variants do (ko's
// default keeps the symbol table and DWARF).
const koConfig = "defaultLdflags: [\"-s\", \"-w\"]\n"

// variant is one way to build the subject. build returns the seconds it
// took and, when image is set, the image's compressed layer bytes.
type variant interface {
	name() string
	// cold empties the variant's caches before a cold build.
	cold()
	build(dir, platform string, image bool) (float64, int64)
}

type result struct {
	cold, warm, noop []float64
	bytes            int64
}

func main() {
	subjects := flag.String("subjects", "examples/grpc-health,examples/hello", "comma-separated Go modules to build: directories with a Slimfile, or module@version (its main package at its root), fetched from the Go module proxy at run time and given a Slimfile")
	runs := flag.Int("runs", 3, "cold builds per variant")
	rounds := flag.Int("rounds", 10, "interleaved rounds of warm and no-op builds (the naive Dockerfile, whose warm build is a cold one, takes part in the first runs of them)")
	platform := flag.String("platform", "linux/amd64", "target platform")
	withKo := flag.Bool("ko", true, "include ko (installed from the Go module proxy into the tool cache)")
	flag.StringVar(&editKind, "edit", editKind, "what a warm build's edit changes: code (the binary changes) or comment (it does not)")
	withSeccompGo := flag.Bool("seccomp-go", false, "include the Slimfile with security.seccomp: go (what deriving the profile costs)")
	withNaive := flag.Bool("naive", true, "include the naive multi-stage Dockerfile")
	scenario := flag.String("scenario", "local", "local (the variants above on one builder), vulns (the vulnerability gate, warn against off), report (--target report against the image), ci (cold build exporting a registry cache, fresh runner importing it, warm rebuild; Slimfile and expert Dockerfile only, -runs runs, -rounds unused) or cgo (a build.cgo subject against a hand-written cgo Dockerfile, -cgo-platforms in one build)")
	cgoPlatforms := flag.String("cgo-platforms", "linux/amd64,linux/arm64,linux/arm/v7", "with -scenario cgo, the platforms of its builds")
	cgoToolchain := flag.String("cgo-toolchain", os.Getenv("SLIMFILE_REGISTRY")+"/slimfile-testbed/golang-cgo:"+strings.TrimPrefix(runtime.Version(), "go")+"-debian", "with -scenario cgo, the Debian cgo toolchain image both variants build with")
	flag.StringVar(&vulnDB, "vulndb", os.Getenv("SLIMFILE_VULNDB_URL"), "the Go vulnerability database of the Slimfile builds (SLIMFILE_VULNDB); default: the test bed's copy, served on loopback")
	flag.StringVar(&baseline, "ci-baseline", "", "with -scenario ci or local, also build the Slimfile on this frontend image (an earlier one, to compare with)")
	ciPlatforms := flag.String("ci-platforms", "linux/amd64,linux/arm64", "with -scenario ci, the platforms of its multi-platform rows (none if empty)")
	flag.Parse()
	if *scenario != "local" && *scenario != "vulns" && *scenario != "report" && *scenario != "ci" && *scenario != "cgo" {
		fail(fmt.Errorf("-scenario %q: want local, vulns, report, ci or cgo", *scenario))
	}
	if os.Getenv("SLIMFILE_BENCH_BUILDKIT_HOST") == "" || os.Getenv("SLIMFILE_FRONTEND") == "" {
		fail(fmt.Errorf("source the test bed env first (SLIMFILE_BENCH_BUILDKIT_HOST is new: run the test bed again): source \"$(integration/testbed/up.sh)\""))
	}
	// Every buildctl the benchmark runs (builds, prunes, the images it
	// publishes) talks to the benchmark's buildkitd.
	check(os.Setenv("BUILDKIT_HOST", os.Getenv("SLIMFILE_BENCH_BUILDKIT_HOST")))
	fmt.Fprintf(os.Stderr, "bench: building on %s\n", os.Getenv("BUILDKIT_HOST"))
	if *scenario == "ci" {
		fmt.Printf("ci scenario, %s and [%s], %d runs, medians, %d CPUs, %s, frontend %s\n", *platform, *ciPlatforms, *runs, runtime.NumCPU(),
			time.Now().UTC().Format("2006-01-02"), os.Getenv("SLIMFILE_FRONTEND"))
		for _, subject := range strings.Split(*subjects, ",") {
			dir, label, cleanup := subjectDir(subject)
			benchCI(dir, label, *platform, *ciPlatforms, *runs)
			cleanup()
		}
		return
	}
	if *scenario == "vulns" {
		fmt.Printf("vulns scenario, %s, %d cold runs, %d rounds, medians, %d CPUs, %s, frontend %s, database %s\n", *platform, *runs, *rounds, runtime.NumCPU(),
			time.Now().UTC().Format("2006-01-02"), os.Getenv("SLIMFILE_FRONTEND"), vulnDB)
		for _, subject := range strings.Split(*subjects, ",") {
			dir, label, cleanup := subjectDir(subject)
			benchVulns(dir, label, *platform, *runs, *rounds)
			cleanup()
		}
		return
	}
	if *scenario == "report" {
		fmt.Printf("report scenario, %s, %d cold runs, %d rounds, medians, %d CPUs, %s, frontend %s\n", *platform, *runs, *rounds, runtime.NumCPU(),
			time.Now().UTC().Format("2006-01-02"), os.Getenv("SLIMFILE_FRONTEND"))
		for _, subject := range strings.Split(*subjects, ",") {
			dir, label, cleanup := subjectDir(subject)
			benchReport(dir, label, *platform, *runs, *rounds)
			cleanup()
		}
		return
	}
	if *scenario == "cgo" {
		fmt.Printf("cgo scenario, %d runs, medians, %d CPUs, %s, frontend %s\n", *runs, runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"), os.Getenv("SLIMFILE_FRONTEND"))
		for _, subject := range strings.Split(*subjects, ",") {
			dir, label, cleanup := subjectDir(subject)
			benchCgo(dir, label, *cgoPlatforms, *cgoToolchain, *runs)
			cleanup()
		}
		return
	}
	dockerfileFrontend()
	null := nullFrontend()
	fmt.Printf("%s, %d cold runs and %d rounds of warm and no-op builds, medians, %d CPUs, %s\n", *platform, *runs, *rounds, runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"))
	for _, subject := range strings.Split(*subjects, ",") {
		dir, label, cleanup := subjectDir(subject)
		bench(dir, label, *platform, *runs, *rounds, *withKo, *withSeccompGo, *withNaive)
		cleanup()
	}
	fc := measureFrontendCosts(max(*rounds, 9), null)
	fmt.Printf("\nNo-op builds whose frontend runs from an image (# syntax=), medians of %d: a trivial Dockerfile takes %.3f s on the\n"+
		"built-in frontend and %.3f s through # syntax=docker/dockerfile:1; a frontend that builds nothing takes %.3f s,\n"+
		"the floor under any # syntax= build here.\n", max(*rounds, 9), fc.builtin, fc.syntax, fc.null)
}

func bench(subject, label, platform string, runs, rounds int, withKo, withSeccompGo, withNaive bool) {
	goVersion := goLine(subject)
	naive := &buildkitVariant{"naive multi-stage", "Dockerfile.naive"}
	variants := []variant{&buildkitVariant{"slimfile", "Slimfile"}}
	if baseline != "" {
		// The same Slimfile on an earlier frontend image: an A/B of the
		// frontend's changes.
		variants = append(variants, &buildkitVariant{"slimfile baseline", "Slimfile.baseline"})
	}
	if withSeccompGo {
		variants = append(variants, &buildkitVariant{"slimfile, seccomp: go", "Slimfile.seccomp-go"})
	}
	variants = append(variants,
		&buildkitVariant{"expert Dockerfile", "Dockerfile.expert"},
		&buildkitVariant{"expert, # syntax=", "Dockerfile.expert-syntax"})
	if withNaive {
		variants = append(variants, naive)
	}
	if withKo {
		variants = append(variants, newKo(goVersion, platform))
	}
	results := map[string]*result{}
	for _, v := range variants {
		results[v.name()] = &result{}
	}
	var floorBytes int64
	// Cold builds, each from an emptied builder (empty Go caches for ko),
	// then the image, exported by a no-op build.
	for r := 1; r <= runs; r++ {
		for _, v := range rotated(variants, r) {
			res := results[v.name()]
			dir := prepare(subject, goVersion)
			v.cold()
			t, _ := v.build(dir, platform, false)
			res.cold = append(res.cold, t)
			_, res.bytes = v.build(dir, platform, true)
			if v.name() == "slimfile" && floorBytes == 0 {
				floorBytes = floor(filepath.Join(filepath.Dir(dir), "Slimfile.tar"), platform)
			}
			os.RemoveAll(filepath.Dir(dir))
			fmt.Fprintf(os.Stderr, "%s cold run %d %-18s %6.1fs %d bytes\n", label, r, v.name(), last(res.cold), res.bytes)
		}
	}
	// Warm and no-op builds: every variant keeps its caches beside the
	// others', and rounds interleave the variants, so that drift in the
	// machine's load touches all alike. Each edit is unique, so every
	// warm build compiles (the two expert variants share their steps).
	dirs := map[string]string{}
	for _, v := range variants {
		dirs[v.name()] = prepare(subject, goVersion)
		v.build(dirs[v.name()], platform, false)
	}
	for r := 1; r <= rounds; r++ {
		for _, v := range rotated(variants, r) {
			if v == variant(naive) && r > runs {
				continue // its warm build is a cold one: runs of them are enough
			}
			res, dir := results[v.name()], dirs[v.name()]
			touch(mainFile(dir), r)
			t, _ := v.build(dir, platform, false)
			res.warm = append(res.warm, t)
			t, _ = v.build(dir, platform, false)
			res.noop = append(res.noop, t)
		}
		fmt.Fprintf(os.Stderr, "%s round %d of warm and no-op builds done\n", label, r)
	}
	for _, dir := range dirs {
		os.RemoveAll(filepath.Dir(dir))
	}
	ex, sx := results["expert Dockerfile"], results["expert, # syntax="]
	fmt.Printf("\n%s (floor %d bytes)\n", label, floorBytes)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "variant\tcold s\twarm s\tno-op s\timage bytes\tvs expert (cold/warm/no-op/bytes)\tvs expert # syntax= (warm/no-op)\tvs floor\t")
	for _, v := range variants {
		r := results[v.name()]
		fmt.Fprintf(w, "%s\t%.1f\t%.2f\t%.3f\t%d\t%.2f / %.2f / %.2f / %.3f\t%.2f / %.2f\t%.3f\t\n", v.name(), median(r.cold), median(r.warm), median(r.noop), r.bytes,
			median(r.cold)/median(ex.cold), median(r.warm)/median(ex.warm), median(r.noop)/median(ex.noop),
			float64(r.bytes)/float64(ex.bytes), median(r.warm)/median(sx.warm), median(r.noop)/median(sx.noop),
			float64(r.bytes)/float64(floorBytes))
	}
	w.Flush()
}

// rotated is vs starting at its r-th element (wrapping around): each run
// or round starts with another variant, so that none always follows the
// same one (ko's cold build leaves hundreds of megabytes of Go caches to
// be written back, the builder's prune deletes as much) or goes first.
func rotated[T any](vs []T, r int) []T {
	i := r % len(vs)
	return append(append([]T{}, vs[i:]...), vs[:i]...)
}

// vulnDB is the vulnerability database the Slimfile variants read
// (-vulndb), "" for the default, which the test bed cannot reach.
var vulnDB string

// baseline is a second frontend image the ci scenario builds the Slimfile
// on (-ci-baseline), "" for none.
var baseline string

// prepare copies the subject into a fresh directory (src inside a
// temporary one, whose other files are outputs) with the Slimfile's syntax
// line pointing at the test bed's frontend, and both Dockerfiles.
func prepare(subject, goVersion string) string {
	tmp, err := os.MkdirTemp("", "slimfile-bench-")
	check(err)
	dir := filepath.Join(tmp, "src")
	check(os.Mkdir(dir, 0o755))
	check(exec.Command("cp", "-a", subject+"/.", dir).Run())
	// The expert Dockerfile bind-mounts go.sum; a module with no
	// dependencies has none, and an empty one means the same to go.
	if _, err := os.Stat(filepath.Join(dir, "go.sum")); os.IsNotExist(err) {
		check(os.WriteFile(filepath.Join(dir, "go.sum"), nil, 0o644))
	}
	slim, err := os.ReadFile(filepath.Join(subject, "Slimfile"))
	check(err)
	lines := strings.SplitN(string(slim), "\n", 2)
	slimfile := "# syntax=" + os.Getenv("SLIMFILE_FRONTEND") + "\n" + lines[1]
	check(os.WriteFile(filepath.Join(dir, "Slimfile"), []byte(slimfile), 0o644))
	if ignore, err := os.ReadFile(filepath.Join(subject, "Slimfile.dockerignore")); err == nil {
		// BuildKit reads <file>.dockerignore beside each variant's file.
		for _, f := range []string{"Slimfile.baseline", "Slimfile.seccomp-go", "Slimfile.vulns-off"} {
			check(os.WriteFile(filepath.Join(dir, f+".dockerignore"), ignore, 0o644))
		}
	}
	if baseline != "" {
		// The same Slimfile on another frontend image (-ci-baseline).
		check(os.WriteFile(filepath.Join(dir, "Slimfile.baseline"), []byte("# syntax="+baseline+"\n"+lines[1]), 0o644))
	}
	if !strings.Contains(slimfile, "\nsecurity:") {
		check(os.WriteFile(filepath.Join(dir, "Slimfile.seccomp-go"), []byte(strings.TrimRight(slimfile, "\n")+"\nsecurity:\n  seccomp: go\n"), 0o644))
	}
	check(os.WriteFile(filepath.Join(dir, "Dockerfile.expert"), []byte(strings.ReplaceAll(expert, "{{GO}}", goVersion)), 0o644))
	check(os.WriteFile(filepath.Join(dir, "Dockerfile.expert-syntax"), []byte("# syntax=docker/dockerfile:1\n"+strings.ReplaceAll(expert, "{{GO}}", goVersion)), 0o644))
	check(os.WriteFile(filepath.Join(dir, "Dockerfile.naive"), []byte(strings.ReplaceAll(naive, "{{GO}}", goVersion)), 0o644))
	return dir
}

// buildkitVariant builds a Slimfile or a Dockerfile with buildctl.
type buildkitVariant struct{ label, file string }

func (v *buildkitVariant) name() string { return v.label }
func (v *buildkitVariant) cold()        { prune() }

func (v *buildkitVariant) build(dir, platform string, image bool) (float64, int64) {
	// The image goes outside the context: buildctl creates the file as
	// the build starts, and a COPY . . would see it.
	dest := "/dev/null"
	if image {
		dest = filepath.Join(filepath.Dir(dir), v.file+".tar")
	}
	t := v.run(dir, platform, "type=oci,dest="+dest)
	if !image {
		return t, 0
	}
	return t, layoutBytes(dest, platform)
}

// run builds dir with buildctl for platform (one or a comma-separated
// list) to output, with extra arguments such as --export-cache, and
// returns the seconds it took.
func (v *buildkitVariant) run(dir, platform, output string, extra ...string) float64 {
	args := append([]string{"build", "--frontend", "dockerfile.v0", "--local", "context=" + dir, "--local", "dockerfile=" + dir,
		"--opt", "filename=" + v.file, "--opt", "platform=" + platform, "--output", output}, extra...)
	if strings.HasPrefix(v.file, "Slimfile") && vulnDB != "" {
		// A builder with network fetches the Go vulnerability database
		// at every build; the test bed's stands in for it.
		args = append(args, "--opt", "build-arg:SLIMFILE_VULNDB="+vulnDB)
	}
	cmd := exec.Command("buildctl", args...)
	start := time.Now()
	b, err := cmd.CombinedOutput()
	if err != nil {
		fail(fmt.Errorf("%s: buildctl %s: %v\n%s", v.label, strings.Join(extra, " "), err, b))
	}
	return time.Since(start).Seconds()
}

func prune() {
	if b, err := exec.Command("buildctl", "prune", "--all").CombinedOutput(); err != nil {
		fail(fmt.Errorf("prune: %v\n%s", err, b))
	}
}

// editKind is what a warm build's edit changes (-edit): "code" adds an
// init function that stores a new string, so the binary changes and every
// step after go build runs again, as after a real edit; "comment" appends
// a comment line, which leaves the binary byte for byte the same, so the
// steps after go build hit the cache (the figures before December 2026).
var editKind = "code"

// mainFile is a file of the main package at the module's root: main.go,
// else the first .go file that declares package main (node_exporter's is
// node_exporter.go).
func mainFile(dir string) string {
	if _, err := os.Stat(filepath.Join(dir, "main.go")); err == nil {
		return filepath.Join(dir, "main.go")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		dt, err := os.ReadFile(f)
		if err == nil && !strings.HasSuffix(f, "_test.go") && regexp.MustCompile(`(?m)^package main\b`).Match(dt) {
			return f
		}
	}
	fail(fmt.Errorf("no file of package main at the root of %s", dir))
	return ""
}

// touch changes a .go file, as an edit would.
func touch(path string, n int) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	check(err)
	stamp := time.Now().UnixNano()
	if editKind == "comment" {
		_, err = fmt.Fprintf(f, "\n// edit %d %d\n", n, stamp)
	} else {
		_, err = fmt.Fprintf(f, "\nvar benchEdit%d string\n\nfunc init() { benchEdit%d = \"edit %d %d\" }\n", n, n, n, stamp)
	}
	check(err)
	check(f.Close())
}

// layoutBytes is the compressed layer bytes of platform's image in an
// exported OCI layout.
func layoutBytes(tar, platform string) int64 {
	l, err := oci.Open(tar)
	check(err)
	imgs, err := l.Images()
	check(err)
	return imageBytes(imgs[platform])
}

// imageBytes is what pulling img fetches: its manifest, its config (which
// carries the seccomp label) and its compressed layers.
func imageBytes(img v1.Image) int64 {
	m, err := img.Manifest()
	check(err)
	raw, err := img.RawManifest()
	check(err)
	n := int64(len(raw)) + m.Config.Size
	for _, layer := range m.Layers {
		n += layer.Size
	}
	return n
}

func goLine(subject string) string {
	dt, err := os.ReadFile(filepath.Join(subject, "go.mod"))
	check(err)
	m := regexp.MustCompile(`(?m)^go ([0-9.]+)`).FindSubmatch(dt)
	if m == nil {
		fail(fmt.Errorf("%s/go.mod has no go line", subject))
	}
	return string(m[1])
}

// median is the middle of xs, or the mean of the two middles.
func median(xs []float64) float64 {
	s := append([]float64{}, xs...)
	sort.Float64s(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

func last(xs []float64) float64 { return xs[len(xs)-1] }

func check(err error) {
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
