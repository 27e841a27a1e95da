package spec

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slimfile/slimfile/internal/suggest"
)

// PlatformArgs are always defined, per platform being built.
var PlatformArgs = []string{"TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT"}

// refRe matches ${NAME}; $$ is a literal $.
var refRe = regexp.MustCompile(`\$\$|\$\{([^}]*)\}?`)

// checkArgRefs reports every ${NAME} that names no declared arg.
func (p *parser) checkArgRefs(root *yaml.Node, declared []Arg) {
	known := map[string]bool{}
	for _, a := range declared {
		known[a.Name] = true
	}
	for _, n := range PlatformArgs {
		known[n] = true
	}
	var walk func(n *yaml.Node, skip bool)
	walk = func(n *yaml.Node, skip bool) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], skip || (n == root && n.Content[i].Value == "args"))
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, skip)
			}
		case yaml.ScalarNode:
			if skip {
				if strings.Contains(n.Value, "${") {
					p.errorf(n, "arg defaults cannot refer to other args")
				}
				return
			}
			for _, m := range refRe.FindAllStringSubmatch(n.Value, -1) {
				if m[0] == "$$" {
					continue
				}
				name := m[1]
				switch {
				case !strings.HasSuffix(m[0], "}"):
					p.errorf(n, "unterminated ${ in %q", n.Value)
				case !argNameRe.MatchString(name):
					p.errorf(n, "${%s} is not a valid reference; write ${NAME}", name)
				case !known[name]:
					p.errorf(n, "${%s} refers to an arg that is not declared; declare it under args:%s", name, suggestArg(name, known))
				}
			}
		}
	}
	walk(root, false)
}

func suggestArg(name string, known map[string]bool) string {
	if s := suggest.Nearest(name, slices.Sorted(maps.Keys(known))); s != "" {
		return fmt.Sprintf(" (or did you mean ${%s}?)", s)
	}
	return ""
}

// Expand replaces ${NAME} in s by vars[NAME] and $$ by $.
func Expand(s string, vars map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	return refRe.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		return vars[strings.TrimSuffix(strings.TrimPrefix(m, "${"), "}")]
	})
}

// Resolved returns a copy of f whose top-level values (go, toolchain,
// module) are expanded with vars and checked again.
func (f *File) Resolved(vars map[string]string) (*File, error) {
	r := *f
	r.Go, r.Toolchain = Expand(f.Go, vars), Expand(f.Toolchain, vars)
	if m := Expand(f.Module, vars); m != f.Module {
		r.Module = path.Clean(m)
	}
	var errs Errors
	for _, c := range []struct {
		key, raw, val string
		fn            func(string) error
	}{
		{"go", f.Go, r.Go, checkGoVersion},
		{"toolchain", f.Toolchain, r.Toolchain, checkToolchain},
		{"module", f.Module, r.Module, checkRelPath},
	} {
		if !strings.Contains(c.raw, "${") {
			continue
		}
		if err := c.fn(c.val); err != nil {
			pos, _ := f.Pos(nil, c.key)
			errs = append(errs, &Error{Range: pos, Msg: fmt.Sprintf("%s (after expanding args): %v", c.key, err)})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &r, nil
}

// Expanded returns a copy of t with every string expanded with vars, and
// checks again the values that held references.
func (f *File) Expanded(t *Target, vars map[string]string) (*Target, error) {
	x := func(s string) string { return Expand(s, vars) }
	xl := func(l []string) []string {
		out := make([]string, len(l))
		for i, s := range l {
			out[i] = x(s)
		}
		return out
	}
	xm := func(m map[string]string) map[string]string {
		if m == nil {
			return nil
		}
		out := make(map[string]string, len(m))
		for k, v := range m {
			out[k] = x(v)
		}
		return out
	}
	e := *t
	e.Main = cleanMain(x(t.Main))
	e.Binary = x(t.Binary)
	e.Platforms = xl(t.Platforms)
	b := t.Build
	e.Build = Build{CGO: b.CGO, Tags: xl(b.Tags), Ldflags: xl(b.Ldflags), Gcflags: xl(b.Gcflags), Env: xm(b.Env),
		Strip: b.Strip, Trimpath: b.Trimpath, Compress: x(b.Compress), Private: xl(b.Private), Goproxy: x(b.Goproxy)}
	im := t.Image
	e.Image = Image{Base: x(im.Base), User: x(im.User), Certs: im.Certs, Tzdata: im.Tzdata, Env: xm(im.Env),
		Expose: xl(im.Expose), Workdir: x(im.Workdir), Entrypoint: xl(im.Entrypoint), Cmd: xl(im.Cmd),
		Labels: xm(im.Labels), Annotations: xm(im.Annotations), Stopsignal: x(im.Stopsignal)}
	for _, fc := range im.Files {
		e.Image.Files = append(e.Image.Files, FileCopy{Src: x(fc.Src), Dst: x(fc.Dst), Mode: fc.Mode})
	}
	e.Security = Security{Seccomp: x(t.Security.Seccomp), Apparmor: x(t.Security.Apparmor)}

	var errs Errors
	check := func(key, raw, val string, fn func(string) error) {
		if !strings.Contains(raw, "${") {
			return
		}
		if err := fn(val); err != nil {
			r, _ := f.Pos(t, key)
			errs = append(errs, &Error{Range: r, Msg: fmt.Sprintf("%s (after expanding args): %v", key, err)})
		}
	}
	check("main", t.Main, e.Main, checkMain)
	check("binary", t.Binary, e.Binary, checkBinary)
	for i := range t.Platforms {
		check(fmt.Sprintf("platforms[%d]", i), t.Platforms[i], e.Platforms[i], checkPlatform)
	}
	check("build.compress", t.Build.Compress, e.Build.Compress, buildFields["compress"].check)
	check("image.stopsignal", t.Image.Stopsignal, e.Image.Stopsignal, checkSignal)
	check("security.seccomp", t.Security.Seccomp, e.Security.Seccomp, securityFields["seccomp"].check)
	check("security.apparmor", t.Security.Apparmor, e.Security.Apparmor, securityFields["apparmor"].check)
	for i := range t.Image.Files {
		check(fmt.Sprintf("image.files[%d].src", i), t.Image.Files[i].Src, e.Image.Files[i].Src, checkRelPath)
		check(fmt.Sprintf("image.files[%d].dst", i), t.Image.Files[i].Dst, e.Image.Files[i].Dst, checkAbsPath)
	}
	check("image.base", t.Image.Base, e.Image.Base, checkBase)
	check("image.user", t.Image.User, e.Image.User, checkUser)
	check("image.workdir", t.Image.Workdir, e.Image.Workdir, checkAbsPath)
	for i := range t.Image.Expose {
		check(fmt.Sprintf("image.expose[%d]", i), t.Image.Expose[i], e.Image.Expose[i], checkPort)
	}
	for _, k := range slices.Sorted(maps.Keys(t.Build.Env)) {
		check("build.env."+k, t.Build.Env[k], e.Build.Env[k], func(v string) error { return checkBuildEnv(k, v) })
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &e, nil
}
