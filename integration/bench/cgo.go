package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/slimfile/slimfile/integration/oci"
)

// expertCgo is a hand-written Dockerfile that builds a cgo module as
// build.cgo: true does: natively on the build platform, with Debian's
// cross gcc and musl per TARGETARCH, statically linked and stripped, on
// scratch. {{TOOLCHAIN}} is the Debian cgo toolchain image.
const expertCgo = `FROM --platform=$BUILDPLATFORM {{TOOLCHAIN}} AS build
ARG TARGETARCH TARGETVARIANT
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    go mod download
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,target=. \
    case "$TARGETARCH" in \
      amd64) cc="x86_64-linux-gnu-gcc -specs /usr/lib/x86_64-linux-musl/musl-gcc.specs" ;; \
      arm64) cc="aarch64-linux-gnu-gcc -specs /usr/lib/aarch64-linux-musl/musl-gcc.specs" ;; \
      arm) cc="arm-linux-gnueabihf-gcc -specs /usr/lib/arm-linux-musleabihf/musl-gcc.specs" ;; \
    esac && \
    CGO_ENABLED=1 CC="$cc" GOOS=linux GOARCH=$TARGETARCH GOARM=${TARGETVARIANT#v} \
    go build -trimpath -ldflags="-s -w -buildid= -linkmode=external '-extldflags=-static -s'" -o /out/app .

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /usr/local/go/lib/time/zoneinfo.zip /zoneinfo.zip
ENV ZONEINFO=/zoneinfo.zip
COPY --from=build /out/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
`

// benchCgo compares, for a cgo subject (examples/sqlite-cgo), the
// Slimfile (build.cgo: true, the toolchain given as the golang named
// context) with expertCgo on the same toolchain, building every platform
// of platforms in one build: a cold build from an emptied builder, then
// warm rebuilds after a one-line edit of main.go, over runs; and each
// platform's binary and image bytes.
func benchCgo(subject, label, platforms, toolchain string, runs int) {
	goVersion := goLine(subject)
	prepareCgo := func() string {
		dir := prepare(subject, goVersion)
		check(os.WriteFile(filepath.Join(dir, "Dockerfile.expert-cgo"), []byte(strings.ReplaceAll(expertCgo, "{{TOOLCHAIN}}", toolchain)), 0o644))
		return dir
	}
	slim := &buildkitVariant{"slimfile", "Slimfile"}
	exp := &buildkitVariant{"hand-written cgo Dockerfile", "Dockerfile.expert-cgo"}
	named := []string{"--opt", "context:golang=docker-image://" + toolchain}
	type figures struct {
		cold, warm []float64
		binary     map[string]int64
		image      map[string]int64
	}
	res := map[*buildkitVariant]*figures{}
	for _, v := range []*buildkitVariant{slim, exp} {
		res[v] = &figures{binary: map[string]int64{}, image: map[string]int64{}}
	}
	for r := 1; r <= runs; r++ {
		for _, v := range rotated([]*buildkitVariant{slim, exp}, r) {
			f := res[v]
			dir := prepareCgo()
			prune()
			dest := filepath.Join(filepath.Dir(dir), v.file+".tar")
			f.cold = append(f.cold, v.run(dir, platforms, "type=oci,dest="+dest, named...))
			fmt.Fprintf(os.Stderr, "%s cold run %d %-28s %6.1fs\n", label, r, v.name(), last(f.cold))
			for i := 1; i <= 2; i++ {
				touch(mainFile(dir), 100*r+i)
				f.warm = append(f.warm, v.run(dir, platforms, "type=oci,dest="+dest, named...))
			}
			l, err := oci.Open(dest)
			check(err)
			imgs, err := l.Images()
			check(err)
			for p, img := range imgs {
				f.image[p] = imageBytes(img)
				files, err := oci.Files(img)
				check(err)
				for name, file := range files {
					if name == "app" || strings.HasPrefix(name, "usr/local/bin/") {
						f.binary[p] = file.Header.Size
					}
				}
			}
			os.RemoveAll(filepath.Dir(dir))
		}
	}
	fmt.Printf("\n%s, cgo, [%s] in one build, Debian cross gcc + musl (medians of %d cold runs and %d warm)\n", label, platforms, runs, 2*runs)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "variant\tcold s\twarm s\tplatform\tbinary bytes\timage bytes\t")
	for _, v := range []*buildkitVariant{slim, exp} {
		f := res[v]
		for i, p := range strings.Split(platforms, ",") {
			c, wm := "", ""
			if i == 0 {
				c, wm = fmt.Sprintf("%.1f", median(f.cold)), fmt.Sprintf("%.2f", median(f.warm))
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\t\n", v.name(), c, wm, p, f.binary[p], f.image[p])
		}
	}
	w.Flush()
}
