package oci

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// SeccompLabel is the image label that carries the image's seccomp
// profile, which Podman applies with --seccomp-policy=image.
const SeccompLabel = "io.containers.seccomp.profile"

// Engine runs a container engine's command line as users do: docker (on
// a context of its own) or podman.
type Engine struct {
	// Name is the command: "docker" or "podman".
	Name string
	// Args come first in every command line ("--context", "slimfile-engine";
	// "--runtime", "runc").
	Args []string
}

// Command returns the engine's command with args.
func (e *Engine) Command(args ...string) *exec.Cmd {
	return exec.Command(e.Name, append(append([]string{}, e.Args...), args...)...)
}

// Run runs the engine's command with args and returns its combined output;
// the error names the command line and holds the output.
func (e *Engine) Run(args ...string) (string, error) {
	cmd := e.Command(args...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return buf.String(), fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, buf.String())
	}
	return buf.String(), nil
}

// Load writes img as a Docker image archive tagged tag into dir and loads
// it into the engine's image store (docker load and podman load both read
// that format).
func (e *Engine) Load(img v1.Image, tag, dir string) error {
	p := filepath.Join(dir, strings.NewReplacer("/", "_", ":", "_").Replace(tag)+".tar")
	if err := WriteDockerArchive(img, tag, p); err != nil {
		return err
	}
	_, err := e.Run("load", "-i", p)
	return err
}

// WriteDockerArchive writes img to path as a Docker image archive (the
// format of docker save) whose one image is tagged tag.
func WriteDockerArchive(img v1.Image, tag, path string) error {
	ref, err := name.NewTag(tag)
	if err != nil {
		return err
	}
	return tarball.WriteToFile(path, ref, img)
}

// WriteSeccompLabel writes img's seccomp label to dir/seccomp.json, for
// docker run --security-opt seccomp=FILE, and returns the file's path.
func WriteSeccompLabel(img v1.Image, dir string) (string, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return "", err
	}
	label := cf.Config.Labels[SeccompLabel]
	if label == "" {
		return "", fmt.Errorf("the image has no %s label", SeccompLabel)
	}
	p := filepath.Join(dir, "seccomp.json")
	return p, os.WriteFile(p, []byte(label), 0o644)
}
