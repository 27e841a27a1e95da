#!/usr/bin/env bash
# Builds the test bed's tools (buildkitd, buildctl, docker-buildx) from the
# versions pinned in go.mod, into a cache keyed by those versions, so a second
# run reuses them. Prints the bin directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SLIMFILE_CACHE:-$HOME/.cache/slimfile}
bk=$(cd "$root" && go list -m -f '{{.Version}}' github.com/moby/buildkit)
bx=$(sed -n 's/^buildx_version=//p' "$root/integration/testbed/versions")
bin="$cache/tools/buildkit-$bk-buildx-$bx/bin"
if [[ -x $bin/buildkitd && -x $bin/buildctl && -x $bin/docker-buildx ]]; then
  echo "$bin"; exit 0
fi
mkdir -p "$bin"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# buildkit's go.mod has exclude directives, so `go install pkg@version` is
# refused; a throwaway module that requires it builds the same commands.
(
  cd "$work"
  go mod init slimfile.local/tools >/dev/null 2>&1
  go get "github.com/moby/buildkit/cmd/buildkitd@$bk" "github.com/moby/buildkit/cmd/buildctl@$bk" >&2
  CGO_ENABLED=0 GOBIN="$bin.tmp" go install -trimpath -ldflags='-s -w' \
    github.com/moby/buildkit/cmd/buildkitd github.com/moby/buildkit/cmd/buildctl >&2
) 
CGO_ENABLED=0 GOBIN="$bin.tmp" GOFLAGS=-mod=mod go install -trimpath -ldflags='-s -w' \
  "github.com/docker/buildx/cmd/buildx@$bx" >&2
mv "$bin.tmp/buildkitd" "$bin.tmp/buildctl" "$bin/"
mv "$bin.tmp/buildx" "$bin/docker-buildx"
rmdir "$bin.tmp"
echo "$bin"
