package spec

import (
	"strings"
	"testing"
)

// badValues has, for every key whose values are narrower than "any
// string", a Slimfile line that gives it a bad value: %s is where the
// value goes, bad is the value. A key whose check runs on a string also
// gets the value through an arg (${V}), which must fail after expansion.
// TestBadValueOfEveryKey walks the key tree, so a new checked key without
// a case here fails it.
var badValues = map[string]struct {
	line, bad string
}{
	"slimfile":                       {"slimfile: %s", "2"},
	"go":                             {"go: %s", "one.26"},
	"toolchain":                      {"toolchain: %s", "\"Not An Image\""},
	"module":                         {"module: %s", "../up"},
	"args":                           {"args: {%s: x}", "TARGETARCH"},
	"main.package":                   {"main: [{package: %s}]", "/abs/cmd"},
	"main.binary":                    {"main: [{package: ./cmd/a, binary: %s}]", "a/b"},
	"binary":                         {"binary: %s", "../b"},
	"platforms":                      {"platforms: [%s]", "linux/nope/x/y"},
	"build.cgo":                      {"build: {cgo: %s}", "sometimes"},
	"build.tags":                     {"build: {tags: [%s]}", "\"a b\""},
	"build.env":                      {"build: {env: {GOOS: %s}}", "windows"},
	"build.strip":                    {"build: {strip: %s}", "maybe"},
	"build.trimpath":                 {"build: {trimpath: %s}", "maybe"},
	"build.compress":                 {"build: {compress: %s}", "gzip"},
	"build.private":                  {"build: {private: [%s]}", "\"a b\""},
	"image.base":                     {"image: {base: %s}", "\"Not An Image\""},
	"image.user":                     {"image: {user: %s}", "nobody"},
	"image.certs":                    {"image: {certs: %s}", "maybe"},
	"image.tzdata":                   {"image: {tzdata: %s}", "maybe"},
	"image.files.src":                {"image: {files: [{src: %s, dst: /a}]}", "../secret"},
	"image.files.dst":                {"image: {files: [{src: a, dst: %s}]}", "relative"},
	"image.files.mode":               {"image: {files: [{src: a, dst: /a, mode: %s}]}", "\"0999\""},
	"image.env":                      {"image: {env: {%s: x}}", "\"1BAD\""},
	"image.expose":                   {"image: {expose: [%s]}", "\"99999\""},
	"image.workdir":                  {"image: {workdir: %s}", "relative"},
	"image.labels":                   {"image: {labels: {%s: x}}", "\"a b\""},
	"image.annotations":              {"image: {annotations: {%s: x}}", "\"\""},
	"image.stopsignal":               {"image: {stopsignal: %s}", "SIGNOPE"},
	"image.healthcheck.http":         {"image: {healthcheck: {http: %s}}", "\"http://example.com/healthz\""},
	"image.healthcheck.tcp":          {"image: {healthcheck: {tcp: %s}}", "\"10.0.0.1:80\""},
	"image.healthcheck.interval":     {"image: {healthcheck: {tcp: \"127.0.0.1:80\", interval: %s}}", "soon"},
	"image.healthcheck.timeout":      {"image: {healthcheck: {tcp: \"127.0.0.1:80\", timeout: %s}}", "-1s"},
	"image.healthcheck.start_period": {"image: {healthcheck: {tcp: \"127.0.0.1:80\", start_period: %s}}", "later"},
	"image.healthcheck.retries":      {"image: {healthcheck: {tcp: \"127.0.0.1:80\", retries: %s}}", "0"},
	"image.ca":                       {"image: {ca: [%s]}", "/etc/ssl/cert.pem"},
	"security.seccomp":               {"security: {seccomp: %s}", "strict"},
	"security.apparmor":              {"security: {apparmor: %s}", "strict"},
	"security.vulns.mode":            {"security: {vulns: {mode: %s}}", "block"},
	"security.vulns.ignore.id":       {"security: {vulns: {ignore: [{id: %s, reason: r}]}}", "CVE-2024"},
	"security.vulns.ignore.reason":   {"security: {vulns: {ignore: [{id: GO-2022-1059, reason: %s}]}}", "\"\""},
	"debug.delve":                    {"debug: {delve: %s}", "maybe"},
}

// checkedKeys are the paths of the keys whose values are checked: a check,
// an enum, names or entries that are checked, or a non-string scalar.
func checkedKeys(prefix string, keys []*key) []string {
	var out []string
	for _, k := range keys {
		path := prefix + k.name
		if k.check != nil || k.names != nil || k.entry != nil || k.kind == kInt || k.kind == kBool || k.kind == kMode {
			out = append(out, path)
		}
		out = append(out, checkedKeys(path+".", k.keys)...)
	}
	return out
}

func TestBadValueOfEveryKey(t *testing.T) {
	keys := checkedKeys("", topKeys)
	for _, path := range keys {
		c, ok := badValues[path]
		if !ok {
			t.Errorf("%s is checked, but badValues has no bad value for it", path)
			continue
		}
		line := strings.Replace(c.line, "%s", c.bad, 1)
		src := "slimfile: 1\n" + line + "\n"
		if path == "slimfile" {
			src = line + "\n"
		}
		_, err := Parse([]byte(src))
		es := Errors{}
		if err == nil || !errorsAsList(err, &es) {
			t.Errorf("%s: %q parses (err %v)", path, line, err)
			continue
		}
		if !es.onLine(lineOf(src, line)) {
			t.Errorf("%s: %q: no error on its line: %v", path, line, err)
		}
		// Through an arg, where the value is a string a check reads.
		k := keyAt(path)
		if k == nil || k.check == nil || k.kind == kBool || k.kind == kInt || k.kind == kMode || path == "slimfile" || path == "args" {
			continue
		}
		withArg := "slimfile: 1\nargs: {V: " + c.bad + "}\n" + strings.Replace(c.line, "%s", "${V}", 1) + "\n"
		if strings.Contains(c.bad, "\"") {
			withArg = "slimfile: 1\nargs: {V: " + c.bad + "}\n" + strings.Replace(c.line, "%s", "\"${V}\"", 1) + "\n"
		}
		if expandErr(t, withArg) == nil {
			t.Errorf("%s: %q through an arg expands without an error", path, withArg)
		}
	}
	for path := range badValues {
		if keyAt(path) == nil {
			t.Errorf("badValues has %s, which is not a key", path)
		}
	}
}

// expandErr parses src and expands its top level and its targets with
// their defaults, as the frontend does, and returns the first error.
func expandErr(t *testing.T, src string) error {
	f, err := Parse([]byte(src))
	if err != nil {
		return err
	}
	vars := map[string]string{}
	for _, a := range f.Args {
		vars[a.Name] = a.Default
	}
	if _, err := f.Resolved(vars); err != nil {
		return err
	}
	for _, tg := range f.Targets {
		if _, err := f.Expanded(tg, vars); err != nil {
			return err
		}
	}
	return nil
}

// keyAt is the key at a dotted path of the tree, nil if there is none.
func keyAt(path string) *key {
	keys := topKeys
	var k *key
	for _, name := range strings.Split(path, ".") {
		if k = find(keys, name); k == nil {
			return nil
		}
		keys = k.keys
	}
	return k
}

func lineOf(src, line string) int {
	for i, l := range strings.Split(src, "\n") {
		if l == line {
			return i + 1
		}
	}
	return 0
}

func errorsAsList(err error, es *Errors) bool {
	switch e := err.(type) {
	case Errors:
		*es = e
		return true
	case *Error:
		*es = Errors{e}
		return true
	}
	return false
}

func (es Errors) onLine(n int) bool {
	for _, e := range es {
		if e.Range.Line == n {
			return true
		}
	}
	return false
}
