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
}

var buildFields = map[string]field{
	"cgo":      {kind: kBool},
	"tags":     {kind: kList},
	"ldflags":  {kind: kList},
	"gcflags":  {kind: kList},
	"env":      {kind: kMap, check: checkEnvName},
	"strip":    {kind: kBool},
	"trimpath": {kind: kBool},
	"compress": {kind: kString, check: oneOf("none", "upx")},
	"private":  {kind: kList},
	"goproxy":  {kind: kString},
}

var imageFields = map[string]field{
	"base":        {kind: kString, check: checkBase},
	"user":        {kind: kString, check: checkUser},
	"certs":       {kind: kBool},
	"tzdata":      {kind: kBool},
	"files":       {kind: kFiles},
	"env":         {kind: kMap, check: checkEnvName},
	"expose":      {kind: kList, check: checkPort},
	"workdir":     {kind: kString, check: checkAbsPath},
	"entrypoint":  {kind: kList},
	"cmd":         {kind: kList},
	"labels":      {kind: kMap},
	"annotations": {kind: kMap},
	"stopsignal":  {kind: kString, check: checkSignal},
}

var securityFields = map[string]field{
	"seccomp":  {kind: kString, check: checkProfile("default", "docker", "none")},
	"apparmor": {kind: kString, check: checkProfile("default", "none")},
}

// targetFields are the keys a target may set; the top level has them too.
var targetFields = map[string]field{
	"main":      {kind: kString, check: checkMain},
	"binary":    {kind: kString, check: checkBinary},
	"platforms": {kind: kList, check: checkPlatform},
	"build":     {kind: kObject, fields: buildFields},
	"image":     {kind: kObject, fields: imageFields},
	"security":  {kind: kObject, fields: securityFields},
}

var topFields = func() map[string]field {
	m := map[string]field{
		"slimfile":  {kind: kInt},
		"go":        {kind: kString, check: checkGoVersion},
		"toolchain": {kind: kString, check: checkImageRef},
		"module":    {kind: kString, check: checkRelPath},
		"args":      {kind: kMap, check: checkArgName},
		"targets":   {kind: kTargets},
	}
	for k, v := range targetFields {
		m[k] = v
	}
	return m
}()

var fileCopyFields = map[string]field{
	"src":  {kind: kString, check: checkRelPath},
	"dst":  {kind: kString, check: checkAbsPath},
	"mode": {kind: kString, check: checkMode},
}

func keysOf(m map[string]field) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
