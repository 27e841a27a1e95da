package spec

// FrontendEnv is every variable the frontend sets in the environment of
// the steps that run go on a target's code (go mod download, the
// dependency layer, go build, the vulnerability check), with where its
// value comes from. build.env comes last in those steps, so a value of
// the user's would replace the frontend's: build.env may set none of them
// (checkBuildEnv). llb's TestFrontendEnvTable fails on a variable a step
// sets that is neither here nor in UserEnv.
var FrontendEnv = map[string]string{
	"GOOS":                 "the platform being built (platforms: or --platform)",
	"GOARCH":               "the platform being built (platforms: or --platform)",
	"GOARM":                "the platform's variant (linux/arm/v6, linux/arm/v7)",
	"GOAMD64":              "the platform's variant (linux/amd64/v3, ...)",
	"GOARM64":              "the platform's variant (linux/arm64/v8.2, ...)",
	"CGO_ENABLED":          "build.cgo",
	"GOTOOLCHAIN":          "the toolchain image (go:, toolchain:); it is local, so that go downloads no other",
	"GOMODCACHE":           "the frontend, whose module cache is kept between builds",
	"GOCACHE":              "the frontend, whose build cache is kept between builds",
	"GOCACHEPROG":          "the frontend, whose cache program fills the dependency layer",
	"NETRC":                "build.private, which mounts the netrc secret there",
	"SSH_AUTH_SOCK":        "build.private, which forwards the SSH agent of --ssh default there",
	"ZIG_GLOBAL_CACHE_DIR": "build.cgo with zig, whose cache the frontend keeps between builds",
	"ZIG_LOCAL_CACHE_DIR":  "build.cgo with zig, whose cache the frontend keeps between builds",
}

// UserEnv are the variables the frontend sets that build.env may give,
// each with the setting of the Slimfile's that sets it otherwise: the
// user's value is the documented way to replace it.
var UserEnv = map[string]string{
	"CC":        "build.cgo, whose C compiler search a CC of the user's replaces (docs/cgo.md)",
	"CXX":       "build.cgo, whose C compiler search a CXX of the user's replaces (docs/cgo.md)",
	"GOPROXY":   "build.goproxy",
	"GOPRIVATE": "build.private",
	"GONOSUMDB": "build.private",
}
