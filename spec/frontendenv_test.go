package spec

import (
	"fmt"
	"strings"
	"testing"
)

// TestFrontendEnvRefused: each variable the frontend sets is refused in
// build.env at its line, saying where the frontend's value comes from;
// each that the user may replace parses.
func TestFrontendEnvRefused(t *testing.T) {
	for name, from := range FrontendEnv {
		_, err := Parse([]byte(fmt.Sprintf("slimfile: 1\nbuild:\n  env:\n    %s: x\n", name)))
		want := fmt.Sprintf("Slimfile:4:5: build.env: %s is set by the frontend, from %s: remove it", name, from)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("build.env %s: error %v, want %q", name, err, want)
		}
	}
	for name := range UserEnv {
		if _, ok := FrontendEnv[name]; ok {
			t.Errorf("%s is both the frontend's and the user's", name)
		}
		if _, err := Parse([]byte(fmt.Sprintf("slimfile: 1\nbuild:\n  env:\n    %s: x\n", name))); err != nil {
			t.Errorf("build.env %s: %v", name, err)
		}
	}
}
