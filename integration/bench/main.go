// Command bench compares build times and image sizes of one Go service
// built four ways on the local test bed's buildkitd: its Slimfile, an
// expert hand-written Dockerfile (cache-mounted download and build,
// bind-mounted source, native cross-compile, scratch), and the seeds'
// naive multi-stage Dockerfile (COPY . . then go build; its final stage is
// scratch here, as alpine cannot be pulled). For each it measures a cold
// build on an emptied builder, a warm rebuild after a one-line change to a
// .go file, and a no-op rebuild, over several runs, and prints medians and
// ratios against the expert Dockerfile.
//
//	source "$(integration/testbed/up.sh)"; go run ./integration/bench -runs 3
//
// It empties the builder's cache (buildctl prune --all) for each cold run.
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

type variant struct{ name, file string }

type result struct {
	cold, warm, noop []float64
	bytes            int64
}

func main() {
	subject := flag.String("subject", "examples/grpc-health", "Go module to build (with go.sum)")
	runs := flag.Int("runs", 3, "runs per variant")
	platform := flag.String("platform", "linux/amd64", "target platform")
	flag.Parse()
	if os.Getenv("BUILDKIT_HOST") == "" || os.Getenv("SLIMFILE_FRONTEND") == "" {
		fail(fmt.Errorf("source the test bed env first: source \"$(integration/testbed/up.sh)\""))
	}
	goVersion := goLine(*subject)
	variants := []variant{{"slimfile", "Slimfile"}, {"expert Dockerfile", "Dockerfile.expert"}, {"naive multi-stage", "Dockerfile.naive"}}
	results := map[string]*result{}
	for r := 1; r <= *runs; r++ {
		for _, v := range variants {
			res := results[v.name]
			if res == nil {
				res = &result{}
				results[v.name] = res
			}
			dir := prepare(*subject, goVersion)
			prune()
			res.cold = append(res.cold, build(dir, v, *platform, ""))
			touch(filepath.Join(dir, "main.go"), r)
			res.warm = append(res.warm, build(dir, v, *platform, ""))
			// Outside the context: buildctl creates the file as the build
			// starts, and a COPY . . would see it.
			tar := dir + ".tar"
			res.noop = append(res.noop, build(dir, v, *platform, tar))
			res.bytes = imageBytes(tar, *platform)
			os.RemoveAll(dir)
			os.Remove(tar)
			os.RemoveAll(strings.TrimSuffix(tar, ".tar") + ".layout")
			fmt.Fprintf(os.Stderr, "run %d %-18s cold %6.1fs warm %5.1fs no-op %4.1fs %d bytes\n", r, v.name,
				last(res.cold), last(res.warm), last(res.noop), res.bytes)
		}
	}
	ex := results["expert Dockerfile"]
	fmt.Printf("%s, %s, median of %d runs, %d CPUs, %s\n", *subject, *platform, *runs, runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"))
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "variant\tcold s\twarm s\tno-op s\timage bytes\tvs expert (cold/warm/no-op/bytes)\t")
	for _, v := range variants {
		r := results[v.name]
		fmt.Fprintf(w, "%s\t%.1f\t%.1f\t%.1f\t%d\t%.2f / %.2f / %.2f / %.2f\t\n", v.name, median(r.cold), median(r.warm), median(r.noop), r.bytes,
			median(r.cold)/median(ex.cold), median(r.warm)/median(ex.warm), median(r.noop)/median(ex.noop), float64(r.bytes)/float64(ex.bytes))
	}
	w.Flush()
}

// prepare copies the subject into a fresh directory with the Slimfile
// (syntax line pointing at the test bed's frontend) and both Dockerfiles.
func prepare(subject, goVersion string) string {
	dir, err := os.MkdirTemp("", "slimfile-bench-")
	check(err)
	check(exec.Command("cp", "-a", subject+"/.", dir).Run())
	slim, err := os.ReadFile(filepath.Join(subject, "Slimfile"))
	check(err)
	lines := strings.SplitN(string(slim), "\n", 2)
	check(os.WriteFile(filepath.Join(dir, "Slimfile"), []byte("# syntax="+os.Getenv("SLIMFILE_FRONTEND")+"\n"+lines[1]), 0o644))
	check(os.WriteFile(filepath.Join(dir, "Dockerfile.expert"), []byte(strings.ReplaceAll(expert, "{{GO}}", goVersion)), 0o644))
	check(os.WriteFile(filepath.Join(dir, "Dockerfile.naive"), []byte(strings.ReplaceAll(naive, "{{GO}}", goVersion)), 0o644))
	return dir
}

func build(dir string, v variant, platform, dest string) float64 {
	out := "type=oci,dest=/dev/null"
	if dest != "" {
		out = "type=oci,dest=" + dest
	}
	cmd := exec.Command("buildctl", "build", "--frontend", "dockerfile.v0", "--local", "context="+dir, "--local", "dockerfile="+dir,
		"--opt", "filename="+v.file, "--opt", "platform="+platform, "--output", out)
	start := time.Now()
	b, err := cmd.CombinedOutput()
	if err != nil {
		fail(fmt.Errorf("%s: %v\n%s", v.name, err, b))
	}
	return time.Since(start).Seconds()
}

func prune() {
	if b, err := exec.Command("buildctl", "prune", "--all").CombinedOutput(); err != nil {
		fail(fmt.Errorf("prune: %v\n%s", err, b))
	}
}

// touch changes one line of a .go file, as an edit would.
func touch(path string, n int) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	check(err)
	_, err = fmt.Fprintf(f, "\n// edit %d %d\n", n, time.Now().UnixNano())
	check(err)
	check(f.Close())
}

func imageBytes(tar, platform string) int64 {
	l, err := oci.Open(tar)
	check(err)
	imgs, err := l.Images()
	check(err)
	m, err := imgs[platform].Manifest()
	check(err)
	var n int64
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

func median(xs []float64) float64 {
	s := append([]float64{}, xs...)
	sort.Float64s(s)
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
