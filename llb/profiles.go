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

// Profiles is the profiles output of a target: for each set (one per
// platform), its seccomp and AppArmor profiles and the Kubernetes
// securityContext that uses them, in the directory of the same index in
// dirs ("" for the top), every file dated epoch.
func Profiles(sets []*security.Set, dirs []string, epoch time.Time) llb.State {
	var fa *llb.FileAction
	var names []string
	for i, s := range sets {
		files := s.Files()
		dir := "/"
		if dirs[i] != "" {
			dir = "/" + dirs[i] + "/"
			if fa == nil {
				fa = llb.Mkdir(dir, 0o755, llb.WithCreatedTime(epoch))
			} else {
				fa = fa.Mkdir(dir, 0o755, llb.WithCreatedTime(epoch))
			}
		}
		for _, n := range slices.Sorted(maps.Keys(files)) {
			if fa == nil {
				fa = llb.Mkfile(dir+n, 0o644, files[n], llb.WithCreatedTime(epoch))
			} else {
				fa = fa.Mkfile(dir+n, 0o644, files[n], llb.WithCreatedTime(epoch))
			}
			names = append(names, strings.TrimPrefix(dir+n, "/"))
		}
	}
	return llb.Scratch().File(fa, llb.WithCustomName("profiles: "+strings.Join(names, ", ")))
}

// userIDs are the uid and gid an image.user value runs as.
func userIDs(user string) (uid, gid int) {
	u, _, _ := strings.Cut(userSpec(user), ":")
	uid, _ = strconv.Atoi(u)
	return uid, userGID(user)
}
