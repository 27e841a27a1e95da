package llb

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/slimfile/slimfile/internal/gostep"
	"github.com/slimfile/slimfile/spec"
)

// Paths inside the toolchain container.
const (
	srcDir     = "/src"
	outDir     = "/out"
	modCache   = "/go/pkg/mod"
	buildCache = "/root/.cache/go-build"
)

// Options are what a build starts from, resolved by the frontend once
// for every platform (as dockerui's Config feeds dockerfile2llb).
type Options struct {
	// Context is the build context with .dockerignore applied.
	Context llb.State
	// Toolchain is the toolchain image on the build platform, with its
	// config (environment, working directory) applied.
	Toolchain llb.State
	// GOROOT is the Go root inside the toolchain image, and ToolchainPath
	// the directories of its PATH.
	GOROOT        string
	ToolchainPath []string
	// UPX is the named build context upx, which holds an upx binary for
	// build.compress: upx; when nil, upx comes from the toolchain's PATH.
	UPX *llb.State
	// Frontend is the frontend's own image (on the build platform), whose
	// step program (gostep.Program) repacks zoneinfo.zip and runs the Go
	// steps that need more than the go command; when nil, zoneinfo.zip is
	// copied from the toolchain unchanged.
	Frontend *llb.State
	// Module is the parsed go.mod of the module to build.
	Module *spec.GoMod
	// ModuleDir is the directory of the build context that holds go.mod
	// (the Slimfile's module, expanded), and ModuleAt where module is
	// written (or the slimfile line).
	ModuleDir string
	ModuleAt  spec.Range
	// CacheNS namespaces the persistent cache mounts (BUILDKIT_CACHE_MOUNT_NS).
	CacheNS string
	// Epoch is the time of every file the frontend writes and of the image.
	Epoch time.Time
	// Bases are the runtime base images with their configs, by platform
	// (PlatformString); a platform without one builds on scratch.
	Bases map[string]*Base
	// Locate, when set, ties a step to ranges of the Slimfile, so
	// BuildKit shows those lines when the step fails.
	Locate func(...spec.Range) llb.ConstraintsOpt
	// Labels are labels the frontend knows (org.opencontainers.image.*
	// from the build request); BuildLabels are --label. See Result.Config
	// for the order in which labels override each other.
	Labels, BuildLabels map[string]string
	// ProfileFiles are the security profile files the target names, read
	// from the build context, by path; CAFiles image.ca's certificate
	// files, read and parsed.
	ProfileFiles, CAFiles map[string][]byte
	// Layers keeps the downloaded modules and each platform's compiled
	// dependency packages in layers of their own as well as in the cache
	// mounts, so that --cache-to exports them (layers.go). It needs
	// Frontend, whose step program fills them.
	Layers bool
	// Dependencies are, by platform (PlatformString), the packages from
	// outside the module, standard library included, that the main
	// package's own packages import: what the platform's dependency layer
	// compiles. A platform without them gets no dependency layer.
	Dependencies map[string][]string
	// CC is, by platform (PlatformString), the C compiler of targets
	// with build.cgo (FindCC).
	CC map[string]*CCompiler
	// VulnSources is the security.SourceDigest of the module's own code,
	// under which go build keeps its files for the vulnerability check
	// (vulns.go); empty when the frontend could not read them, and the
	// check then mounts the build context.
	VulnSources string
	// NoCache runs go mod download and go build again (--no-cache). Only
	// these steps are marked: BuildKit merges identical steps of concurrent
	// builds, so marking the shared toolchain image would make every other
	// build on the builder miss its cache too.
	NoCache bool
}

// at returns the run options of a Go step: its Slimfile location and
// whether it ignores the cache.
func (in *Options) at(rs ...spec.Range) []llb.RunOption {
	var opts []llb.RunOption
	if in.Locate != nil {
		opts = append(opts, in.Locate(rs...))
	}
	if in.NoCache {
		opts = append(opts, llb.IgnoreCache)
	}
	return opts
}

// Base is a resolved runtime base image.
type Base struct {
	State  llb.State
	Config *Image
	Ref    string
}

// The persistent Go caches are shared: Go locks its module and build
// caches itself, so concurrent builds of several platforms (and of several
// Slimfiles) may use them at once.

// modCacheMount is the persistent module cache.
func (in *Options) modCacheMount() llb.RunOption {
	return llb.AddMount(modCache, llb.Scratch(), llb.AsPersistentCacheDir(in.CacheNS+"slimfile-gomodcache", llb.CacheMountShared))
}

// buildCacheMount is the persistent build cache.
func (in *Options) buildCacheMount() llb.RunOption {
	return llb.AddMount(buildCache, llb.Scratch(), llb.AsPersistentCacheDir(in.CacheNS+"slimfile-gobuildcache", llb.CacheMountShared))
}

// goCacheEnv says where the Go caches are.
func goCacheEnv() []llb.RunOption {
	return []llb.RunOption{
		llb.AddEnv("GOMODCACHE", modCache),
		llb.AddEnv("GOCACHE", buildCache),
		// The toolchain of the image builds; go.mod asking for a newer
		// one is an error rather than a download inside the build.
		llb.AddEnv("GOTOOLCHAIN", "local"),
	}
}

// cacheMounts are both persistent caches and where they are.
func (in *Options) cacheMounts() []llb.RunOption {
	return append([]llb.RunOption{in.modCacheMount(), in.buildCacheMount()}, goCacheEnv()...)
}

// NetrcPath is where the build secret "netrc" is mounted for module steps.
const NetrcPath = "/run/secrets/netrc"

// moduleEnvKeys are the build.env variables that decide where modules come
// from; they reach the download step as well as the compile.
var moduleEnvKeys = map[string]bool{
	"GOFLAGS": true, "GOPROXY": true, "GONOPROXY": true, "GOSUMDB": true, "GONOSUMDB": true,
	"GOPRIVATE": true, "GOINSECURE": true, "GOVCS": true, "GOAUTH": true,
}

// moduleEnv is the environment that decides where modules come from.
func moduleEnv(t *spec.Target) []llb.RunOption {
	var opts []llb.RunOption
	if t.Build.Goproxy != "" {
		opts = append(opts, llb.AddEnv("GOPROXY", t.Build.Goproxy))
	}
	if len(t.Build.Private) > 0 {
		p := strings.Join(t.Build.Private, ",")
		opts = append(opts, llb.AddEnv("GOPRIVATE", p), llb.AddEnv("GONOSUMDB", p),
			// Credentials for private modules: mounted for the step only,
			// never in a layer or a cache key.
			llb.AddSecret(NetrcPath, llb.SecretID("netrc"), llb.SecretOptional),
			llb.AddEnv("NETRC", NetrcPath),
			llb.AddSSHSocket(llb.SSHID("default"), llb.SSHOptional, llb.SSHSocketTarget("/run/ssh-agent.sock")),
			llb.AddEnv("SSH_AUTH_SOCK", "/run/ssh-agent.sock"))
	}
	for _, k := range sortedKeys(t.Build.Env) {
		if moduleEnvKeys[k] {
			opts = append(opts, llb.AddEnv(k, t.Build.Env[k]))
		}
	}
	return opts
}

// moduleFiles is go.mod and go.sum of the module, alone: the steps that
// see only them stay cached when any other file changes.
func (in *Options) moduleFiles() llb.State {
	return llb.Scratch().File(
		llb.Copy(in.Context, path.Join("/", in.ModuleDir)+"/", "/", &llb.CopyInfo{
			CopyDirContentsOnly: true,
			IncludePatterns:     []string{"go.mod", "go.sum"},
			CreatedTime:         &in.Epoch,
		}),
		llb.WithCustomName("go.mod and go.sum of "+in.Module.Path),
	)
}

// downloaded is the go mod download step: root is the toolchain after it
// (the module cache filled), and modules, when not nil, the module layer
// (layers.go).
type downloaded struct {
	root    llb.State
	modules *llb.State
}

// download runs `go mod download` of the module's dependencies. The step
// sees only go.mod and go.sum, so a change to any other file leaves it
// cached. Modules with directory replacements need their source and are
// downloaded by `go build` instead. With Options.Layers, the module layer
// is filled from the persistent module cache after it (layers.go).
func download(in *Options, t *spec.Target) downloaded {
	if !in.Module.Requires || in.Module.LocalReplaces {
		return downloaded{root: in.Toolchain}
	}
	opts := []llb.RunOption{
		llb.Args([]string{"go", "mod", "download"}),
		llb.Dir(srcDir),
		llb.AddMount(srcDir, in.moduleFiles()),
		llb.WithCustomName("go mod download (" + in.Module.Path + ")"),
	}
	opts = append(opts, in.cacheMounts()...)
	opts = append(opts, moduleEnv(t)...)
	opts = append(opts, in.at(in.ModuleAt)...)
	d := downloaded{root: in.Toolchain.Run(opts...).Root()}
	if in.Layers {
		d.modules = moduleLayer(in, d.root)
	}
	return d
}

// GoBuildArgs is the `go build` command line of binary b of a target.
func GoBuildArgs(t *spec.Target, b spec.Bin) []string {
	// -buildmode=exe is the default on Linux; written, it makes a main
	// that names a package other than main an error ("requires exactly one
	// main package") instead of a package archive in the image.
	args := append([]string{"go", "build", "-buildvcs=false", "-buildmode=exe"}, packageFlags(t)...)
	ld := []string{}
	if t.Build.Strip {
		ld = append(ld, "-s", "-w")
	}
	ld = append(ld, "-buildid=")
	ld = append(ld, cgoLinkFlags(t)...)
	ld = append(ld, t.Build.Ldflags...)
	args = append(args, "-ldflags="+strings.Join(ld, " "))
	if len(t.Build.Gcflags) > 0 {
		args = append(args, "-gcflags="+strings.Join(t.Build.Gcflags, " "))
	}
	return append(args, "-o", path.Join(outDir, b.Name), b.Package)
}

// packageFlags are the go build flags of t, other than -gcflags, that
// change compiled packages: go build's and the dependency layer's.
func packageFlags(t *spec.Target) []string {
	var flags []string
	if t.Build.Trimpath {
		flags = append(flags, "-trimpath")
	}
	if len(t.Build.Tags) > 0 {
		flags = append(flags, "-tags="+strings.Join(t.Build.Tags, ","))
	}
	return flags
}

// platformEnv is what cross-compiles t for p: GOOS, GOARCH and the rest,
// and CGO_ENABLED with the C compiler when there is one (cgoEnv).
func (in *Options) platformEnv(t *spec.Target, p ocispecs.Platform) ([]llb.RunOption, error) {
	goEnv, err := GoEnv(p)
	if err != nil {
		return nil, &spec.ValueError{Range: t.Where(&t.Platforms), Err: err}
	}
	opts, err := in.cgoEnv(t, p)
	if err != nil {
		return nil, err
	}
	for _, kv := range goEnv {
		k, v, _ := strings.Cut(kv, "=")
		opts = append(opts, llb.AddEnv(k, v))
	}
	return opts, nil
}

// buildEnv is the environment of t's go build steps beyond the platform's:
// where modules come from, then build.env.
func buildEnv(t *spec.Target) []llb.RunOption {
	opts := moduleEnv(t)
	for _, k := range sortedKeys(t.Build.Env) {
		opts = append(opts, llb.AddEnv(k, t.Build.Env[k]))
	}
	return opts
}

// goBuildReports reports whether go build's output holds the report of
// the C code that cgo being off leaves out (Result.LeftOut): with cgo off
// and the frontend's image to run the report from. go build makes the
// report itself, or, after a dependency step, copies that step's, so that
// the report comes with go build's result: a builder that imported the
// cache (mode=max) has it with the layers go build used, where a report
// only the frontend reads is in no exported cache, and reading it would
// run the whole dependency build again.
func goBuildReports(in *Options, t *spec.Target) bool {
	return !t.Build.CGO && in.Frontend != nil
}

// compile cross-compiles binary b of t for platform p on the build
// platform and returns a state holding /<binary> (and, for
// security.seccomp: default, the profile derived from it in DerivedDir).
// With the module layer, the persistent module cache is filled from it
// first, and with a dependency layer the persistent build cache, each once
// per layer (layers.go). The first binary's step also keeps the module's
// sources for the vulnerability check, which covers every binary.
func compile(in *Options, t *spec.Target, p ocispecs.Platform, mods downloaded, deps *depLayer, b spec.Bin, first bool) (llb.State, error) {
	env, err := in.platformEnv(t, p)
	if err != nil {
		return llb.State{}, err
	}
	binary := b.Name
	args := GoBuildArgs(t, b)
	var opts []llb.RunOption
	reports := goBuildReports(in, t)
	// Every go build step runs through the step program when the
	// frontend's image is there (a cgo build without it is refused).
	if in.Frontend != nil {
		step := &gostep.Build{Command: args}
		if mods.modules != nil {
			step.Modules = moduleLayerDir
			opts = append(opts, llb.AddMount(moduleLayerDir, *mods.modules, llb.Readonly))
		}
		if deps != nil {
			step.Seed = depLayerDir
			opts = append(opts, llb.AddMount(depLayerDir, *deps.layer, llb.Readonly))
		}
		if reports {
			step.LeftOut = path.Join(outDir, LeftOutPath)
			if deps != nil && deps.leftOut != nil {
				step.LeftOutFrom = path.Join(reportDir, LeftOutPath)
				opts = append(opts, llb.AddMount(reportDir, *deps.leftOut, llb.Readonly))
			}
		}
		if t.Build.CGO {
			// The link is checked: a static binary or a failed step.
			step.Static = path.Join(outDir, binary)
			step.LibcTags = libcTags(in, t, p)
		}
		if derives(in, t) {
			step.Derive, step.Binary = path.Join(outDir, DerivedDir, DerivedFile), path.Join(outDir, binary)
		}
		// What the binary is made of, for the progress line, and its
		// hardening, checked.
		step.Facts, step.Binary = path.Join(outDir, FactsFile), path.Join(outDir, binary)
		step.Stripped, step.Trimpath = t.Build.Strip, t.Build.Trimpath
		step.BuilderPaths = in.builderPaths()
		step.Certs, step.Zoneinfo = CertFile, path.Join(in.GOROOT, "lib/time/zoneinfo.zip")
		if first && in.keepsSources(t) {
			step.Sources = path.Join(vulnSourcesDir, in.VulnSources)
			opts = append(opts, in.vulnSourcesCache())
		}
		var mount llb.RunOption
		args, mount = in.goStep(step)
		opts = append(opts, mount)
	}
	opts = append(opts,
		llb.Args(args),
		llb.Dir(path.Join(srcDir, in.ModuleDir)),
		llb.AddMount(srcDir, in.Context, llb.Readonly),
		llb.WithCustomName(fmt.Sprintf("[%s] go build %s%s", PlatformString(p), b.Package, in.cgoLabel(t, p))),
	)
	opts = append(opts, env...)
	opts = append(opts, in.cacheMounts()...)
	opts = append(opts, buildEnv(t)...)
	at := []spec.Range{t.Where(&b.Main.Package)}
	if t.Build.CGO {
		at = append(at, t.Where(&t.Build.CGO))
	}
	opts = append(opts, in.at(at...)...)
	run := mods.root.Run(opts...)
	return run.AddMount(outDir, llb.Scratch()), nil
}
