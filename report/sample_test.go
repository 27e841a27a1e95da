package report

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// evilName is a file name that, pasted into the page as markup, would end
// the embedded JSON and run a script. Every sample holds it.
const evilName = "</script><img src=x onerror=alert(1)>"

// richSample is a report as the frontend would give for a real service on
// linux/arm64: three layers, a binary of six modules with their packages
// and functions, a seccomp summary and vulnerability findings, and a file
// named evilName.
func richSample() *Report {
	runtime := Layer{
		Digest: "sha256:4f1c0d3b8e2a9f7c6b5a4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a",
		What:   "runtime files: users, /tmp, CA certificates",
		Files: []File{
			dir("/etc"), file("/etc/group", 84, "0644"), file("/etc/passwd", 138, "0644"),
			dir("/etc/ssl"), dir("/etc/ssl/certs"), file("/etc/ssl/certs/ca-certificates.crt", 219342, "0644"),
			file("/etc/"+evilName, 12, "0644"),
			dir("/home"), dir("/home/nonroot"), dir("/tmp"),
		},
		Compressed: 112418,
	}
	zoneinfo := Layer{
		Digest: "sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b",
		What:   "time zones: Go's zoneinfo.zip, repacked",
		Files: []File{
			dir("/usr"), dir("/usr/local"), dir("/usr/local/go"), dir("/usr/local/go/lib"), dir("/usr/local/go/lib/time"),
			file("/usr/local/go/lib/time/zoneinfo.zip", 401728, "0444"),
		},
		Compressed: 378140,
	}
	bin := file("/usr/local/bin/server", 7340032, "0755")
	bin.Binary = 0
	program := Layer{
		Digest:     "sha256:1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f",
		What:       "the program: /usr/local/bin/server",
		Files:      []File{dir("/usr/local/bin"), bin},
		Compressed: 2941867,
	}
	r := &Report{
		Schema:   SchemaID,
		Target:   "server",
		Platform: "linux/arm64",
		Binaries: []Binary{sampleBinary()},
		Seccomp:  sampleSeccomp(),
		Modules: []Module{
			{"github.com/example/server", "(devel)", ""},
			{"github.com/beorn7/perks", "v1.0.1", "h1:VlbKKnNfV8bJzeqoa4cOKqO6bYr3WgKZxO8Z16+hsOM="},
			{"github.com/cespare/xxhash/v2", "v2.3.0", "h1:UL815xU9SqsFlibzuggzjXhog7bL6oX9BbNZnL2UFvs="},
			{"github.com/munnerz/goautoneg", "v0.0.0-20191010083416-a7dc8b61c822", "h1:C3w9PqII01/Oq1c1nUAm88MOHcQC9l5mIlSMApZMrHA="},
			{"github.com/prometheus/client_golang", "v1.21.1", "h1:DOvXXTqVzvkIewV/CDPFdejpMCGeMcbGCQ8YOmu+Ibk="},
			{"github.com/prometheus/client_model", "v0.6.1", "h1:ZKSh/rekM+n3CeS952MLRAdFwIKqeY8b62p8ais2e9E="},
			{"github.com/prometheus/common", "v0.62.0", "h1:xasJaQlnWAeyHdUBeGjXmutelfJHWMRr+Fg4QszZ2Io="},
			{"github.com/prometheus/procfs", "v0.15.1", "h1:YagwOFzUgYfKKHX6Dr+sHT7km/hxC76UB0learggepc="},
			{"golang.org/x/net", "v0.38.0", "h1:vRMAPTMaeGqVhG5QyLJHqNDwecKTomGeqbnfZyKlBI8="},
			{"golang.org/x/sys", "v0.31.0", "h1:ioabZlmFYtWhL+TRYpcnNlLwhyxaM9kWTDEmfnprqik="},
			{"google.golang.org/protobuf", "v1.36.5", "h1:tPhr+woSbjfYvY6/GPufUoYizxw1cF/yFoxJ2fmpwlM="},
		},
		Vulns: &Vulns{
			DB:       "https://vuln.go.dev",
			Modified: "2026-10-30T18:04:11Z",
			Findings: []Finding{
				{ID: "GO-2026-3451", Module: "golang.org/x/net", Version: "v0.38.0", Fixed: "v0.39.0", Status: "called", Symbol: "html.Parse",
					Trace: []string{"main.main", "github.com/example/server/internal/api.(*Server).Render", "github.com/example/server/internal/render.Page", "golang.org/x/net/html.Parse"}},
				{ID: "GO-2026-3502", Module: "stdlib", Version: "go1.26.8", Fixed: "go1.26.9", Status: "imported", Symbol: "crypto/x509.(*Certificate).Verify"},
				{ID: "GO-2025-3288", Module: "google.golang.org/protobuf", Version: "v1.36.5", Fixed: "v1.36.6", Status: "ignored", Symbol: "protojson.Unmarshal",
					Reason: "we never unmarshal untrusted JSON"},
			},
		},
	}
	for _, l := range []Layer{runtime, zoneinfo, program} {
		l.Size = tarSize(l.Files)
		EstimateCompressed(&l)
		r.Image.Layers = append(r.Image.Layers, l)
		r.Image.Compressed += l.Compressed
		r.Image.Size += l.Size
	}
	r.Floor = Floor{Binary: 2938112, Certs: 109877, Zoneinfo: 377408, Image: r.Image.Compressed}
	r.Floor.Total = r.Floor.Binary + r.Floor.Certs + r.Floor.Zoneinfo
	return r
}

func file(path string, size int64, mode string) File {
	return File{Path: path, Size: size, Mode: mode, Binary: -1}
}

func dir(path string) File { return File{Path: path, Mode: "dir", Binary: -1} }

// tarSize is the bytes of a tar of files: a header and the content padded
// to 512 bytes each, and two blocks of zeros at the end.
func tarSize(files []File) int64 {
	n := int64(1024)
	for _, f := range files {
		n += 512 + (f.Size+511)/512*512
	}
	return n
}

func sampleBinary() Binary {
	b := Binary{
		Path:      "/usr/local/bin/server",
		Size:      7340032,
		GoVersion: "go1.26.8",
		Settings: []Setting{
			{"-buildmode", "exe"}, {"-compiler", "gc"}, {"-trimpath", "true"},
			{"-ldflags", "-s -w -buildid="}, {"CGO_ENABLED", "0"}, {"GOARCH", "arm64"}, {"GOOS", "linux"}, {"GOARM64", "v8.0"},
		},
		Parts: []Part{
			{"code", 3480000, ".text: the machine code of every function"},
			{"function table", 1882112, ".gopclntab: the runtime's table of functions, lines and stack maps"},
			{"read-only data", 1034240, ".rodata: constants, strings and static tables"},
			{"type data", 611328, "type descriptors and itabs"},
			{"data", 214016, ".data and .noptrdata: initialised variables"},
			{"ELF headers", 4096, "the ELF header, program headers and section table"},
		},
		Hardening: []Check{
			{Name: "stripped", OK: true, Found: "no .symtab, no DWARF"},
			{Name: "static", OK: true, Found: "no PT_INTERP, no dynamic section", Wanted: "no dynamic loader"},
			{Name: "non-executable stack", OK: true, Found: "PT_GNU_STACK is RW", Wanted: "not executable"},
			{Name: "no build ID", OK: true, Found: "no .note.go.buildid", Wanted: "-buildid= (reproducible)"},
			{Name: "position independent", OK: false, Found: "ET_EXEC at 0x10000", Wanted: "ET_DYN (-buildmode=pie)"},
			{Name: "no cgo", OK: true, Found: "CGO_ENABLED=0"},
		},
	}
	var parts int64
	for _, p := range b.Parts {
		parts += p.Bytes
	}
	b.Parts = append(b.Parts, Part{"unattributed", b.Size - parts, "bytes the section table gives to nothing above: padding, notes"})
	b.Modules = []ModuleSize{
		module("stdlib", "go1.26.8", 1640000, []pkgSpec{
			{"net/http", 402000, []string{"(*conn).serve", "(*Transport).dialConn", "http2(*serverConn).serve", "(*persistConn).readLoop", "(*Server).Serve", "http2(*Framer).ReadFrame", "(*Request).write", "readRequest", "(*response).WriteHeader", "(*ServeMux).ServeHTTP"}},
			{"crypto/tls", 236000, []string{"(*Conn).serverHandshake", "(*clientHandshakeStateTLS13).handshake", "(*Conn).readRecordOrCCS", "(*Config).Clone"}},
			{"net", 188000, []string{"(*Resolver).goLookupIPCNAMEOrder", "(*sysDialer).dialSerial", "(*netFD).accept", "parseIPv6"}},
			{"reflect", 131000, []string{"Value.Call", "(*rtype).Method", "StructOf", "FuncOf"}},
			{"crypto/x509", 112000, []string{"(*Certificate).Verify", "parseCertificate", "(*CertPool).AppendCertsFromPEM"}},
			{"encoding/json", 96000, []string{"(*decodeState).object", "(*encodeState).reflectValue", "typeFields", "Unmarshal"}},
			{"time", 77000, []string{"LoadLocation", "Time.Format", "parse"}},
			{"syscall", 62000, []string{"Syscall6", "forkExec", "SetsockoptInt"}},
			{"fmt", 48000, []string{"(*pp).printValue", "(*pp).doPrintf", "Sprintf"}},
			{"strconv", 41000, []string{"FormatFloat", "ParseFloat", "Quote"}},
			{"math/big", 39000, nil},
			{"sync", 21000, nil},
		}),
		module("runtime", "go1.26.8", 702000, []pkgSpec{
			{"runtime", 612000, []string{"mallocgc", "gcDrain", "schedule", "findRunnable", "newproc1", "scanobject", "(*mheap).allocSpan", "sweepone", "gopanic", "morestack"}},
			{"internal/runtime/maps", 41000, []string{"(*Map).putSlot", "(*table).grow"}},
			{"internal/runtime/atomic", 9000, nil},
		}),
		module("google.golang.org/protobuf", "v1.36.5", 412000, []pkgSpec{
			{"google.golang.org/protobuf/internal/impl", 171000, []string{"(*MessageInfo).unmarshalPointer", "(*MessageInfo).marshalAppendPointer", "fieldInfoForScalar"}},
			{"google.golang.org/protobuf/reflect/protoregistry", 52000, nil},
			{"google.golang.org/protobuf/encoding/protojson", 48000, []string{"decoder.unmarshalMessage", "encoder.marshalMessage"}},
			{"google.golang.org/protobuf/internal/filedesc", 66000, nil},
			{"google.golang.org/protobuf/proto", 31000, nil},
		}),
		module("github.com/prometheus/client_golang", "v1.21.1", 268000, []pkgSpec{
			{"github.com/prometheus/client_golang/prometheus", 188000, []string{"(*Registry).Gather", "(*histogram).Write", "NewDesc", "processMetric"}},
			{"github.com/prometheus/client_golang/prometheus/promhttp", 44000, []string{"HandlerForTransactional", "InstrumentHandlerDuration"}},
			{"github.com/prometheus/client_golang/prometheus/internal", 19000, nil},
		}),
		module("golang.org/x/net", "v0.38.0", 196000, []pkgSpec{
			{"golang.org/x/net/html", 121000, []string{"Parse", "(*parser).parse", "(*Tokenizer).Next", "inBodyIM"}},
			{"golang.org/x/net/http2", 52000, []string{"(*Framer).ReadFrame"}},
			{"golang.org/x/net/idna", 18000, nil},
		}),
		module("github.com/example/server", "(devel)", 121000, []pkgSpec{
			{"github.com/example/server/internal/api", 64000, []string{"(*Server).Render", "(*Server).handleOrders", "(*Server).routes", "decodeOrder"}},
			{"github.com/example/server/internal/render", 31000, []string{"Page", "table"}},
			{"github.com/example/server/cmd/server", 9000, []string{"main", "run"}},
			{"github.com/example/server/internal/" + evilName, 3000, []string{evilName}},
		}),
	}
	return b
}

type pkgSpec struct {
	path  string
	bytes int64
	funcs []string // the largest first; more are made up to 20
}

// module is a ModuleSize whose packages take most of its bytes and whose
// functions (twenty for a package with names, falling off geometrically)
// most of theirs, as in a real binary, so that every "other" shows.
func module(path, version string, bytes int64, pkgs []pkgSpec) ModuleSize {
	m := ModuleSize{Path: path, Version: version, Bytes: bytes}
	for _, p := range pkgs {
		ps := PackageSize{Path: p.path, Bytes: p.bytes}
		if len(p.funcs) > 0 {
			size := float64(p.bytes) * 0.14
			for i := 0; i < 20; i++ {
				name := fmt.Sprintf("func%d", i+1)
				if i < len(p.funcs) {
					name = p.funcs[i]
				}
				ps.Functions = append(ps.Functions, FuncSize{Name: p.path + "." + name, Bytes: int64(size)})
				size *= 0.84
			}
		}
		m.Packages = append(m.Packages, ps)
	}
	return m
}

func sampleSeccomp() *Seccomp {
	calls := []string{
		"accept4", "bind", "brk", "clock_gettime", "clone", "close", "connect", "epoll_create1", "epoll_ctl", "epoll_pwait",
		"eventfd2", "exit", "exit_group", "fcntl", "fstat", "futex", "getdents64", "getpeername", "getpid", "getrandom",
		"getrlimit", "getsockname", "getsockopt", "gettid", "listen", "madvise", "mmap", "mprotect", "munmap", "nanosleep",
		"newfstatat", "openat", "pipe2", "pread64", "prlimit64", "read", "readlinkat", "recvfrom", "recvmsg", "rt_sigaction",
		"rt_sigprocmask", "rt_sigreturn", "sched_getaffinity", "sched_yield", "sendmsg", "sendto", "setitimer", "setsockopt",
		"shutdown", "sigaltstack", "socket", "tgkill", "uname", "write", "writev",
	}
	start := []string{"capget", "capset", "chdir", "execve", "fchown", "getppid", "prctl", "setgid", "setgroups", "setuid"}
	return &Seccomp{
		Profile:       "default",
		BinaryCalls:   calls,
		Allowed:       append(append([]string{}, calls...), start...),
		GoList:        178,
		DockerDefault: 372,
	}
}

// artifacts is where a test keeps what a person should look at:
// $SLIMFILE_ARTIFACTS when set, else a temporary directory.
func artifacts(t *testing.T) string {
	dir := os.Getenv("SLIMFILE_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeSample renders r into dir as the T.report output does, and gives
// the three files' paths.
func writeSample(t *testing.T, r *Report, dir string) (jsonPath, svgPath, htmlPath string) {
	t.Helper()
	for name, render := range map[string]func(*Report) ([]byte, error){"report.json": JSON, "report.svg": SVG, "report.html": HTML} {
		b, err := render(r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "report.json"), filepath.Join(dir, "report.svg"), filepath.Join(dir, "report.html")
}
