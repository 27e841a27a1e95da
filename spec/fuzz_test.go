package spec_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/slimfile/slimfile/spec"
)

// fuzzSeeds are inline Slimfiles covering every part of the format.
var fuzzSeeds = []string{
	"slimfile: 1\n",
	"# syntax=registry.example/slimfile:1\nslimfile: 1\nmain: ./cmd/server\n",
	"slimfile: 1\nmain: ./cmd/api\nbinary: api\nplatforms: [linux/amd64, linux/arm64, linux/arm/v7]\n",
	"slimfile: 1\ngo: \"1.26\"\ntoolchain: golang:1.26-alpine\nmodule: ./svc\n",
	"slimfile: 1\nargs:\n  # version\n  VERSION: dev\n  PORT: \"8080\"\nmain: ./cmd/${VERSION}\nimage:\n  expose: [\"${PORT}\"]\n  env: {A: \"$$x\", B: \"${TARGETARCH}\"}\n",
	"slimfile: 1\nbuild:\n  cgo: false\n  tags: [netgo]\n  ldflags: [\"-X main.v=1\"]\n  gcflags: [-l]\n  env: {GOEXPERIMENT: jsonv2}\n  strip: false\n  trimpath: false\n  compress: upx\n  private: [example.com/*]\n  goproxy: direct\n",
	"slimfile: 1\nimage:\n  base: alpine:3\n  user: \"1000:1000\"\n  certs: false\n  tzdata: false\n  files:\n    - {src: a, dst: /a, mode: \"0644\"}\n  env: {X: y}\n  expose: [\"8080\", 53/udp]\n  workdir: /srv\n  entrypoint: [/bin/x]\n  cmd: [--flag]\n  labels: {a: b}\n  annotations: {c: d}\n  stopsignal: SIGTERM\n",
	"slimfile: 1\nsecurity:\n  seccomp: docker\n  apparmor: profiles/app\n",
	"slimfile: 1\nmain: ./cmd/a\nbuild: {env: {A: \"1\"}}\ntargets:\n  a:\n  b:\n    main: ./cmd/b\n    build: {env: {B: \"2\"}, tags: [x]}\n    image: {user: root}\n",
	"slimfile: 1\nbuild:\n  tags: &t [a]\ntargets:\n  x: {build: {gcflags: *t}}\n",
	// Invalid files, so the fuzzer starts from the error paths too.
	"slimfile: 2\nmian: .\nplatforms: linux/amd64\n",
	"slimfile: 1\nmain: [\n",
	"slimfile: 1\nmain: ${NOPE}\n",
	"slimfile: 1\ntargets: {}\n",
	"- a\n- b\n",
}

func FuzzParse(f *testing.F) {
	examples, err := filepath.Glob("../examples/*/Slimfile")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range examples {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Keep each iteration (and the minimization of new inputs) fast:
		// a Slimfile is a few hundred bytes.
		if len(data) > 1024 {
			return
		}
		file, err := spec.Parse(data)
		if err != nil {
			if file != nil {
				t.Errorf("Parse returned both a File and an error: %v", err)
			}
			var es spec.Errors
			if errors.As(err, &es) {
				if len(es) == 0 {
					t.Errorf("Parse returned empty spec.Errors")
				}
				for _, e := range es {
					if e == nil || e.Range.Line < 1 {
						t.Errorf("error without a line: %#v in %q", e, data)
					}
				}
			}
			return
		}
		if file == nil {
			t.Fatalf("Parse returned neither a File nor an error")
		}
		if len(file.Targets) == 0 {
			t.Fatalf("Parse returned a File without targets")
		}
		for _, tg := range file.Targets {
			if tg == nil || tg.Name == "" || tg.Mains[0].Package == "" {
				t.Fatalf("bad target %#v", tg)
			}
			// Exercising the accessors must not panic either.
			_ = tg.BinaryName("example.com/m/v2")
			_, _ = tg.Pos(&tg.Mains[0].Package)
			_ = tg.Where(&tg.Build.Env, "GOFLAGS")
		}
	})
}
