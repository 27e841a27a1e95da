#!/usr/bin/env bash
# Installs the Debian packages the test bed needs (runc for the OCI worker
# and for running images under their seccomp profiles, a static busybox for
# the toolchain image, qemu-user for running arm binaries, apparmor for
# apparmor_parser) and registers qemu with binfmt_misc. Idempotent.
set -euo pipefail
need=()
for p in runc busybox-static qemu-user-static binfmt-support apparmor; do
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
