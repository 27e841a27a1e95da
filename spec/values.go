package spec

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
)

var (
	goVersionRe = regexp.MustCompile(`^[1-9][0-9]*\.[0-9]+(\.[0-9]+)?((rc|beta)[0-9]+)?$`)
	envNameRe   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	argNameRe   = envNameRe
	targetRe    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	userRe      = regexp.MustCompile(`^[0-9]+(:[0-9]+)?$`)
	portRe      = regexp.MustCompile(`^([0-9]+)(/(tcp|udp))?$`)
	signalRe    = regexp.MustCompile(`^(SIG[A-Z0-9+-]+|[0-9]+)$`)
	tagRe       = regexp.MustCompile(`^[A-Za-z0-9_.]+$`)
	// vulnIDRe matches the Go vulnerability database's IDs and the aliases
	// its entries carry (CVE and GitHub advisory IDs).
	vulnIDRe = regexp.MustCompile(`^(GO-[0-9]{4}-[0-9]{4,}|CVE-[0-9]{4}-[0-9]{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3})$`)
)

func oneOf(vals ...string) func(string) error {
	return func(s string) error {
		for _, v := range vals {
			if s == v {
				return nil
			}
		}
		return fmt.Errorf("must be one of %s", strings.Join(quoteAll(vals), ", "))
	}
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strconv.Quote(v)
	}
	return out
}

func checkGoVersion(s string) error {
	if strings.HasPrefix(s, "go") && goVersionRe.MatchString(s[2:]) {
		return fmt.Errorf("write the version without the \"go\" prefix: %q", s[2:])
	}
	if !goVersionRe.MatchString(s) {
		return fmt.Errorf("%q is not a Go version such as \"1.26\" or \"1.26.3\"", s)
	}
	return nil
}

func checkImageRef(s string) error {
	if _, err := reference.ParseNormalizedNamed(s); err != nil {
		return fmt.Errorf("%q is not an image reference: %v", s, err)
	}
	return nil
}

func checkToolchain(s string) error {
	if s == "scratch" {
		return fmt.Errorf("scratch has no Go toolchain: name an image that has one (the default is golang:<go>-alpine)")
	}
	return checkImageRef(s)
}

func checkBase(s string) error {
	if s == "scratch" {
		return nil
	}
	return checkImageRef(s)
}

// checkRelPath accepts a path inside the build context.
func checkRelPath(s string) error {
	if s == "" {
		return fmt.Errorf("must not be empty")
	}
	if path.IsAbs(s) {
		return fmt.Errorf("%q must be relative to the build context", s)
	}
	if c := path.Clean(s); c == ".." || strings.HasPrefix(c, "../") {
		return fmt.Errorf("%q leaves the build context", s)
	}
	return nil
}

func checkAbsPath(s string) error {
	if !path.IsAbs(s) {
		return fmt.Errorf("%q must be an absolute path", s)
	}
	return nil
}

func checkMain(s string) error {
	if err := checkRelPath(s); err != nil {
		return err
	}
	if strings.Contains(s, "...") {
		return fmt.Errorf("%q is a package pattern; main must name one package", s)
	}
	return nil
}

func checkBinary(s string) error {
	if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/\\\x00") {
		return fmt.Errorf("%q is not a file name", s)
	}
	return nil
}

func checkPlatform(s string) error {
	p, err := platforms.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a platform such as linux/amd64 or linux/arm/v7", s)
	}
	if p.OS != "linux" {
		return fmt.Errorf("%q: v1 builds linux images only", s)
	}
	return nil
}

func checkEnvName(s string) error {
	if !envNameRe.MatchString(s) {
		return fmt.Errorf("%q is not an environment variable name", s)
	}
	return nil
}

// checkLabelKey checks a label or annotation key: not empty, and no
// space or control character (docker's --label and a registry's
// annotation readers split on them; OCI asks for reverse-DNS keys, which
// have neither).
func checkLabelKey(s string) error {
	if s == "" {
		return fmt.Errorf("a key must not be empty")
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		return fmt.Errorf("%q: a key must not hold spaces or control characters", s)
	}
	return nil
}

// checkArgDecl checks the name of an arg declared under args.
func checkArgDecl(s string) error {
	if slices.Contains(PlatformArgs, s) {
		return fmt.Errorf("%s is always defined (from the platform being built): args cannot declare it", s)
	}
	return checkArgName(s)
}

// checkBuildEnv refuses the variables of build.env that would override
// what the frontend sets.
func checkBuildEnv(name, value string) error {
	if from, ok := FrontendEnv[name]; ok {
		return fmt.Errorf("%s is set by the frontend, from %s: remove it", name, from)
	}
	if name == "GOFLAGS" {
		for f := range strings.FieldsSeq(value) {
			if f == "-toolexec" || f == "--toolexec" || strings.HasPrefix(f, "-toolexec=") || strings.HasPrefix(f, "--toolexec=") {
				return fmt.Errorf("GOFLAGS: -toolexec would run a program around every compile and link of the build: not allowed")
			}
		}
	}
	return nil
}

func checkArgName(s string) error {
	if !argNameRe.MatchString(s) {
		return fmt.Errorf("%q is not a build arg name (letters, digits and _)", s)
	}
	return nil
}

func checkUser(s string) error {
	if s == "nonroot" || s == "root" || userRe.MatchString(s) {
		return nil
	}
	return fmt.Errorf("%q must be \"nonroot\", \"root\" or uid[:gid] in numbers", s)
}

func checkPort(s string) error {
	m := portRe.FindStringSubmatch(s)
	if m == nil {
		return fmt.Errorf("%q is not a port such as 8080 or 53/udp", s)
	}
	if n, err := strconv.Atoi(m[1]); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %s is out of range 1-65535", m[1])
	}
	return nil
}

// linuxSignals are the names of Linux signals, after SIG, besides
// RTMIN+n and RTMAX-n.
var linuxSignals = strings.Fields(`ABRT ALRM BUS CHLD CLD CONT FPE HUP ILL INT IO IOT KILL PIPE POLL
	PROF PWR QUIT SEGV STKFLT STOP SYS TERM TRAP TSTP TTIN TTOU URG USR1 USR2 VTALRM WINCH XCPU XFSZ`)

// checkSignal accepts a Linux signal: SIGTERM, 15 (1 to 64), SIGRTMIN+3
// or SIGRTMAX-1 (within the 32 real-time signals). An unknown name would
// otherwise fail only at docker run.
func checkSignal(s string) error {
	bad := fmt.Errorf("%q is not a Linux signal such as SIGTERM or 15", s)
	if !signalRe.MatchString(s) {
		return bad
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 64 {
			return bad
		}
		return nil
	}
	name := strings.TrimPrefix(s, "SIG")
	if slices.Contains(linuxSignals, name) || name == "RTMIN" || name == "RTMAX" {
		return nil
	}
	for _, rt := range []string{"RTMIN+", "RTMAX-"} {
		if n, ok := strings.CutPrefix(name, rt); ok {
			if v, err := strconv.Atoi(n); err == nil && v >= 1 && v <= 31 {
				return nil
			}
		}
	}
	return bad
}

func checkMode(s string) error {
	if _, err := parseMode(s); err != nil {
		return err
	}
	return nil
}

func parseMode(s string) (uint32, error) {
	n, err := strconv.ParseUint(strings.TrimPrefix(s, "0o"), 8, 32)
	if err != nil || n > 0o7777 {
		return 0, fmt.Errorf("%q is not an octal file mode such as \"0644\"", s)
	}
	return uint32(n), nil
}

// checkProfile accepts the named profiles or a path in the build context.
func checkProfile(names ...string) func(string) error {
	return func(s string) error {
		for _, n := range names {
			if s == n {
				return nil
			}
		}
		if strings.ContainsAny(s, "/.") {
			return checkRelPath(s)
		}
		return fmt.Errorf("must be one of %s, or a path in the build context", strings.Join(quoteAll(names), ", "))
	}
}

// The named profiles of security.seccomp and security.apparmor; any other
// value is a file of the build context.
var (
	seccompProfiles  = []string{"default", "go", "docker", "none"}
	apparmorProfiles = []string{"default", "none"}
)

// ProfileFiles are t's security values that name a file of the build
// context rather than a named profile, as pointers into t.
func (t *Target) ProfileFiles() []*string {
	var out []*string
	if !slices.Contains(seccompProfiles, t.Security.Seccomp) {
		out = append(out, &t.Security.Seccomp)
	}
	if !slices.Contains(apparmorProfiles, t.Security.Apparmor) {
		out = append(out, &t.Security.Apparmor)
	}
	return out
}

// checks are the value checks the key tags name (check:"...").
var checks = map[string]func(string) error{
	"version":    checkVersion,
	"go":         checkGoVersion,
	"toolchain":  checkToolchain,
	"base":       checkBase,
	"relpath":    checkRelPath,
	"abspath":    checkAbsPath,
	"main":       checkMain,
	"binary":     checkBinary,
	"platform":   checkPlatform,
	"user":       checkUser,
	"port":       checkPort,
	"signal":     checkSignal,
	"mode":       checkMode,
	"tag":        checkTag,
	"modpattern": checkModulePattern,
	"vulnid":     checkVulnID,
	"healthurl":  checkHealthURL,
	"healthaddr": checkHealthAddr,
	"duration":   checkDuration,
	"retries":    checkRetries,
	"reason":     checkReason,
	"seccomp":    checkProfile(seccompProfiles...),
	"apparmor":   checkProfile(apparmorProfiles...),
}

// checkHealthURL accepts an http:// URL whose host is loopback: the probe
// runs in the container, and a health check that dials out of it tests
// another machine, not the program.
func checkHealthURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", s, err)
	}
	if u.Scheme != "http" {
		return fmt.Errorf("%q: the probe speaks plain http:// to the program on loopback (for TLS, use tcp or exec)", s)
	}
	if u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%q: a health URL has no user or #fragment", s)
	}
	if _, err := HealthAddr(u.Host, 80); err != nil {
		return err
	}
	return nil
}

// checkHealthAddr accepts a loopback host:port.
func checkHealthAddr(s string) error {
	if !strings.Contains(s, ":") {
		return fmt.Errorf("%q is not a host:port such as 127.0.0.1:9000", s)
	}
	_, err := HealthAddr(s, 0)
	return err
}

// HealthAddr is the loopback address of host[:port] (localhost is
// 127.0.0.1: the probe resolves no name), port def when none is written.
func HealthAddr(hostport string, def uint16) (netip.AddrPort, error) {
	host, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		host, portStr = hostport, strconv.Itoa(int(def))
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil || port == 0 {
		return netip.AddrPort{}, fmt.Errorf("%q: port %q is not a port number", hostport, portStr)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	addr, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil || !addr.Unmap().IsLoopback() {
		return netip.AddrPort{}, fmt.Errorf("%q: a health check must stay on loopback (127.0.0.1, [::1] or localhost): one that dials out of the container checks another machine, not the program", hostport)
	}
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), nil
}

// checkDuration accepts a Go duration such as 30s or 1m30s, as Docker's
// HEALTHCHECK options take them.
func checkDuration(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q is not a duration such as 30s or 1m30s", s)
	}
	return nil
}

// checkRetries accepts a count of failed checks.
func checkRetries(s string) error {
	if n, err := strconv.Atoi(s); err != nil || n < 1 {
		return fmt.Errorf("retries %s: want a count of 1 or more", s)
	}
	return nil
}

// nameChecks check each name of a mapping (names:"...").
var nameChecks = map[string]func(string) error{
	"envname":  checkEnvName,
	"argdecl":  checkArgDecl,
	"labelkey": checkLabelKey,
}

// entryChecks check each name and value of a mapping (entry:"...").
var entryChecks = map[string]func(name, value string) error{
	"buildenv": checkBuildEnv,
}

// norms normalize values once decoded or expanded (norm:"...").
var norms = map[string]func(string) string{
	"main":  cleanMain,
	"clean": path.Clean,
}

func checkVersion(s string) error {
	if s != strconv.Itoa(Version) {
		return fmt.Errorf("slimfile: %s is not a known format version; only %d exists", s, Version)
	}
	return nil
}

// checkTag accepts one build tag: -tags joins the list with commas.
func checkTag(s string) error {
	if !tagRe.MatchString(s) {
		return fmt.Errorf("%q is not a build tag (letters, digits, _ and .; one tag per list element)", s)
	}
	return nil
}

// checkVulnID accepts a vulnerability ID as the Go vulnerability database
// writes it (GO-2024-2687) or one of the aliases it lists (CVE-2024-24786,
// GHSA-8r3f-844c-mc37).
func checkVulnID(s string) error {
	if !vulnIDRe.MatchString(s) {
		return fmt.Errorf("%q is not a vulnerability ID such as GO-2024-2687, CVE-2024-24786 or GHSA-8r3f-844c-mc37", s)
	}
	return nil
}

// checkReason accepts the reason of an ignored vulnerability: it goes into
// the VEX document, so it must say something.
func checkReason(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("the reason must say why the vulnerability does not matter here: it goes into the VEX document")
	}
	return nil
}

// checkModulePattern accepts one GOPRIVATE pattern (a module path prefix
// with path.Match globs): the list is joined with commas.
func checkModulePattern(s string) error {
	if s == "" || strings.ContainsAny(s, ", \t") {
		return fmt.Errorf("%q is not a module pattern such as example.com/private/* (one per list element)", s)
	}
	if _, err := path.Match(s, ""); err != nil {
		return fmt.Errorf("%q is not a module pattern: %v", s, err)
	}
	return nil
}

// cleanMain makes a package path that `go build` reads as a directory:
// "cmd/api" and "./cmd/api/" both become "./cmd/api".
func cleanMain(s string) string {
	c := path.Clean(s)
	if c == "." {
		return "."
	}
	return "./" + strings.TrimPrefix(c, "./")
}
