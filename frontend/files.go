package frontend

import (
	"context"
	"os"
	"path"
	"regexp"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"

	"github.com/slimfile/slimfile/spec"
)

// missingRe matches BuildKit's error for a copy whose source is not in
// the build context: the path it looked for, as the copy names it.
var missingRe = regexp.MustCompile(`failed to calculate checksum of ref [^ ]*: "([^"]*)": not found`)

// filesError says what BuildKit's "failed to calculate checksum ... not
// found" from the step that copies t's image.files means: a source that is
// not in the build context (missing, excluded by the ignore file), or a
// symbolic link in the context that leads out of it, which BuildKit
// resolves inside the context only (the context is read again, for that
// source alone, to tell which). Other errors are returned as they are.
func (b *builder) filesError(ctx context.Context, err error, t *spec.Target) error {
	src, ok := missingSource(err, t)
	if !ok {
		return err
	}
	link, isLink := "", false
	// StatFile follows a link (inside the context), so the link itself is
	// read from its directory's listing.
	if ref, lerr := b.solveContext(ctx, "image.files: look at "+src, fileKeyHint(src), llb.IncludePatterns([]string{src})); lerr == nil {
		sts, _ := ref.ReadDir(ctx, client.ReadDirRequest{Path: path.Dir(src), IncludePattern: path.Base(src)})
		for _, st := range sts {
			if st.Path == path.Base(src) && os.FileMode(st.Mode)&os.ModeSymlink != 0 {
				link, isLink = st.Linkname, true
			}
		}
	}
	return explainMissing(err, src, link, isLink)
}

// missingSource is the image.files source of t that BuildKit's err says
// it could not find, if err says so.
func missingSource(err error, t *spec.Target) (string, bool) {
	if err == nil || len(t.Image.Files) == 0 {
		return "", false
	}
	m := missingRe.FindStringSubmatch(err.Error())
	if m == nil {
		return "", false
	}
	for _, fc := range t.Image.Files {
		if path.Join("/", fc.Src) == m[1] {
			return fc.Src, true
		}
	}
	return "", false
}

// explainMissing is err said for a user: src, a source of image.files, is
// missing from the build context, or (isLink) is a symbolic link to link
// there that BuildKit cannot follow.
func explainMissing(err error, src, link string, isLink bool) error {
	if isLink {
		return wrapf(err, "image.files: %s is a symbolic link to %s, which is not in the build context: BuildKit follows a link only inside the context, so a link that leads out of it (or to nothing) cannot be copied; put the file itself in the context", src, link)
	}
	return wrapf(err, "image.files: %s is not in the build context (missing there, or excluded by the ignore file)", src)
}
