package spec

import "sort"

// kind is the YAML shape a key takes.
type kind int

const (
	kString kind = iota
	kInt
	kBool
	kList    // list of strings
	kMap     // map of string to string
	kObject  // mapping with the keys in fields
	kFiles   // list of {src, dst, mode}
	kTargets // map of name to target
)

// field describes one key.
type field struct {
	kind   kind
	fields map[string]field // kObject
	check  func(string) error
	// entry checks each name and value of a kMap (values holding
	// references once expanded).
	entry func(name, value string) error
	enum  []string // the values check accepts, when it is a closed set
	doc   string   // one line for the reference and the JSON Schema
}

var buildFields = map[string]field{
	"cgo":      {kind: kBool, doc: "CGO_ENABLED; v1 builds static binaries only, so true is an error"},
	"tags":     {kind: kList, doc: "build tags (-tags)"},
	"ldflags":  {kind: kList, doc: "linker flags appended after -s -w -buildid="},
	"gcflags":  {kind: kList, doc: "compiler flags (-gcflags)"},
	"env":      {kind: kMap, check: checkEnvName, entry: checkBuildEnv, doc: "extra environment for go build (GOEXPERIMENT, GOFLAGS, GOPROXY, ...); not what the frontend derives (GOOS, GOARCH, GOARM, GOAMD64, CGO_ENABLED, GOTOOLCHAIN, GOCACHE, GOMODCACHE, GOFLAGS with -toolexec)"},
	"strip":    {kind: kBool, doc: "drop symbol and DWARF tables (-s -w); default true"},
	"trimpath": {kind: kBool, doc: "build with -trimpath; default true"},
	"compress": {kind: kString, check: oneOf("none", "upx"), enum: []string{"none", "upx"}, doc: "none, or upx to pack the binary after stripping"},
	"private":  {kind: kList, doc: "module patterns for GOPRIVATE and GONOSUMDB; credentials from the netrc secret or --ssh default"},
	"goproxy":  {kind: kString, doc: "GOPROXY for module downloads; default: the toolchain's"},
}

var imageFields = map[string]field{
	"base":        {kind: kString, check: checkBase, doc: "scratch (the default) or an image reference; the named build context base replaces it"},
	"user":        {kind: kString, check: checkUser, doc: "nonroot (65532:65532, the default), root, or uid[:gid]"},
	"certs":       {kind: kBool, doc: "ship /etc/ssl/certs/ca-certificates.crt and set SSL_CERT_FILE; default true"},
	"tzdata":      {kind: kBool, doc: "ship Go's time zone database and set ZONEINFO; default true"},
	"files":       {kind: kFiles, doc: "extra files or directories from the build context: {src, dst, mode}"},
	"env":         {kind: kMap, check: checkEnvName, doc: "image environment"},
	"expose":      {kind: kList, check: checkPort, doc: "exposed ports, port[/tcp|udp]"},
	"workdir":     {kind: kString, check: checkAbsPath, doc: "working directory; default /"},
	"entrypoint":  {kind: kList, doc: "entrypoint; default [/usr/local/bin/<binary>]"},
	"cmd":         {kind: kList, doc: "default arguments"},
	"labels":      {kind: kMap, doc: "image config labels (merged with --label)"},
	"annotations": {kind: kMap, doc: "manifest annotations"},
	"stopsignal":  {kind: kString, check: checkSignal, doc: "stop signal, such as SIGTERM"},
}

var securityFields = map[string]field{
	"seccomp":  {kind: kString, check: checkProfile("default", "go", "docker", "none"), doc: "default (derived from the binary), go, docker, none, or a profile file in the build context"},
	"apparmor": {kind: kString, check: checkProfile("default", "none"), doc: "default, none, or a profile file in the build context"},
}

// targetFields are the keys a target may set; the top level has them too.
var targetFields = map[string]field{
	"main":      {kind: kString, check: checkMain, doc: "package to build, relative to module; default ."},
	"binary":    {kind: kString, check: checkBinary, doc: "binary name; default: last element of main (or of the module path), skipping /vN"},
	"platforms": {kind: kList, check: checkPlatform, doc: "platforms built when --platform is not given, os/arch[/variant]"},
	"build":     {kind: kObject, fields: buildFields, doc: "how the binary is compiled"},
	"image":     {kind: kObject, fields: imageFields, doc: "what the runtime image holds"},
	"security":  {kind: kObject, fields: securityFields, doc: "confinement profiles shipped with the image"},
}

var topFields = func() map[string]field {
	m := map[string]field{
		"slimfile":  {kind: kInt, doc: "format version; only 1 exists"},
		"go":        {kind: kString, check: checkGoVersion, doc: "Go version of the toolchain image; default: go.mod's toolchain line, else its go line"},
		"toolchain": {kind: kString, check: checkToolchain, doc: "image holding the Go toolchain; default golang:<go>-alpine; the named build context golang replaces it"},
		"module":    {kind: kString, check: checkRelPath, doc: "directory of the build context that holds go.mod; default ."},
		"args":      {kind: kMap, check: checkArgDecl, doc: "build args read as ${NAME}, with their defaults; --build-arg overrides; not TARGETPLATFORM, TARGETOS, TARGETARCH or TARGETVARIANT, which are always defined"},
		"targets":   {kind: kTargets, doc: "several images from one Slimfile; each inherits the top-level values it does not set"},
	}
	for k, v := range targetFields {
		m[k] = v
	}
	return m
}()

var fileCopyFields = map[string]field{
	"src":  {kind: kString, check: checkRelPath, doc: "path in the build context"},
	"dst":  {kind: kString, check: checkAbsPath, doc: "absolute path in the image"},
	"mode": {kind: kString, check: checkMode, doc: "octal file mode such as \"0640\"; default: the source's"},
}

func keysOf(m map[string]field) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
