package security

import (
	"bufio"
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slimfile/slimfile/security/derive"
)

// goSyscalls finds, from the Go sources of this machine's toolchain, the
// system calls that the probe program (testdata/probe: an HTTP server and
// TLS client with pure-Go DNS, signals, /tmp files and a child process) can
// make on goarch. It maps each syscall name to one function that makes it.
//
// Two sources are read:
//   - the runtime's assembly, whose #define SYS_* lines are the calls the
//     runtime makes itself;
//   - every Go function of the standard library that the linker kept in
//     the probe binary (go tool nm), scanned for SYS_* constants and for
//     the *Trap constants of internal/syscall/unix.
//
// Numbers are mapped to names with golang.org/x/sys/unix's tables.
func goSyscalls(t *testing.T, goarch string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	env := append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "GOARM=7", "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	bin := filepath.Join(dir, "probe")
	// No inlining: a wrapper inlined into its caller leaves no symbol.
	run(t, "testdata/probe", env, "go", "build", "-trimpath", "-gcflags=all=-l", "-o", bin, ".")
	linked := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(run(t, ".", nil, "go", "tool", "nm", bin)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 3 && (f[1] == "T" || f[1] == "t") {
			linked[f[2]] = true
		}
	}
	byConst, byNum := sysnums(t, goarch)
	found := map[string]string{}
	add := func(name, where string) {
		if _, ok := found[name]; !ok {
			found[name] = where
		}
	}

	var pkgs []struct {
		ImportPath, Dir string
		GoFiles, SFiles []string
		Standard        bool
	}
	dec := json.NewDecoder(bytes.NewReader(run(t, "testdata/probe", env, "go", "list", "-deps", "-json=ImportPath,Dir,GoFiles,SFiles,Standard", ".")))
	for dec.More() {
		var p struct {
			ImportPath, Dir string
			GoFiles, SFiles []string
			Standard        bool
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	asmSys := regexp.MustCompile(`\bSYS_(\w+)`)
	for _, p := range pkgs {
		if !p.Standard {
			continue
		}
		// Assembly: every SYS_ constant an assembly file of the package
		// names (the runtime's own calls, syscall's Seek on arm, ...).
		for _, name := range p.SFiles {
			b, err := os.ReadFile(filepath.Join(p.Dir, name))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range asmSys.FindAllStringSubmatch(string(b), -1) {
				if n, ok := byConst[strings.ToUpper(m[1])]; ok {
					add(byNum[n], p.ImportPath+" ("+name+")")
				}
			}
		}
		fset := token.NewFileSet()
		var files []*ast.File
		consts := map[string]string{} // name -> expression text (a number or SYS_X)
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, s := range g.Specs {
					vs := s.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							switch v := vs.Values[i].(type) {
							case *ast.BasicLit:
								consts[n.Name] = v.Value
							case *ast.Ident:
								consts[n.Name] = v.Name
							case *ast.SelectorExpr:
								consts[n.Name] = v.Sel.Name
							}
						}
					}
				}
			}
		}
		resolve := func(id string) (string, bool) {
			for range 3 {
				// Only package syscall names call numbers _SYS_*; elsewhere
				// (the runtime's _SYS_SECCOMP) they are other things.
				if v, ok := consts["_"+id]; ok && p.ImportPath == "syscall" {
					id = v
					continue
				}
				if strings.HasPrefix(id, "SYS_") {
					if n, ok := byConst[id[4:]]; ok {
						return byNum[n], true
					}
				}
				if n, err := strconv.Atoi(id); err == nil {
					name, ok := byNum[n]
					return name, ok
				}
				v, ok := consts[id]
				if !ok {
					return "", false
				}
				id = v
			}
			return "", false
		}
		for _, f := range files {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil || !linked[symbol(p.ImportPath, fd)] {
					continue
				}
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					var id string
					switch x := n.(type) {
					case *ast.Ident:
						id = x.Name
					case *ast.SelectorExpr:
						id = x.Sel.Name
					default:
						return true
					}
					// syscall spells some numbers _SYS_clone3, _SYS_fchmodat2, ...
					if p.ImportPath == "syscall" {
						id = strings.TrimPrefix(id, "_")
					}
					if strings.HasPrefix(id, "SYS_") || strings.HasSuffix(id, "Trap") {
						if name, ok := resolve(id); ok {
							add(name, symbol(p.ImportPath, fd))
						}
					}
					return true
				})
			}
		}
	}
	return found
}

// symbol is the linker's name of a function: pkg.F, pkg.T.M or pkg.(*T).M.
func symbol(pkg string, fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return pkg + "." + fd.Name.Name
	}
	typ := fd.Recv.List[0].Type
	star := false
	if s, ok := typ.(*ast.StarExpr); ok {
		star, typ = true, s.X
	}
	if ix, ok := typ.(*ast.IndexExpr); ok {
		typ = ix.X
	}
	id, _ := typ.(*ast.Ident)
	if id == nil {
		return ""
	}
	if star {
		return pkg + ".(*" + id.Name + ")." + fd.Name.Name
	}
	return pkg + "." + id.Name + "." + fd.Name.Name
}

// sysnums reads golang.org/x/sys/unix's syscall table for goarch: the
// constant suffix (EPOLL_PWAIT) to number, and number to libseccomp name
// (epoll_pwait).
func sysnums(t *testing.T, goarch string) (map[string]int, map[int]string) {
	dir := strings.TrimSpace(string(run(t, ".", nil, "go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/sys")))
	b, err := os.ReadFile(filepath.Join(dir, "unix", "zsysnum_linux_"+goarch+".go"))
	if err != nil {
		t.Fatal(err)
	}
	byConst, byNum := map[string]int{}, map[int]string{}
	for _, m := range regexp.MustCompile(`SYS_(\w+)\s*=\s*(\d+)`).FindAllStringSubmatch(string(b), -1) {
		n, _ := strconv.Atoi(m[2])
		byConst[m[1]] = n
		if _, ok := byNum[n]; !ok {
			byNum[n] = strings.ToLower(m[1])
		}
	}
	return byConst, byNum
}

func run(t *testing.T, dir string, env []string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// TestGoCoversGo reads the Go sources again and fails when the Go
// standard library or runtime can make a system call that the go profile
// neither allows, denies nor leaves out with a reason.
func TestGoCoversGo(t *testing.T) {
	reviewed := map[string]bool{}
	for _, gs := range [][]group{allowed, startGroups, denied} {
		for _, g := range gs {
			for _, n := range g.names {
				reviewed[n] = true
			}
		}
	}
	for n := range unlisted {
		reviewed[n] = true
	}
	for _, arch := range []string{"amd64", "arm64", "arm"} {
		t.Run(arch, func(t *testing.T) {
			used := goSyscalls(t, arch)
			if len(used) < 50 {
				t.Fatalf("found only %d system calls in the Go sources; the scan is broken", len(used))
			}
			for _, n := range slices.Sorted(maps.Keys(used)) {
				if !reviewed[n] {
					t.Errorf("%s: %s can call %s, which seccomp_default.go does not review", arch, used[n], n)
				}
			}
		})
	}
}

// TestDeriveCoversSources checks the binary analysis against the source
// scan: every system call the Go sources of the probe's linked functions
// name is found by derive in the probe's stripped binary (built as the
// frontend builds it, with inlining), and no call number is left
// unresolved, on each architecture. Calls named only in assembly files
// are left out: the scan reads whole files, so it also names calls of
// assembly functions the linker dropped (runtime.setitimer, sbrk0, ...).
func TestDeriveCoversSources(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64", "arm"} {
		t.Run(arch, func(t *testing.T) {
			used := goSyscalls(t, arch)
			bin := filepath.Join(t.TempDir(), "probe")
			env := append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "GOARM=7", "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
			run(t, "testdata/probe", env, "go", "build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", bin, ".")
			b, err := os.ReadFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			r, err := derive.Binary(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Unresolved) > 0 {
				t.Errorf("unresolved: %v", r.Unresolved)
			}
			// The probe makes ptrace itself (the build warns about it);
			// mount only through syscall.Mount and the child setup of
			// os/exec (it does not).
			_, d, err := DeriveSeccomp(b)
			if err != nil {
				t.Fatal(err)
			}
			unexpected := map[string]bool{}
			for _, rf := range d.Refused {
				unexpected[rf.Call] = rf.Unexpected()
			}
			if u, ok := unexpected["ptrace"]; !ok || !u {
				t.Errorf("ptrace, made by the probe's main: refused %v, unexpected %v (%+v)", ok, u, d.Refused)
			}
			if u, ok := unexpected["mount"]; !ok || u {
				t.Errorf("mount, made through syscall.Mount: refused %v, unexpected %v (%+v)", ok, u, d.Refused)
			}
			checked := 0
			for _, n := range slices.Sorted(maps.Keys(used)) {
				if strings.HasSuffix(used[n], ".s)") {
					continue
				}
				checked++
				if _, ok := r.Calls[n]; !ok {
					t.Errorf("%s: the sources of %s name %s; derive did not find it", arch, used[n], n)
				}
			}
			if checked < 30 {
				t.Errorf("only %d calls checked", checked)
			}
		})
	}
}
