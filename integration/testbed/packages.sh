#!/usr/bin/env bash
# Installs the Debian packages the test bed needs (runc for the OCI worker
# and for running images under their seccomp profiles, a static busybox for
# the toolchain image, qemu-user for running arm binaries, apparmor for
# apparmor_parser, Docker Engine 20.10 and Podman 4.3 with crun, its default
# runtime, for running images as users do, strace for seeing what their
# runtimes call, debootstrap for the cgo toolchain image, chromium to open
# the image reports as a person would, headless) and registers
# qemu with binfmt_misc. Idempotent. No service
# is started: up.sh runs its own dockerd.
set -euo pipefail
need=()
for p in runc busybox-static qemu-user-static binfmt-support apparmor libseccomp-dev pkg-config \
  docker.io podman crun strace debootstrap chromium; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if ((${#need[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
for a in qemu-aarch64 qemu-arm; do
  [[ -e /proc/sys/fs/binfmt_misc/$a ]] || update-binfmts --enable "$a" >/dev/null 2>&1 || true
done
