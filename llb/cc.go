package llb

import (
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/slimfile/slimfile/spec"
)

// C code (build.cgo: true). Each target platform is still cross-compiled
// on the build platform, with a C cross compiler the toolchain image
// provides, and linked statically against musl. FindCC recognises these
// shapes of toolchain, in this order:
//
//  1. zig on PATH: one binary for every target (zig cc -target
//     <arch>-linux-musl...), which builds musl itself, once, into its cache;
//  2. a GNU cross gcc per target with musl's specs file, as Debian's
//     packages gcc-<triple> and musl-dev:<arch> install them;
//  3. for the build platform's own architecture, musl-gcc (Debian's
//     musl-tools), or Alpine's own gcc, which targets musl.
//
// CC in build.env replaces the search.

// CCompiler is the C compiler of one target platform.
type CCompiler struct {
	// Shape names the compiler for the progress line: "zig", the gcc's
	// name, "musl-gcc", "CC from build.env".
	Shape string
	// CC and CXX are the environment variables go build gets; CXX may be
	// empty (no C++ compiler for the target).
	CC, CXX string
	// Zig is set for zig, whose cache of built C libraries is kept in a
	// persistent cache mount.
	Zig bool
	// UserCC is set when CC comes from build.env: its C library is not
	// known before the step runs (slimfile-go build -libc-tags).
	UserCC bool
}

// cTarget is how the C toolchains name a Go platform.
type cTarget struct {
	zig  string // zig cc -target (and flags)
	gnu  string // GNU triple of Debian's cross gcc
	musl string // Debian's musl multiarch directory, /usr/lib/<musl>
}

// cTargets are the platforms build.cgo can build, by PlatformString
// without the amd64 variant.
var cTargets = map[string]cTarget{
	"linux/amd64":   {"x86_64-linux-musl", "x86_64-linux-gnu", "x86_64-linux-musl"},
	"linux/arm64":   {"aarch64-linux-musl", "aarch64-linux-gnu", "aarch64-linux-musl"},
	"linux/arm/v7":  {"arm-linux-musleabihf -mcpu=generic+v7a", "arm-linux-gnueabihf", "arm-linux-musleabihf"},
	"linux/arm/v6":  {"arm-linux-musleabihf -mcpu=arm1176jzf_s", "", ""},
	"linux/386":     {"x86-linux-musl", "i686-linux-gnu", "i386-linux-musl"},
	"linux/ppc64le": {"powerpc64le-linux-musl", "powerpc64le-linux-gnu", "powerpc64le-linux-musl"},
	"linux/s390x":   {"s390x-linux-musl", "s390x-linux-gnu", "s390x-linux-musl"},
	"linux/riscv64": {"riscv64-linux-musl", "riscv64-linux-gnu", "riscv64-linux-musl"},
}

// alpineArch is the architecture in Alpine's gcc name
// (<arch>-alpine-linux-musl-gcc), by GOARCH.
var alpineArch = map[string]string{"amd64": "x86_64", "arm64": "aarch64", "386": "i586", "ppc64le": "powerpc64le", "s390x": "s390x", "riscv64": "riscv64"}

// cTargetOf is p's entry in cTargets.
func cTargetOf(p ocispecs.Platform) (cTarget, bool) {
	key := p.OS + "/" + p.Architecture
	if p.Architecture == "arm" {
		v := p.Variant
		if v == "" {
			v = "v7"
		}
		key += "/" + v
	}
	t, ok := cTargets[key]
	return t, ok
}

// FindCC finds the C compiler of target t (expanded for p) for target
// platform p in a toolchain whose PATH is pathDirs, on build platform bp;
// exists tells whether a file of the toolchain image exists. CC in
// build.env is taken as it is. The error names what was looked for.
func FindCC(t *spec.Target, p, bp ocispecs.Platform, pathDirs []string, exists func(string) bool) (*CCompiler, error) {
	if cc := t.Build.Env["CC"]; cc != "" {
		return &CCompiler{Shape: "CC from build.env", CC: cc, CXX: t.Build.Env["CXX"], UserCC: true}, nil
	}
	onPath := func(name string) bool {
		for _, d := range pathDirs {
			if exists(path.Join(d, name)) {
				return true
			}
		}
		return false
	}
	ct, ok := cTargetOf(p)
	if !ok {
		return nil, fmt.Errorf("build.cgo: true: no C cross compiler is known for %s", PlatformString(p))
	}
	var looked []string
	looked = append(looked, "zig on PATH")
	if onPath("zig") {
		return &CCompiler{Shape: "zig", CC: "zig cc -target " + ct.zig, CXX: "zig c++ -target " + ct.zig, Zig: true}, nil
	}
	if ct.gnu != "" {
		gcc, specs := ct.gnu+"-gcc", path.Join("/usr/lib", ct.musl, "musl-gcc.specs")
		looked = append(looked, fmt.Sprintf("%s with %s (Debian: gcc-%s, musl-dev:%s)", gcc, specs, ct.gnu, debianArch(p)))
		if onPath(gcc) && exists(specs) {
			return &CCompiler{Shape: gcc + " with musl", CC: gcc + " -specs " + specs}, nil
		}
	}
	if p.Architecture == bp.Architecture && p.Variant == bp.Variant {
		looked = append(looked, "musl-gcc")
		if onPath("musl-gcc") {
			return &CCompiler{Shape: "musl-gcc", CC: "musl-gcc"}, nil
		}
		if a, ok := alpineArch[p.Architecture]; ok {
			gcc := a + "-alpine-linux-musl-gcc"
			looked = append(looked, gcc+" (Alpine: gcc, musl-dev)")
			if onPath(gcc) {
				return &CCompiler{Shape: gcc, CC: gcc, CXX: a + "-alpine-linux-musl-g++"}, nil
			}
		}
	}
	return nil, fmt.Errorf("build.cgo: true: the toolchain has no C compiler for %s: looked for %s; add one to the toolchain image, or set CC in build.env",
		PlatformString(p), strings.Join(looked, ", "))
}

// debianArch is Debian's name of p's architecture (musl-dev:<arch>).
func debianArch(p ocispecs.Platform) string {
	switch p.Architecture {
	case "arm":
		return "armhf"
	case "ppc64le":
		return "ppc64el"
	case "386":
		return "i386"
	}
	return p.Architecture
}

// zigCache is where zig keeps what it builds (musl, compiler-rt, C
// objects), in a persistent cache mount.
const zigCache = "/root/.cache/zig"

// cgoEnv is the environment of t's Go steps on p beyond GOOS and GOARCH:
// CGO_ENABLED, and with cgo the C compiler (Options.CC) and, for zig, its
// cache. CC in build.env comes later (buildEnv) and wins.
func (in *Options) cgoEnv(t *spec.Target, p ocispecs.Platform) ([]llb.RunOption, error) {
	if !t.Build.CGO {
		return []llb.RunOption{llb.AddEnv("CGO_ENABLED", "0")}, nil
	}
	if in.Frontend == nil {
		// The static check runs the frontend image's slimfile-go.
		return nil, &spec.ValueError{Range: t.Where(&t.Build.CGO), Err: fmt.Errorf("build.cgo: true needs the frontend's own image, which checks the binary it links: run the frontend through # syntax= or the gateway's source option")}
	}
	cc := in.CC[PlatformString(p)]
	if cc == nil {
		return nil, &spec.ValueError{Range: t.Where(&t.Build.CGO), Err: fmt.Errorf("build.cgo: true: no C compiler was found for %s", PlatformString(p))}
	}
	opts := []llb.RunOption{llb.AddEnv("CGO_ENABLED", "1"), llb.AddEnv("CC", cc.CC)}
	if cc.CXX != "" {
		opts = append(opts, llb.AddEnv("CXX", cc.CXX))
	}
	if cc.Zig {
		opts = append(opts, llb.AddEnv("ZIG_GLOBAL_CACHE_DIR", zigCache), llb.AddEnv("ZIG_LOCAL_CACHE_DIR", zigCache),
			llb.AddMount(zigCache, llb.Scratch(), llb.AsPersistentCacheDir(in.CacheNS+"slimfile-zigcache", llb.CacheMountShared)))
	}
	return opts, nil
}

// cgoLabel is what the progress line of p's go build says of the C
// compiler: " (cgo: zig)", or nothing without cgo.
func (in *Options) cgoLabel(t *spec.Target, p ocispecs.Platform) string {
	cc := in.CC[PlatformString(p)]
	if !t.Build.CGO || cc == nil {
		return ""
	}
	return " (cgo: " + cc.Shape + ")"
}

// cgoLinkFlags are the -ldflags that link t statically with the C
// compiler: external linking, -static, and -s when stripping (the default
// CGO_LDFLAGS carry -g, which would keep the C code's debug sections).
func cgoLinkFlags(t *spec.Target) []string {
	if !t.Build.CGO {
		return nil
	}
	ext := "-static"
	if t.Build.Strip {
		ext += " -s"
	}
	return []string{"-linkmode=external", "'-extldflags=" + ext + "'"}
}

// libcTags reports whether a Go step of t on p gets -libc-tags, which makes a
// CC from build.env linking against glibc build with Go's own DNS
// resolver and user lookups (-tags netgo,osusergo): a static glibc
// cannot load the NSS modules its lookups need. The step asks the
// compiler (-dumpmachine), and says so when it adds them.
func libcTags(in *Options, t *spec.Target, p ocispecs.Platform) bool {
	cc := in.CC[PlatformString(p)]
	return t.Build.CGO && cc != nil && cc.UserCC
}

// LeftOutPath is where the report of the packages whose C code cgo being
// off leaves out is, in Result.LeftOut.
const LeftOutPath = "/slimfile-cgo/left-out"
