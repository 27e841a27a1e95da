package llb

import (
	"fmt"
	"net/url"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/slimfile/slimfile/internal/probe"
	"github.com/slimfile/slimfile/spec"
)

// ProbePath is where the image keeps the health check's probe
// (image.healthcheck http or tcp): an executable of a few hundred bytes
// that the frontend writes for the platform (internal/probe), with its
// target baked in.
const ProbePath = BinDir + "/slimfile-healthcheck"

// probeTimeout is the probe's own time limit when image.healthcheck says
// none: Docker's default timeout of a check.
const probeTimeout = 30 * time.Second

// hasProbe reports whether t's image holds the probe.
func hasProbe(t *spec.Target) bool {
	h := t.Image.Healthcheck
	return h.HTTP != "" || h.TCP != ""
}

// probeELF is the probe of t's health check for platform p.
func probeELF(t *spec.Target, p ocispecs.Platform) ([]byte, error) {
	h := t.Image.Healthcheck
	pt := probe.Target{Timeout: probeTimeout}
	if h.Timeout != "" {
		d, err := time.ParseDuration(h.Timeout)
		if err != nil {
			return nil, &spec.ValueError{Range: t.Where(&t.Image.Healthcheck.Timeout), Err: err}
		}
		pt.Timeout = d
	}
	var err error
	at := t.Where(&t.Image.Healthcheck.TCP)
	if h.HTTP != "" {
		at = t.Where(&t.Image.Healthcheck.HTTP)
		u, perr := url.Parse(h.HTTP)
		if perr != nil {
			return nil, &spec.ValueError{Range: at, Err: perr}
		}
		pt.HTTP, pt.Host = u.RequestURI(), u.Host
		pt.Addr, err = spec.HealthAddr(u.Host, 80)
	} else {
		pt.Addr, err = spec.HealthAddr(h.TCP, 0)
	}
	if err != nil {
		return nil, &spec.ValueError{Range: at, Err: err}
	}
	elf, err := probe.ELF(p.Architecture, p.Variant, pt)
	if err != nil {
		return nil, &spec.ValueError{Range: at, Err: fmt.Errorf("image.healthcheck on %s: %w", PlatformString(p), err)}
	}
	return elf, nil
}

// healthcheck is the image config's health check of t, nil for none.
func healthcheck(t *spec.Target) *dockerspec.HealthcheckConfig {
	h := t.Image.Healthcheck
	c := &dockerspec.HealthcheckConfig{Retries: h.Retries}
	switch {
	case hasProbe(t):
		c.Test = []string{"CMD", ProbePath}
	case len(h.Exec) > 0:
		c.Test = append([]string{"CMD"}, h.Exec...)
	default:
		return nil
	}
	// The values were checked as durations where they were written.
	c.Interval, _ = time.ParseDuration(h.Interval)
	c.Timeout, _ = time.ParseDuration(h.Timeout)
	c.StartPeriod, _ = time.ParseDuration(h.StartPeriod)
	return c
}

// ProbeSyscalls are the system calls of the probe of t on arch, which
// its image's seccomp profile allows; none without a probe.
func ProbeSyscalls(t *spec.Target, arch string) []string {
	if !hasProbe(t) {
		return nil
	}
	return probe.Syscalls(arch)
}

// healthPrograms are the programs t's health check runs besides the
// binary at exe, which the AppArmor profile must let run.
func healthPrograms(t *spec.Target, exe string) []string {
	h := t.Image.Healthcheck
	switch {
	case hasProbe(t):
		return []string{ProbePath}
	case len(h.Exec) > 0 && h.Exec[0] != exe:
		return []string{h.Exec[0]}
	}
	return nil
}
