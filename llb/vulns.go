package llb

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/moby/buildkit/client/llb"

	"github.com/slimfile/slimfile/internal/gostep"
	"github.com/slimfile/slimfile/security"
	"github.com/slimfile/slimfile/spec"
)

// The vulnerability check (security.vulns): govulncheck in source mode on
// the target's main package, with the build's toolchain, module cache,
// platform, tags and environment, against the Go vulnerability database
// as the vulndb step checked it. It runs in a step of its own beside the
// image, so that a new database entry reruns the check alone.
//
// The step is keyed by the SourceDigest of the module's own code
// (Options.VulnSources), not by the code: go build, which runs whenever
// the code changes, copies the module's files into a persistent cache
// mount under that digest (gostep.Build.Sources), and the check names
// that directory and has no input of go build's: its definition is the
// same for every build of the same digest, so BuildKit finds it in its
// cache by definition alone. (It used to mount a file go build wrote with
// the digest, and be found by that file's content; under load BuildKit
// sometimes ran it again.) The frontend solves go build before the check
// (frontend/vulns.go), so that the sources are there when it runs. An edit that cannot change what
// the program calls (a message, a constant's value, a variable set in an
// init) reruns go build but not the check. A check that finds no sources
// there (a builder that imported go build's result from a cache, and
// never ran it) fails, and the frontend runs it on the build context
// (VulnCheck with fromContext), which also keeps the sources for the next
// time.

// Where the check's files are.
const (
	vulnDBDir      = "/slimfile-vulndb"
	vulnSourcesDir = "/slimfile-vulnsrc"
	// VulnReportFile is the check's security.VulnReport, in its output.
	VulnReportFile = "/vulns.json"
)

// VulnDB is the vulnerability database the check reads: the vulndb step's
// output, and what that step found in it.
type VulnDB struct {
	State llb.State
	Info  *security.VulnDBInfo
}

// VulnDBState checks the database in (a directory in its layout, or one
// holding vulndb.zip), named source in messages, in a step of the
// frontend's image; it reruns only when the database changes.
func VulnDBState(frontend, in llb.State, source string) llb.State {
	run := frontend.Run(
		llb.Args(append([]string{gostep.Program}, gostep.Argv(&gostep.VulnDB{In: "/in", Out: "/out", Source: source})...)),
		llb.AddMount("/in", in, llb.Readonly),
		llb.Network(llb.NetModeNone),
		llb.WithCustomName("vulnerability database: "+source),
	)
	return run.AddMount("/out", llb.Scratch())
}

// vulnSourcesCache is the persistent cache mount of the sources kept for
// the check.
func (in *Options) vulnSourcesCache() llb.RunOption {
	return llb.AddMount(vulnSourcesDir, llb.Scratch(), llb.AsPersistentCacheDir(in.CacheNS+"slimfile-vulnsrc", llb.CacheMountShared))
}

// keepsSources reports whether go build keeps the sources for t's check
// (VulnCheck without fromContext).
func (in *Options) keepsSources(t *spec.Target) bool {
	return in.VulnSources != "" && in.Frontend != nil && t.Security.Vulns.Mode != "off"
}

// VulnCheck is r's vulnerability check against db: the step's output holds
// VulnReportFile. With fromContext, or when go build keeps no sources, it
// mounts the build context itself and so runs again at every change of it.
func (r *Result) VulnCheck(db *VulnDB, fromContext bool) (llb.State, error) {
	in, t, p := r.opts, r.Target, r.Platform
	if in.Frontend == nil {
		return llb.State{}, fmt.Errorf("the vulnerability check needs the frontend's image")
	}
	env, err := in.platformEnv(t, p)
	if err != nil {
		return llb.State{}, err
	}
	c := &gostep.Vulns{DB: vulnDBDir, Out: path.Join(outDir, VulnReportFile), Tags: strings.Join(t.Build.Tags, ","),
		Packages: t.Packages()}
	var opts []llb.RunOption
	if r.mods.modules != nil {
		c.Modules = moduleLayerDir
		opts = append(opts, llb.AddMount(moduleLayerDir, *r.mods.modules, llb.Readonly))
	}
	how := ""
	if in.keepsSources(t) && !fromContext {
		// Not its working directory: the step must start to say that the
		// sources are missing (gostep.NoSources).
		c.Dir = path.Join(vulnSourcesDir, in.VulnSources)
		opts = append(opts, in.vulnSourcesCache())
	} else {
		c.Dir = path.Join(srcDir, in.ModuleDir)
		opts = append(opts, llb.AddMount(srcDir, in.Context, llb.Readonly))
		if in.keepsSources(t) {
			// Kept for the next check, as go build would have.
			c.Sources = path.Join(vulnSourcesDir, in.VulnSources)
			opts = append(opts, in.vulnSourcesCache())
			how = ", sources from the build context"
		}
	}
	args, mount := in.goStep(c)
	name := fmt.Sprintf("[%s] govulncheck %s (database %s", PlatformString(p), strings.Join(t.Packages(), " "), db.Info.Source)
	if !db.Info.Modified.IsZero() {
		name += " of " + db.Info.Modified.UTC().Format(time.RFC3339)
	}
	opts = append(opts, mount,
		llb.Args(args),
		llb.Dir("/"),
		llb.AddMount(vulnDBDir, db.State, llb.Readonly),
		llb.WithCustomName(name+how+")"),
	)
	opts = append(opts, env...)
	opts = append(opts, in.cacheMounts()...)
	opts = append(opts, buildEnv(t)...)
	opts = append(opts, in.at(t.Where(&t.Security.Vulns.Mode))...)
	return r.mods.root.Run(opts...).AddMount(outDir, llb.Scratch()), nil
}
