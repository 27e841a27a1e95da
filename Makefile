# The two commands of the README. Both bring up the local BuildKit test bed
# (integration/testbed/up.sh) on first use and reuse it afterwards.
.PHONY: example test unit fuzz bench bench-ci testbed down

# Build examples/hello with its Slimfile through docker buildx and run it.
example:
	./integration/example.sh

# Every test: the test bed first (some unit tests run binaries under strace
# and qemu-user, which it installs), vet and unit tests, then the
# integration tests against the test bed, all under the race detector.
test: testbed unit
	. "$${SLIMFILE_STATE:-$${SLIMFILE_CACHE:-$$HOME/.cache/slimfile}/state}/env" && \
	  SLIMFILE_INTEGRATION=1 go test -race -tags libseccomp -count=1 -timeout 30m ./integration/...

unit:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...
	go test -race -count=1 ./spec/... ./llb/... ./security/... ./frontend/... ./internal/... ./report/...
	go test -race -count=1 -short ./binfacts/...
	cd internal/debugtools && go vet ./... && go test -race -count=1 ./...

# Fuzz the Slimfile parser (FUZZTIME=5m make fuzz for a longer run).
fuzz:
	go test ./spec/ -run='^$$' -fuzz=FuzzParse -fuzztime=$${FUZZTIME:-60s}

# Build times and image sizes: Slimfile vs expert and naive Dockerfiles and ko,
# and bytes against the floor, on the test bed's benchmark buildkitd, whose
# cache it empties for each cold run (so it can run beside make test;
# RUNS=5 ROUNDS=15 make bench). docs/benchmark.md holds the latest table.
bench: testbed
	. "$${SLIMFILE_STATE:-$${SLIMFILE_CACHE:-$$HOME/.cache/slimfile}/state}/env" && \
	  go run ./integration/bench -runs $${RUNS:-3} -rounds $${ROUNDS:-10}

# What a CI runner pays with a registry cache: a cold build exporting it
# (mode=max) to the loopback registry, a rebuild on the emptied builder
# importing it, a warm rebuild, for the Slimfile and the expert Dockerfile, on
# linux/amd64 and on linux/amd64,linux/arm64, with the cache's size, for the
# examples and blackbox_exporter (about 70 modules, fetched from the Go module
# proxy at run time). Apart from make bench: every build but the warm ones
# compiles everything, about half an hour on 2 CPUs with RUNS=1.
bench-ci: testbed
	. "$${SLIMFILE_STATE:-$${SLIMFILE_CACHE:-$$HOME/.cache/slimfile}/state}/env" && \
	  go run ./integration/bench -scenario ci -runs $${RUNS:-1} \
	    -subjects $${SUBJECTS:-examples/hello,examples/grpc-health,github.com/prometheus/blackbox_exporter@v0.28.0}

testbed:
	./integration/testbed/up.sh >/dev/null

down:
	./integration/testbed/down.sh
