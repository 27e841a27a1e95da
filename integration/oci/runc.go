package oci

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// Runc runs images with runc the way a container engine does: in their
// own PID, mount, IPC and UTS namespaces (sharing the host's network), as
// the image user, with no capabilities, no new privileges (unless asked:
// Docker and Podman do not set it), a read-only root filesystem, a tmpfs
// on /tmp, and a seccomp filter.
type Runc struct {
	// State is runc's state directory (--root).
	State string
}

// RunOptions are what one container run adds to the image.
type RunOptions struct {
	// Args replace the image's Cmd.
	Args []string
	// Seccomp is the filter, in the JSON format of Docker and Podman (an
	// image's io.containers.seccomp.profile label); empty runs unconfined.
	Seccomp string
	// Binds are read-only bind mounts: container path to host path.
	Binds map[string]string
	// NewPrivileges runs without no_new_privs, as Docker and Podman do by
	// default: runc then loads the filter before it drops privileges.
	NewPrivileges bool
	// Caps are capabilities the process keeps (CAP_SYS_ADMIN, ...).
	Caps []string
}

// Command returns the runc command that runs img's rootfs in a container
// named id, with its bundle in bundle. Start it, then Kill it or Wait.
func (r *Runc) Command(img v1.Image, rootfs, bundle, id string, o RunOptions) (*exec.Cmd, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	c := cf.Config
	argv := append(slices.Clone(c.Entrypoint), c.Cmd...)
	if o.Args != nil {
		argv = append(slices.Clone(c.Entrypoint), o.Args...)
	}
	uid, gid, err := numericUser(c.User)
	if err != nil {
		return nil, err
	}
	env := slices.Clone(c.Env)
	if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "HOME=") }) {
		env = append(env, "HOME="+home(rootfs, uid))
	}
	abs, err := filepath.Abs(rootfs)
	if err != nil {
		return nil, err
	}
	s := &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			User: specs.User{UID: uid, GID: gid},
			Args: argv, Env: env, Cwd: "/",
			NoNewPrivileges: !o.NewPrivileges,
			Capabilities: &specs.LinuxCapabilities{Bounding: o.Caps, Effective: o.Caps, Permitted: o.Caps,
				Ambient: o.Caps, Inheritable: o.Caps},
		},
		Root:     &specs.Root{Path: abs, Readonly: true},
		Hostname: id,
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777"}},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.MountNamespace},
				{Type: specs.IPCNamespace}, {Type: specs.UTSNamespace}},
			MaskedPaths:   []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		},
	}
	if c.WorkingDir != "" {
		s.Process.Cwd = c.WorkingDir
	}
	for _, dst := range slices.Sorted(maps.Keys(o.Binds)) {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: dst, Type: "bind", Source: o.Binds[dst], Options: []string{"rbind", "ro"}})
	}
	if o.Seccomp != "" {
		// Docker's and Podman's way from the profile format to the
		// runtime's: conditions on capabilities and kernel resolved.
		if s.Linux.Seccomp, err = seccomp.LoadProfile(o.Seccomp, s); err != nil {
			return nil, fmt.Errorf("loading the seccomp profile: %w", err)
		}
	}
	if err := os.MkdirAll(bundle, 0o755); err != nil {
		return nil, err
	}
	dt, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), dt, 0o644); err != nil {
		return nil, err
	}
	return exec.Command("runc", "--root", r.State, "run", "--bundle", bundle, id), nil
}

// Kill sends sig (TERM, KILL, ...) to container id.
func (r *Runc) Kill(id, sig string) error {
	out, err := exec.Command("runc", "--root", r.State, "kill", id, sig).CombinedOutput()
	if err != nil {
		return fmt.Errorf("runc kill %s %s: %v: %s", id, sig, err, out)
	}
	return nil
}

// Delete removes container id, killing it first if it still runs.
func (r *Runc) Delete(id string) {
	exec.Command("runc", "--root", r.State, "delete", "--force", id).Run()
}
