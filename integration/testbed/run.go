package main

import (
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/slimfile/slimfile/integration/oci"
)

// runImage unpacks one platform's image from an exported OCI layout and
// runs its entrypoint chrooted, as the image user (arm binaries run
// through qemu-user registered with binfmt_misc).
func runImage(layoutPath, platform string, args []string) error {
	l, err := oci.Open(layoutPath)
	if err != nil {
		return err
	}
	imgs, err := l.Images()
	if err != nil {
		return err
	}
	img, ok := imgs[platform]
	if !ok {
		var have []string
		for p := range imgs {
			have = append(have, p)
		}
		sort.Strings(have)
		return fmt.Errorf("no %s image in %s (have %s)", platform, layoutPath, strings.Join(have, ", "))
	}
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	var size int64
	for _, l := range m.Layers {
		size += l.Size
	}
	fmt.Fprintf(os.Stderr, "%s: %d layers, %d bytes compressed\n", platform, len(m.Layers), size)
	root, err := os.MkdirTemp("", "slimfile-rootfs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	if err := oci.Unpack(img, root); err != nil {
		return err
	}
	cmd, err := oci.Command(img, root, args...)
	if err != nil {
		return err
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	// Pass SIGTERM and SIGINT on, so stopping this command stops the
	// program gracefully the way a container runtime would.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	return cmd.Wait()
}
