package llb_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/slimfile/slimfile/internal/gostep"
	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/spec"
)

// A toolchain's files, for FindCC.
func files(names ...string) func(string) bool {
	return func(n string) bool { return slices.Contains(names, n) }
}

// FindCC takes zig before a Debian cross gcc with musl's specs, and
// musl-gcc only for the build platform's own architecture; build.env's CC
// replaces the search; a toolchain without a compiler for the platform
// gets an error naming the platform and what was looked for.
func TestFindCC(t *testing.T) {
	_, tg := parse(t, "slimfile: 1", "build: {cgo: true}")
	path := []string{"/usr/local/bin", "/usr/bin"}
	debian := files("/usr/bin/aarch64-linux-gnu-gcc", "/usr/lib/aarch64-linux-musl/musl-gcc.specs", "/usr/bin/musl-gcc",
		"/usr/bin/arm-linux-gnueabihf-gcc", "/usr/lib/arm-linux-musleabihf/musl-gcc.specs")
	for _, c := range []struct {
		name   string
		p      ocispecs.Platform
		exists func(string) bool
		cc     string
		err    string
	}{
		{"zig", linuxArm64, files("/usr/local/bin/zig", "/usr/bin/aarch64-linux-gnu-gcc"), "zig cc -target aarch64-linux-musl", ""},
		{"zig arm", linuxArmV7, files("/usr/local/bin/zig"), "zig cc -target arm-linux-musleabihf -mcpu=generic+v7a", ""},
		{"debian arm64", linuxArm64, debian, "aarch64-linux-gnu-gcc -specs /usr/lib/aarch64-linux-musl/musl-gcc.specs", ""},
		{"debian arm", linuxArmV7, debian, "arm-linux-gnueabihf-gcc -specs /usr/lib/arm-linux-musleabihf/musl-gcc.specs", ""},
		{"musl-gcc", buildPlatform, debian, "musl-gcc", ""},
		{"alpine", buildPlatform, files("/usr/bin/x86_64-alpine-linux-musl-gcc"), "x86_64-alpine-linux-musl-gcc", ""},
		{"gcc without musl", linuxArm64, files("/usr/bin/aarch64-linux-gnu-gcc"), "",
			"no C compiler for linux/arm64: looked for zig on PATH, aarch64-linux-gnu-gcc with /usr/lib/aarch64-linux-musl/musl-gcc.specs (Debian: gcc-aarch64-linux-gnu, musl-dev:arm64)"},
		{"musl-gcc is not a cross compiler", linuxArm64, files("/usr/bin/musl-gcc"), "", "no C compiler for linux/arm64"},
		{"unknown platform", ocispecs.Platform{OS: "linux", Architecture: "mips64le"}, debian, "", "no C cross compiler is known for linux/mips64le"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cc, err := sllb.FindCC(tg, c.p, buildPlatform, path, c.exists)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || cc.CC != c.cc {
				t.Fatalf("CC %+v (%v), want %q", cc, err, c.cc)
			}
		})
	}
	_, user := parse(t, "slimfile: 1", "build: {cgo: true, env: {CC: gcc}}")
	if cc, err := sllb.FindCC(user, linuxArm64, buildPlatform, path, files()); err != nil || cc.CC != "gcc" || !cc.UserCC {
		t.Errorf("build.env CC: %+v (%v)", cc, err)
	}
}

// With build.cgo, go build and the dependency step get CGO_ENABLED=1 and
// the platform's CC (zig's cache in a persistent mount), go build links
// externally and statically, stripping the C code too, through the
// frontend's binary, which checks that the result is static; both
// progress lines name the compiler.
func TestCgoBuild(t *testing.T) {
	f, tg := parse(t, "slimfile: 1", "main: ./cmd/api", "build: {cgo: true}")
	in := layered(true)
	in.CC = map[string]*sllb.CCompiler{"linux/arm64": {Shape: "zig", CC: "zig cc -target aarch64-linux-musl", Zig: true}}
	g, _ := build(t, in, f, tg, linuxArm64)
	gbD, gb, bc := step[*gostep.Build](t, g)
	if bc.Static != "/out/api" {
		t.Errorf("go build %+v does not check /out/api", bc)
	}
	if bc.LeftOut != "" || bc.LibcTags {
		t.Errorf("go build %+v: a left-out report or libc tags with cgo and zig", bc)
	}
	if !slices.Contains(bc.Command, "-ldflags=-s -w -buildid= -linkmode=external '-extldflags=-static -s'") {
		t.Errorf("go build %q does not link statically", bc.Command)
	}
	depD, deps, _ := step[*gostep.Deps](t, g)
	for _, op := range []*pb.Op{gb, deps} {
		env := op.GetExec().Meta.Env
		for _, kv := range []string{"CGO_ENABLED=1", "CC=zig cc -target aarch64-linux-musl", "ZIG_GLOBAL_CACHE_DIR=/root/.cache/zig"} {
			if !hasEnv(env, kv) {
				t.Errorf("env %q lacks %s", env, kv)
			}
		}
		if m := mount(t, op, "/root/.cache/zig"); m.MountType != pb.MountType_CACHE || m.CacheOpt.ID != "slimfile-zigcache" {
			t.Errorf("zig's cache %v is not a persistent cache mount", m)
		}
	}
	if n := g.name(gbD); !strings.HasSuffix(n, "[linux/arm64] go build ./cmd/api (cgo: zig)") {
		t.Errorf("go build named %q", n)
	}
	if n := g.name(depD); !strings.HasSuffix(n, "(cgo: zig)") {
		t.Errorf("dependency step named %q", n)
	}
	// A CC of the user's is asked which C library it links.
	in.CC["linux/arm64"] = &sllb.CCompiler{Shape: "CC from build.env", CC: "gcc", UserCC: true}
	g, _ = build(t, in, f, tg, linuxArm64)
	if _, _, bc := step[*gostep.Build](t, g); !bc.LibcTags {
		t.Errorf("go build %+v without -libc-tags", bc)
	}
	if _, _, dc := step[*gostep.Deps](t, g); !dc.LibcTags {
		t.Errorf("dependency step %+v without -libc-tags", dc)
	}
	// Without a compiler for the platform, the build is refused at the
	// cgo line.
	if _, err := sllb.Build(in, tg, linuxArmV7); err == nil || !strings.Contains(err.Error(), "no C compiler was found for linux/arm/v7") {
		t.Errorf("Build for a platform without a compiler: %v", err)
	}
	// Without the frontend's image, which checks the link, cgo is refused
	// rather than built unchecked.
	in.Frontend, in.Layers = nil, false
	if _, err := sllb.Build(in, tg, linuxArm64); err == nil || !strings.Contains(err.Error(), "needs the frontend's own image") {
		t.Errorf("Build without the frontend's image: %v", err)
	}
	// Without strip, the C code keeps its symbols too.
	_, tg2 := parse(t, "slimfile: 1", "build: {cgo: true, strip: false}")
	if args := sllb.GoBuildArgs(tg2, spec.Bin{Package: ".", Name: "svc"}); !slices.Contains(args, "-ldflags=-buildid= -linkmode=external '-extldflags=-static'") {
		t.Errorf("unstripped cgo build %q", args)
	}
}
