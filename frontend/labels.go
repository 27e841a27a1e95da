package frontend

import (
	"strings"
	"time"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	sllb "github.com/slimfile/slimfile/llb"
)

// ociLabels are the org.opencontainers.image.* labels that can be known:
// created from SOURCE_DATE_EPOCH, source and revision from the vcs:source
// and vcs:revision values buildx sends, version from a declared VERSION
// arg, and the base image's name and digest when one is used. Slimfile
// labels and --label override them.
func (b *builder) ociLabels(base *sllb.Base, epoch time.Time) map[string]string {
	l := map[string]string{}
	opts := b.bc.BuildOpts().Opts
	if v := opts["vcs:source"]; v != "" {
		l[ocispecs.AnnotationSource] = v
	}
	if v := opts["vcs:revision"]; v != "" {
		l[ocispecs.AnnotationRevision] = v
	}
	if _, ok := b.bc.BuildArgs["SOURCE_DATE_EPOCH"]; ok {
		l[ocispecs.AnnotationCreated] = epoch.UTC().Format(time.RFC3339)
	}
	for _, a := range b.f.Args {
		if a.Name == "VERSION" {
			if v := b.argValues(nil)["VERSION"]; v != "" {
				l[ocispecs.AnnotationVersion] = v
			}
		}
	}
	if base != nil {
		if name, dgst, ok := strings.Cut(base.Ref, "@"); ok {
			l[ocispecs.AnnotationBaseImageName] = name
			l[ocispecs.AnnotationBaseImageDigest] = dgst
		}
	}
	return l
}
