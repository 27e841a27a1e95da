package frontend

import (
	"context"
	"testing"

	"github.com/moby/buildkit/client/llb"
)

// mainContext is the main context narrowed to go.mod and go.sum as
// dockerui builds it: session, exclude patterns, shared key, then the
// frontend's follow paths.
func mainContext(session string, excludes []string) llb.State {
	return llb.Local(contextLocal, llb.SessionID(session), llb.ExcludePatterns(excludes),
		llb.SharedKeyHint(contextLocal), llb.WithCustomName("[internal] load build context"),
		llb.FollowPaths(modPaths(".")))
}

func marshalT(t *testing.T, st llb.State) *llb.Definition {
	t.Helper()
	def, err := st.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func TestSameRead(t *testing.T) {
	early := marshalT(t, llb.Local(contextLocal, llb.SessionID("s1"), llb.SharedKeyHint(contextLocal),
		llb.FollowPaths(modPaths(".")), llb.WithCustomName("load go.mod")))
	src, ok := localSource(early)
	if !ok {
		t.Fatal("the early read is not a local source")
	}
	git := llb.Git("https://example.com/repo.git", "main")
	for _, tc := range []struct {
		name string
		main llb.State
		want bool
	}{
		{"no .dockerignore", mainContext("s1", nil), true},
		{"patterns that spare go.mod and go.sum", mainContext("s1", []string{"*.md", "vendor", "cmd/*/go.sum"}), true},
		{"everything but go.mod and go.sum", mainContext("s1", []string{"*", "!go.mod", "!go.sum"}), true},
		{"go.sum excluded", mainContext("s1", []string{"go.sum"}), false},
		{"go.* excluded", mainContext("s1", []string{"go.*"}), false},
		{"everything excluded", mainContext("s1", []string{"*"}), false},
		{"excluded, then go.mod only let back", mainContext("s1", []string{"**", "!go.mod"}), false},
		{"another session's local", mainContext("s2", nil), false},
		{"a subdirectory of the context", llb.Scratch().File(llb.Copy(mainContext("s1", nil), "/sub", "/")), false},
		{"a git context", git, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameRead(src.Attrs, marshalT(t, tc.main)); got != tc.want {
				t.Errorf("sameRead = %v, want %v", got, tc.want)
			}
		})
	}
}
