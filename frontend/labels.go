package frontend

import (
	"time"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// requestLabels are the org.opencontainers.image.* labels the build
// request tells: created from SOURCE_DATE_EPOCH, source and revision from
// the vcs:source and vcs:revision values buildx sends, version from a
// declared VERSION arg (llb.Result.Config says what overrides them).
func (b *builder) requestLabels() map[string]string {
	l := map[string]string{}
	opts := b.bc.BuildOpts().Opts
	if v := opts["vcs:source"]; v != "" {
		l[ocispecs.AnnotationSource] = v
	}
	if v := opts["vcs:revision"]; v != "" {
		l[ocispecs.AnnotationRevision] = v
	}
	if _, ok := b.bc.BuildArgs["SOURCE_DATE_EPOCH"]; ok {
		l[ocispecs.AnnotationCreated] = b.epoch().Format(time.RFC3339)
	}
	for _, a := range b.f.Args {
		if a.Name == "VERSION" {
			if v := b.argValues(nil)["VERSION"]; v != "" {
				l[ocispecs.AnnotationVersion] = v
			}
		}
	}
	return l
}
