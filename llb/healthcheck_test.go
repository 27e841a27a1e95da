package llb_test

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/slimfile/slimfile/internal/gostep"
	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/spec"
)

// probeFile is the probe the graph writes into the image, nil for none.
func probeFile(t *testing.T, g *graph) []byte {
	t.Helper()
	for _, op := range g.ops {
		if f := op.GetFile(); f != nil {
			for _, a := range f.Actions {
				if mk := a.GetMkfile(); mk != nil && mk.Path == sllb.ProbePath {
					if mk.Mode != 0o755 {
						t.Errorf("the probe's mode is %o", mk.Mode)
					}
					return mk.Data
				}
			}
		}
	}
	return nil
}

// image.healthcheck http and tcp: the config runs the probe, which the
// image holds, built for the platform; the image's seccomp profile allows
// its calls and its AppArmor profile lets it run.
func TestHealthcheckProbe(t *testing.T) {
	for _, c := range []struct {
		check    string
		platform ocispecs.Platform
		machine  elf.Machine
	}{
		{"{http: 'http://127.0.0.1:8080/healthz', interval: 30s, timeout: 5s, start_period: 10s, retries: 4}", buildPlatform, elf.EM_X86_64},
		{"{tcp: 'localhost:9000', interval: 30s, timeout: 5s, start_period: 10s, retries: 4}", linuxArm64, elf.EM_AARCH64},
		{"{http: 'http://[::1]:8080/', interval: 30s, timeout: 5s, start_period: 10s, retries: 4}", linuxArmV7, elf.EM_ARM},
	} {
		t.Run(c.check, func(t *testing.T) {
			f, tg := parse(t, "slimfile: 1", "security: {seccomp: go}", "image:", "  healthcheck: "+c.check)
			r := result(t, inputs(true), f, tg, c.platform)
			img := config(t, r)
			h := img.Config.Healthcheck
			if h == nil || strings.Join(h.Test, " ") != "CMD "+sllb.ProbePath {
				t.Fatalf("Healthcheck %+v", h)
			}
			if h.Interval != 30*time.Second || h.Timeout != 5*time.Second || h.StartPeriod != 10*time.Second || h.Retries != 4 {
				t.Errorf("Healthcheck %+v", h)
			}
			probe := probeFile(t, marshal(t, r.Image, c.platform))
			if probe == nil {
				t.Fatal("no probe in the image")
			}
			ef, err := elf.NewFile(bytes.NewReader(probe))
			if err != nil || ef.Machine != c.machine || ef.Type != elf.ET_EXEC {
				t.Fatalf("the probe is not an executable for %v: %v", c.machine, err)
			}
			set, err := r.Confinement(nil)
			if err != nil {
				t.Fatal(err)
			}
			var profile struct {
				Syscalls []struct{ Names []string }
			}
			if err := json.Unmarshal(set.Seccomp, &profile); err != nil {
				t.Fatal(err)
			}
			allowed := map[string]bool{}
			for _, s := range profile.Syscalls {
				for _, n := range s.Names {
					allowed[n] = true
				}
			}
			for _, call := range sllb.ProbeSyscalls(tg, c.platform.Architecture) {
				if !allowed[call] {
					t.Errorf("the profile does not name the probe's %s", call)
				}
			}
			if !strings.Contains(string(set.AppArmor), sllb.ProbePath) {
				t.Errorf("the AppArmor profile does not let the probe run:\n%s", set.AppArmor)
			}
		})
	}
}

// image.healthcheck exec: the config runs the command, and the image gets
// nothing more; without a health check, the config has none.
func TestHealthcheckExec(t *testing.T) {
	f, tg := parse(t, "slimfile: 1", "image:", "  healthcheck: {exec: [/usr/local/bin/svc, health], timeout: 2s}")
	r := result(t, inputs(true), f, tg, buildPlatform)
	h := config(t, r).Config.Healthcheck
	if h == nil || strings.Join(h.Test, " ") != "CMD /usr/local/bin/svc health" || h.Timeout != 2*time.Second || h.Interval != 0 {
		t.Fatalf("Healthcheck %+v", h)
	}
	if probeFile(t, marshal(t, r.Image, buildPlatform)) != nil {
		t.Error("the exec form added the probe")
	}
	f, tg = parse(t, "slimfile: 1")
	if h := config(t, result(t, inputs(true), f, tg, buildPlatform)).Config.Healthcheck; h != nil {
		t.Errorf("no image.healthcheck, but Healthcheck %+v", h)
	}
}

// A platform the probe has no code for fails at the check's line, naming
// the platform.
func TestHealthcheckProbeUnknownArch(t *testing.T) {
	f, tg := parse(t, "slimfile: 1", "image:", "  healthcheck: {tcp: '127.0.0.1:9000'}")
	in := inputs(true)
	in.ModuleDir = f.Module
	_, err := sllb.Build(in, tg, ocispecs.Platform{OS: "linux", Architecture: "mips64le"})
	var ve *spec.ValueError
	if !errors.As(err, &ve) || ve.Range.Line != 3 || !strings.Contains(err.Error(), "linux/mips64le") {
		t.Fatalf("err %v, want a ValueError at line 3 naming linux/mips64le", err)
	}
}

// image.ca: with the toolchain's certificates, the step program appends
// the files' certificates to the toolchain's bundle; with certs: false
// they are the bundle; without the frontend's image, the first is an
// error at image.ca's line.
func TestImageCA(t *testing.T) {
	pem := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----")
	fe := llb.Image("registry.example/slimfile@sha256:"+strings.Repeat("f", 64), llb.Platform(buildPlatform))

	f, tg := parse(t, "slimfile: 1", "image:", "  ca: [certs/internal.pem]")
	in := inputs(true)
	in.Frontend = &fe
	in.CAFiles = map[string][]byte{"certs/internal.pem": pem}
	r := result(t, in, f, tg, buildPlatform)
	g := marshal(t, r.Image, buildPlatform)
	op, c := certsStep(t, g)
	if c.Bundle != "/toolchain/etc/ssl/certs/ca-certificates.crt" || c.Add != "/extra/extra.pem" || c.Out != "/out/ca-certificates.crt" {
		t.Errorf("certs step %+v", c)
	}
	if op.GetExec().Network != pb.NetMode_NONE {
		t.Error("the certs step has a network")
	}
	if extra := mkfileData(g, "/extra.pem"); string(extra) != string(pem)+"\n" {
		t.Errorf("the certificates appended: %q", extra)
	}
	if v, _ := envValue(config(t, r).Config.Env, "SSL_CERT_FILE"); v != sllb.CertFile {
		t.Errorf("SSL_CERT_FILE %q", v)
	}

	f, tg = parse(t, "slimfile: 1", "image:", "  certs: false", "  ca: [certs/internal.pem]")
	in = inputs(true)
	in.CAFiles = map[string][]byte{"certs/internal.pem": pem}
	r = result(t, in, f, tg, buildPlatform)
	g = marshal(t, r.Image, buildPlatform)
	if len(g.execs(gostep.Program, (&gostep.Certs{}).Name())) != 0 {
		t.Error("certs: false ran the certs step")
	}
	if extra := mkfileData(g, "/extra.pem"); string(extra) != string(pem)+"\n" {
		t.Errorf("the bundle: %q", extra)
	}
	if v, _ := envValue(config(t, r).Config.Env, "SSL_CERT_FILE"); v != sllb.CertFile {
		t.Errorf("certs: false with image.ca: SSL_CERT_FILE %q", v)
	}

	f, tg = parse(t, "slimfile: 1", "image:", "  ca: [certs/internal.pem]")
	in = inputs(true)
	in.CAFiles = map[string][]byte{"certs/internal.pem": pem}
	in.ModuleDir = f.Module
	_, err := sllb.Build(in, tg, buildPlatform)
	var ve *spec.ValueError
	if !errors.As(err, &ve) || ve.Range.Line != 3 || !strings.Contains(err.Error(), "certs: false") {
		t.Fatalf("without the frontend's image: %v, want an error at line 3 that offers certs: false", err)
	}
}

// certsStep is the one exec op running the step program's certs command
// in the frontend's image, and that command.
func certsStep(t *testing.T, g *graph) (*pb.Op, *gostep.Certs) {
	t.Helper()
	ops := g.execs(gostep.Program, (&gostep.Certs{}).Name())
	if len(ops) != 1 {
		t.Fatalf("found %d certs steps, want 1", len(ops))
	}
	for _, op := range ops {
		c, err := gostep.Parse(op.GetExec().Meta.Args[1:])
		if err != nil {
			t.Fatal(err)
		}
		return op, c.(*gostep.Certs)
	}
	panic("unreachable")
}

// mkfileData is the content of the file the graph makes at path.
func mkfileData(g *graph, path string) []byte {
	for _, op := range g.ops {
		if f := op.GetFile(); f != nil {
			for _, a := range f.Actions {
				if mk := a.GetMkfile(); mk != nil && mk.Path == path {
					return mk.Data
				}
			}
		}
	}
	return nil
}
