package security

import (
	"strings"
	"testing"
)

func TestAppArmorName(t *testing.T) {
	for _, c := range []struct{ file, want, err string }{
		{"# comment profile nope {\nprofile my-api flags=(attach_disconnected) {\n}\n", "my-api", ""},
		{"#include <tunables/global>\nprofile \"with space\" {\n}\n", "with space", ""},
		{"/usr/local/bin/api flags=(complain) {\n  /** r,\n}\n", "/usr/local/bin/api", ""},
		{"/usr/bin/foo {\n  profile child {\n  }\n}\n", "/usr/bin/foo", ""},
		{"not a profile\n", "", "no profile in the file"},
		{"{\n}\n", "", "no `profile NAME {` declaration"},
	} {
		got, err := AppArmorName([]byte(c.file))
		if got != c.want || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("AppArmorName(%q) = %q, %v; want %q, %q", c.file, got, err, c.want, c.err)
		}
	}
}

func TestSetDefaultAndNone(t *testing.T) {
	s, err := NewSet(Options{Seccomp: "default", AppArmor: "default", Binary: "api", Exe: "/usr/local/bin/api", UID: 65532, GID: 65532})
	if err != nil {
		t.Fatal(err)
	}
	if l := s.Labels(); l[AppArmorLabel] != "slimfile-api" || !strings.HasPrefix(l[SeccompLabel], `{"defaultAction":"SCMP_ACT_ERRNO"`) {
		t.Errorf("labels %v", l)
	}
	f := s.Files()
	if len(f) != 3 || !strings.Contains(string(f[AppArmorFileName]), "profile slimfile-api flags=") ||
		!strings.Contains(string(f[AppArmorFileName]), "/usr/local/bin/api mrix,") {
		t.Errorf("files: %v", f)
	}
	for _, want := range []string{"runAsNonRoot: true", "runAsUser: 65532", `localhostProfile: "slimfile/api.json"`, `localhostProfile: "slimfile-api"`} {
		if !strings.Contains(string(f[SecurityContextFileName]), want) {
			t.Errorf("securitycontext.yaml lacks %q:\n%s", want, f[SecurityContextFileName])
		}
	}

	s, err = NewSet(Options{Seccomp: "none", AppArmor: "none", Binary: "api", UID: 0, GID: 0})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Labels()) != 0 || len(s.Files()) != 1 {
		t.Errorf("none: labels %v, files %d", s.Labels(), len(s.Files()))
	}
	sc := string(s.SecurityContext())
	for _, want := range []string{"runAsNonRoot: false", "runAsUser: 0", "type: Unconfined # security.seccomp: none", "type: Unconfined # security.apparmor: none"} {
		if !strings.Contains(sc, want) {
			t.Errorf("securitycontext.yaml lacks %q:\n%s", want, sc)
		}
	}
}

func TestSetErrorsNameTheKey(t *testing.T) {
	_, err := NewSet(Options{Seccomp: "p.json", AppArmor: "default", Files: map[string][]byte{"p.json": []byte("{")}})
	if se, ok := err.(*Error); !ok || se.Key != "security.seccomp" || !strings.Contains(err.Error(), "p.json: line 1, column 2: invalid JSON: the file ends") {
		t.Errorf("%#v", err)
	}
	_, err = NewSet(Options{Seccomp: "none", AppArmor: "a", Files: map[string][]byte{"a": []byte("nothing")}})
	if se, ok := err.(*Error); !ok || se.Key != "security.apparmor" {
		t.Errorf("%#v", err)
	}
}
