package llb

import (
	"errors"
	"path"
	"strings"

	"github.com/moby/buildkit/client/llb"

	"github.com/slimfile/slimfile/internal/gostep"
	"github.com/slimfile/slimfile/spec"
)

// caBundle is a state holding /ca-certificates.crt: the toolchain's CA
// bundle with image.ca's certificates appended, or (certs: false) those
// alone. Options.CAFiles holds their content, read and parsed by the
// frontend before any step runs. Appending needs the frontend's image
// (checkCA).
func caBundle(in *Options, t *spec.Target) llb.State {
	var extra strings.Builder
	for _, f := range t.Image.CA {
		pem := string(in.CAFiles[f])
		extra.WriteString(pem)
		if !strings.HasSuffix(pem, "\n") {
			extra.WriteString("\n")
		}
	}
	certs := llb.Scratch().File(llb.Mkfile("/extra.pem", 0o644, []byte(extra.String()), llb.WithCreatedTime(in.Epoch)),
		llb.WithCustomName("image.ca: "+strings.Join(t.Image.CA, ", ")))
	if !t.Image.Certs {
		return llb.Scratch().File(llb.Copy(certs, "/extra.pem", "/ca-certificates.crt"), llb.WithCustomName("CA bundle: image.ca alone"))
	}
	run := in.Frontend.Run(
		llb.Args(append([]string{gostep.Program}, gostep.Argv(&gostep.Certs{Bundle: path.Join("/toolchain", CertFile), Add: "/extra/extra.pem", Out: "/out/ca-certificates.crt"})...)),
		llb.AddMount("/toolchain", in.Toolchain, llb.Readonly),
		llb.AddMount("/extra", certs, llb.Readonly),
		llb.Network(llb.NetModeNone),
		llb.WithCustomName("CA bundle: the toolchain's and image.ca"),
	)
	return run.AddMount("/out", llb.Scratch())
}

// checkCA refuses image.ca beside the toolchain's bundle without the
// frontend's image, whose step program appends them: dropping the
// toolchain's certificates would break every other TLS connection.
func checkCA(in *Options, t *spec.Target) error {
	if len(t.Image.CA) > 0 && t.Image.Certs && in.Frontend == nil {
		return &spec.ValueError{Range: t.Where(&t.Image.CA), Err: errNoFrontendForCA}
	}
	return nil
}

var errNoFrontendForCA = errors.New("image.ca: this BuildKit does not say which image runs the frontend, whose step program appends the certificates to the toolchain's bundle; set image.certs: false to ship image.ca's certificates alone")
