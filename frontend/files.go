package frontend

import (
	"fmt"
	"path"
	"regexp"

	"github.com/slimfile/slimfile/spec"
)

// missingRe matches BuildKit's error for a copy whose source is not in
// the build context: the path it looked for, after symbolic links.
var missingRe = regexp.MustCompile(`failed to calculate checksum of ref [^ ]*: "([^"]*)": not found`)

// filesError says what BuildKit's "failed to calculate checksum ... not
// found" from the step that copies t's image.files means: a source that is
// not in the build context (missing, excluded by the ignore file), or a
// symbolic link in the context that leads out of it, which BuildKit
// resolves inside the context only. It wraps err, which keeps BuildKit's
// source locations (the image.files lines); other errors are returned as
// they are.
func filesError(err error, t *spec.Target) error {
	if err == nil || len(t.Image.Files) == 0 {
		return err
	}
	m := missingRe.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	for _, fc := range t.Image.Files {
		if path.Join("/", fc.Src) == m[1] {
			return fmt.Errorf("image.files: %s is not in the build context (missing there, or excluded by the ignore file): %w", fc.Src, err)
		}
	}
	return fmt.Errorf("image.files: a source is a symbolic link to %s, which is not in the build context: BuildKit follows links only inside the context, so a link that leads out of it (or to nothing) cannot be copied; copy the file itself into the context: %w", m[1], err)
}
