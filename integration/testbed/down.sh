#!/usr/bin/env bash
# Stops the test bed's daemons (caches and built tools stay); dockerd stops
# its own containerd.
set -euo pipefail
state=${SLIMFILE_STATE:-${SLIMFILE_CACHE:-$HOME/.cache/slimfile}/state}
# Podman has no daemon: remove containers a run may have left.
if [[ -f $state/podman/storage.conf ]] && command -v podman >/dev/null; then
  CONTAINERS_STORAGE_CONF=$state/podman/storage.conf CONTAINERS_CONF=$state/podman/containers.conf \
    podman rm --all --force --time 2 >/dev/null 2>&1 || true
fi
for name in dockerd buildkitd buildkitd-bench buildkitd-empty registry vulndb; do
  f="$state/$name.pid"
  [[ -f $f ]] || continue
  pid=$(cat "$f")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$f"
done
