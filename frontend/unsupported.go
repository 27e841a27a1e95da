package frontend

import (
	"github.com/slimfile/slimfile/spec"
)

// unsupported reports, at their Slimfile positions, the v1 values this
// version of the frontend cannot build yet, so that nothing is silently
// left out of an image.
func (b *builder) unsupported(t *spec.Target) error {
	var errs spec.Errors
	add := func(key, msg string) {
		r, _ := b.f.Pos(t, key)
		errs = append(errs, &spec.Error{Range: r, Msg: msg})
	}
	if t.Build.Compress == "upx" {
		add("build.compress", "build.compress: upx is not available in this version of the frontend yet; use none")
	}
	if len(errs) == 0 {
		return nil
	}
	return sourceError(errs, b.src)
}
