package frontend

import (
	"context"
	"debug/buildinfo"
	"io"
	"path"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/containerd/platforms"
	intoto "github.com/in-toto/in-toto-golang/in_toto"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/result"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pkg/errors"

	sllb "github.com/slimfile/slimfile/llb"
	"github.com/slimfile/slimfile/security"
)

// sbomFile is where the SPDX document sits in its attestation state.
const sbomFile = "/sbom.spdx.json"

// built is one platform's image, kept to describe it in an SBOM.
type built struct {
	ref      client.Reference
	binaries []string
}

// builtImages collects the platforms' images as bc.Build makes them.
type builtImages struct {
	mu sync.Mutex
	m  map[string]built // by export platform id (os/arch[/variant])
}

func (bi *builtImages) add(p ocispecs.Platform, b built) {
	bi.mu.Lock()
	defer bi.mu.Unlock()
	if bi.m == nil {
		bi.m = map[string]built{}
	}
	bi.m[platforms.FormatAll(platforms.Normalize(p))] = b
}

// attachSBOMs adds to every platform an SPDX attestation made from the
// binary's own Go build information, read from the image (so BuildKit's
// scanner image is not needed).
func (b *builder) attachSBOMs(ctx context.Context, rb *dockerui.ResultBuilder, imgs *builtImages, epoch time.Time) error {
	return rb.EachPlatform(ctx, func(ctx context.Context, id string, p ocispecs.Platform) error {
		img, ok := imgs.m[id]
		if !ok {
			return errors.Errorf("no image built for %s", id)
		}
		var infos []*debug.BuildInfo
		var paths []string
		for _, name := range img.binaries {
			bin := path.Join(sllb.BinDir, name)
			info, err := buildinfo.Read(&refReaderAt{ctx: ctx, ref: img.ref, path: bin})
			if err != nil {
				return errors.Wrapf(err, "reading the Go build information of %s (%s)", bin, id)
			}
			infos, paths = append(infos, info), append(paths, bin)
		}
		doc, err := spdxFromBuildInfo(img.binaries, id, infos, epoch)
		if err != nil {
			return err
		}
		return b.attest(ctx, rb, id, p, attestation{file: sbomFile, doc: doc, at: epoch, predicate: intoto.PredicateSPDX,
			reason: []byte(result.AttestationReasonSBOM), name: "SBOM of " + strings.Join(paths, ", ") + " from " + map[bool]string{true: "its", false: "their"}[len(paths) == 1] + " Go build information"})
	})
}

// attestation is an in-toto attestation of one platform's image: its
// predicate doc, of type predicate, in file of a state of its own dated
// at, named name in the progress, and the reason BuildKit records for it
// ("" for none).
type attestation struct {
	file, name, predicate string
	reason                []byte
	doc                   []byte
	at                    time.Time
}

// attest adds a to the platform id (p) of rb.
func (b *builder) attest(ctx context.Context, rb *dockerui.ResultBuilder, id string, p ocispecs.Platform, a attestation) error {
	st := llb.Scratch().File(llb.Mkfile(a.file, 0o644, a.doc, llb.WithCreatedTime(a.at)), llb.WithCustomName("["+id+"] "+a.name))
	ref, err := b.solve(ctx, st, p)
	if err != nil {
		return err
	}
	att := result.Attestation[client.Reference]{
		Kind:   gwpb.AttestationKind_InToto,
		Ref:    ref,
		Path:   a.file,
		InToto: result.InTotoAttestation{PredicateType: a.predicate},
	}
	if a.reason != nil {
		att.Metadata = map[string][]byte{result.AttestationReasonKey: a.reason}
	}
	rb.AddAttestation(id, att)
	return nil
}

// refReaderAt reads a file of a solved reference in ranges, so that
// debug/buildinfo reads the few kilobytes it needs, not the whole binary.
type refReaderAt struct {
	ctx  context.Context
	ref  client.Reference
	path string
}

func (r *refReaderAt) ReadAt(p []byte, off int64) (int, error) {
	dt, err := r.ref.ReadFile(r.ctx, client.ReadRequest{Filename: r.path, Range: &client.FileRange{Offset: int(off), Length: len(p)}})
	if err != nil {
		return 0, err
	}
	n := copy(p, dt)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// vexFile is where the OpenVEX document sits in its attestation state.
const vexFile = "/vex.json"

// vexRequested reports whether the build asks for attestations that the
// VEX documents go with: an SBOM (--sbom=true) or one of their own
// (--attest type=vex).
func (b *builder) vexRequested() bool {
	if b.bc.SBOM != nil {
		return true
	}
	v, ok := b.bc.BuildOpts().Opts["attest:vex"]
	return ok && !strings.Contains(v, "disabled=true")
}

// attachVEX adds to every platform whose binary was checked its OpenVEX
// document, as an in-toto attestation of predicate type OpenVEX, beside
// the SBOM.
func (b *builder) attachVEX(ctx context.Context, rb *dockerui.ResultBuilder, vc *vulnChecks) error {
	if vc == nil || vc.db == nil {
		return nil
	}
	return rb.EachPlatform(ctx, func(ctx context.Context, id string, p ocispecs.Platform) error {
		for i, r := range vc.results {
			if platforms.FormatAll(platforms.Normalize(r.Platform)) != id {
				continue
			}
			doc, err := b.vexDocument(vc, i)
			if err != nil || doc == nil {
				return err
			}
			if err := b.attest(ctx, rb, id, p, attestation{file: vexFile, doc: doc, at: b.vexTime(vc), predicate: security.OpenVEXPredicate,
				name: "OpenVEX document of the vulnerability check"}); err != nil {
				return err
			}
		}
		return nil
	})
}
