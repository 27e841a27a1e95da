#!/usr/bin/env bash
# Stops the test bed's daemons (caches and built tools stay).
set -euo pipefail
state=${SLIMFILE_STATE:-${SLIMFILE_CACHE:-$HOME/.cache/slimfile}/state}
for name in buildkitd registry; do
  f="$state/$name.pid"
  [[ -f $f ]] || continue
  pid=$(cat "$f")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$f"
done
