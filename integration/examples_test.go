package integration

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slimfile/slimfile/integration/oci"
)

// TestExampleGRPCHealth builds examples/grpc-health for the platforms its
// Slimfile names, serves from the amd64 image and probes it from the arm64
// image (through qemu-user), then stops the server with SIGTERM.
func TestExampleGRPCHealth(t *testing.T) {
	t.Parallel()
	dir := exampleModule(t, "grpc-health")
	b, err := buildx(t, dir)
	imgs := mustBuild(t, b, err)
	if got := keys(imgs); strings.Join(got, " ") != "linux/amd64 linux/arm64" {
		t.Fatalf("platforms %v, want the Slimfile's linux/amd64 and linux/arm64", got)
	}
	addr := freeAddr(t)

	root := filepath.Join(t.TempDir(), "rootfs")
	if err := oci.Unpack(imgs["linux/amd64"], root); err != nil {
		t.Fatal(err)
	}
	server, err := oci.Command(imgs["linux/amd64"], root, "-addr", addr)
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	server.Stdout, server.Stderr = out, out
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	defer server.Process.Kill()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), "serving gRPC health"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not say it serves within 20 s:\n%s", out)
		}
	}
	if got := strings.TrimSpace(runImage(t, imgs["linux/arm64"], "-probe", addr)); got != "SERVING" {
		t.Errorf("probe from the arm64 image: %q", got)
	}
	if err := server.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := server.Wait(); err != nil || !strings.Contains(out.String(), "stopped") {
		t.Errorf("after SIGTERM: %v\n%s", err, out.String())
	}
}
