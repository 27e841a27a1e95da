package llb

import (
	"maps"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/slimfile/slimfile/internal/gostep"
	"github.com/slimfile/slimfile/spec"
)

// Image is the image config the frontend returns for each platform.
type Image = dockerspec.DockerOCIImage

// Files in the runtime image.
const (
	BinDir      = "/usr/local/bin"
	CertFile    = "/etc/ssl/certs/ca-certificates.crt"
	ZoneinfoZip = "/usr/local/go/lib/time/zoneinfo.zip"
	NonrootUID  = 65532
	nonrootHome = "/home/nonroot"
)

const (
	passwd = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group  = "root:x:0:\nnonroot:x:65532:\n"
)

// runtimeStages are what every image gets below its binary, in two
// layers: users, /tmp and (as asked) the CA bundle; then (as asked) Go's
// time zone database. They do not depend on the target platform, so every
// platform and every service built with the same toolchain shares them.
// Two layers rather than one: gzip compresses the time zones about 1.1 kB
// better in a stream of their own than after the PEM text of the CA bundle.
// stage is the content of one layer, built in scratch, and its name.
type stage struct {
	state llb.State
	name  string
}

// applyStages adds each stage onto st as one layer whose times are pinned.
func applyStages(in *Options, st llb.State, stages []stage) llb.State {
	for _, s := range stages {
		st = st.File(pinnedCopy(in, s.state), llb.WithCustomName(s.name))
	}
	return st
}

func runtimeStages(in *Options, t *spec.Target) []stage {
	skel := llb.Scratch().File(llb.Mkdir("/d", 0o755), llb.WithCustomName("skeleton"))
	fa := llb.Mkdir("/etc", 0o755).
		Mkfile("/etc/passwd", 0o644, []byte(passwd)).
		Mkfile("/etc/group", 0o644, []byte(group)).
		Copy(tmpDir(in, skel), "/d", "/tmp", tmpCopyInfo(in)).
		Mkdir("/home", 0o755).
		Copy(skel, "/d", nonrootHome, &llb.CopyInfo{Mode: &llb.ChmodOpt{Mode: 0o700},
			ChownOpt: &llb.ChownOpt{User: &llb.UserOpt{UID: NonrootUID}, Group: &llb.UserOpt{UID: NonrootUID}}})
	what := "users, /tmp"
	switch {
	case len(t.Image.CA) > 0:
		fa = fa.Mkdir(path.Dir(CertFile), 0o755, llb.WithParents(true)).
			Copy(caBundle(in, t), "/ca-certificates.crt", CertFile, &llb.CopyInfo{Mode: &llb.ChmodOpt{Mode: 0o644}})
		what += ", CA certificates (with image.ca)"
	case t.Image.Certs:
		fa = fa.Mkdir(path.Dir(CertFile), 0o755, llb.WithParents(true)).
			Copy(in.Toolchain, CertFile, CertFile, &llb.CopyInfo{FollowSymlinks: true, Mode: &llb.ChmodOpt{Mode: 0o644}})
		what += ", CA certificates"
	}
	stages := []stage{{llb.Scratch().File(fa, llb.WithCustomName("stage runtime files: "+what)), "runtime files: " + what}}
	if t.Image.Tzdata {
		fa := llb.Mkdir(path.Dir(ZoneinfoZip), 0o755, llb.WithParents(true))
		if in.Frontend != nil {
			fa = fa.Copy(repackedZoneinfo(in), "/zoneinfo.zip", ZoneinfoZip, &llb.CopyInfo{Mode: &llb.ChmodOpt{Mode: 0o644}})
		} else {
			fa = fa.Copy(in.Toolchain, path.Join(in.GOROOT, "lib/time/zoneinfo.zip"), ZoneinfoZip,
				&llb.CopyInfo{FollowSymlinks: true, Mode: &llb.ChmodOpt{Mode: 0o644}})
		}
		stages = append(stages, stage{llb.Scratch().File(fa, llb.WithCustomName("stage time zones")), "time zones: " + ZoneinfoZip})
	}
	return stages
}

// tmpDir is the source of /tmp, mode 1777. Mkdir masks modes to 0777, and
// the BuildKit of Docker Engine 20.10 (the docker driver's) drops the
// sticky bit of a copy's mode too, leaving /tmp writable and deletable by
// anyone: with the frontend's image, a step of its step program makes the
// directory, which any BuildKit copies with its mode. Without it, a copy
// sets the mode, which current BuildKits keep.
func tmpDir(in *Options, skel llb.State) llb.State {
	if in.Frontend == nil {
		return skel
	}
	run := in.Frontend.Run(
		llb.Args(append([]string{gostep.Program}, gostep.Argv(&gostep.Tmp{Dir: "/out/d"})...)),
		llb.Network(llb.NetModeNone),
		llb.WithCustomName("skeleton: /tmp, mode 1777"),
	)
	return run.AddMount("/out", llb.Scratch())
}

// tmpCopyInfo copies tmpDir: with its own mode when the step made it.
func tmpCopyInfo(in *Options) *llb.CopyInfo {
	if in.Frontend == nil {
		return &llb.CopyInfo{Mode: &llb.ChmodOpt{Mode: 0o1777}}
	}
	return &llb.CopyInfo{}
}

// pinnedCopy copies the whole of stage onto a state with every timestamp
// set to the epoch. A copy sets a directory's time after filling it, so
// directories that already exist below (and whose mtime the new entries
// would otherwise bump to the wall clock) are pinned too.
func pinnedCopy(in *Options, stage llb.State) *llb.FileAction {
	return llb.Copy(stage, "/", "/", &llb.CopyInfo{CopyDirContentsOnly: true, CreatedTime: &in.Epoch})
}

// runtime assembles the image for platform p: the base (nil: scratch),
// then the stages of imageStages, each a layer.
func runtime(in *Options, base *Base, stages []stage) llb.State {
	st := llb.Scratch()
	if base != nil {
		st = base.State
	}
	return applyStages(in, st, stages)
}

// imageStages are the layers the frontend adds to the base, each a stage:
// the runtime files, the time zones, and the binaries in /usr/local/bin
// with image.files.
func imageStages(in *Options, t *spec.Target, p ocispecs.Platform, bins []*Built) ([]stage, error) {
	fa := llb.Mkdir(BinDir, 0o755, llb.WithParents(true))
	var names []string
	for _, b := range bins {
		fa = fa.Copy(b.Binary, "/"+b.Name, path.Join(BinDir, b.Name), &llb.CopyInfo{Mode: &llb.ChmodOpt{Mode: 0o755}})
		names = append(names, path.Join(BinDir, b.Name))
	}
	name := "[" + PlatformString(p) + "] " + strings.Join(names, ", ")
	if hasProbe(t) {
		elf, err := probeELF(t, p)
		if err != nil {
			return nil, err
		}
		fa = fa.Mkfile(ProbePath, 0o755, elf)
		name += ", " + ProbePath
	}
	var srcs []spec.Range
	for i, fc := range t.Image.Files {
		fa = fa.Mkdir(path.Dir(fc.Dst), 0o755, llb.WithParents(true)).
			Copy(in.Context, path.Join("/", fc.Src), fc.Dst, fileCopyInfo(fc, userGID(t.Image.User)))
		name += ", " + fc.Dst
		srcs = append(srcs, t.Where(&t.Image.Files[i].Src))
	}
	opts := []llb.ConstraintsOpt{llb.WithCustomName("stage " + name)}
	if len(srcs) > 0 && in.Locate != nil {
		// A source missing from the build context fails this step.
		opts = append(opts, in.Locate(srcs...))
	}
	return append(runtimeStages(in, t), stage{llb.Scratch().File(fa, opts...), name}), nil
}

// fileCopyInfo copies an image.files entry as Docker's COPY does (a
// directory's contents into dst), with the mode given or the source's. The
// owner is root, so the program cannot change its own files; the group is
// the image user's, so a mode such as 0640 lets the program read them.
func fileCopyInfo(fc spec.FileCopy, gid int) *llb.CopyInfo {
	ci := &llb.CopyInfo{CopyDirContentsOnly: true, FollowSymlinks: true,
		ChownOpt: &llb.ChownOpt{User: &llb.UserOpt{UID: 0}, Group: &llb.UserOpt{UID: gid}}}
	if fc.Mode != 0 {
		ci.Mode = &llb.ChmodOpt{Mode: os.FileMode(fc.Mode)}
	}
	return ci
}

// imageConfig is the image config of t for platform p on base (nil:
// scratch), with the base's labels; Result.Config adds the others.
func imageConfig(in *Options, base *Base, t *spec.Target, p ocispecs.Platform, bins []*Built) *Image {
	binary := bins[0].Name
	img := &Image{}
	if base != nil && base.Config != nil {
		img.Config = base.Config.Config
		img.History = slices.Clone(base.Config.History)
		img.Config.Labels = maps.Clone(img.Config.Labels)
		img.Config.Env = slices.Clone(img.Config.Env)
	}
	epoch := in.Epoch
	img.Created = &epoch
	img.Platform = p
	img.RootFS.Type = "layers"
	c := &img.Config
	env := envList{list: c.Env}
	if !env.has("PATH") {
		env.set("PATH", BinDir+":/usr/bin:/bin")
	}
	if t.Image.Certs || len(t.Image.CA) > 0 {
		env.set("SSL_CERT_FILE", CertFile)
	}
	if t.Image.Tzdata {
		env.set("ZONEINFO", ZoneinfoZip)
	}
	for _, k := range sortedKeys(t.Image.Env) {
		env.set(k, t.Image.Env[k])
	}
	c.Env = env.list
	c.User = userSpec(t.Image.User)
	c.WorkingDir = t.Image.Workdir
	c.Entrypoint = []string{path.Join(BinDir, binary)}
	if len(t.Image.Entrypoint) > 0 {
		c.Entrypoint = slices.Clone(t.Image.Entrypoint)
	}
	c.Cmd = slices.Clone(t.Image.Cmd)
	if len(t.Image.Expose) > 0 {
		c.ExposedPorts = map[string]struct{}{}
		for _, port := range t.Image.Expose {
			if !strings.Contains(port, "/") {
				port += "/tcp"
			}
			c.ExposedPorts[port] = struct{}{}
		}
	}
	c.StopSignal = t.Image.Stopsignal
	c.Healthcheck = healthcheck(t)
	img.History = append(img.History, ocispecs.History{Created: &epoch, CreatedBy: "slimfile: runtime files", Comment: "slimfile"})
	if t.Image.Tzdata {
		img.History = append(img.History, ocispecs.History{Created: &epoch, CreatedBy: "slimfile: time zones", Comment: "slimfile"})
	}
	var built []string
	for _, b := range bins {
		built = append(built, b.Package+" -> "+path.Join(BinDir, b.Name))
	}
	img.History = append(img.History,
		ocispecs.History{Created: &epoch, CreatedBy: "slimfile: go build " + strings.Join(built, ", "), Comment: "slimfile"})
	return img
}

// userGID is the group id the image runs with.
// A bare uid runs with the group of the same number.
func userGID(u string) int {
	uid, gid, ok := strings.Cut(userSpec(u), ":")
	if !ok {
		gid = uid
	}
	n, _ := strconv.Atoi(gid)
	return n
}

func userSpec(u string) string {
	switch u {
	case "", "nonroot":
		return "65532:65532"
	case "root":
		return "0:0"
	}
	return u
}

// envList edits a KEY=VALUE list in place, keeping its order.
type envList struct{ list []string }

func (e *envList) has(k string) bool {
	return slices.ContainsFunc(e.list, func(kv string) bool { return strings.HasPrefix(kv, k+"=") })
}

func (e *envList) set(k, v string) {
	for i, kv := range e.list {
		if strings.HasPrefix(kv, k+"=") {
			e.list[i] = k + "=" + v
			return
		}
	}
	e.list = append(e.list, k+"="+v)
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
