package llb

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/moby/buildkit/client/llb"

	"github.com/slimfile/slimfile/security"
)

// Profiles is the profiles output of a target: its seccomp and AppArmor
// profiles and the Kubernetes securityContext that uses them, every file
// dated epoch.
func Profiles(s *security.Set, epoch time.Time) llb.State {
	files := s.Files()
	names := slices.Sorted(maps.Keys(files))
	fa := llb.Mkfile("/"+names[0], 0o644, files[names[0]], llb.WithCreatedTime(epoch))
	for _, n := range names[1:] {
		fa = fa.Mkfile("/"+n, 0o644, files[n], llb.WithCreatedTime(epoch))
	}
	return llb.Scratch().File(fa, llb.WithCustomName("profiles: "+strings.Join(names, ", ")))
}

// UserIDs are the uid and gid an image.user value runs as.
func UserIDs(user string) (uid, gid int) {
	u, _, _ := strings.Cut(userSpec(user), ":")
	uid, _ = strconv.Atoi(u)
	return uid, userGID(user)
}
