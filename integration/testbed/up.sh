#!/usr/bin/env bash
# Brings up the local BuildKit test bed, idempotently:
#   - Debian packages (runc, busybox-static, qemu-user-static) and binfmt;
#   - buildkitd, buildctl and docker-buildx built from go.mod's versions (cached);
#   - a loopback registry that stands in for Docker Hub (buildkitd mirror);
#   - the Go vulnerability database, made from golang.org/x/vulndb's OSV
#     entries and served on loopback in place of https://vuln.go.dev;
#   - a golang:<version>-alpine image made from this machine's Go, pushed there,
#     and two cgo toolchains with that Go (cgo-rootfs.sh): Debian bookworm
#     with its cross gcc and musl packages, and the Alpine-shaped image with zig;
#   - buildkitd (OCI worker, overlayfs, host network) and a `docker buildx`
#     builder named "slimfile" that uses it through the remote driver;
#   - a second buildkitd, the benchmark's (root, socket and `docker buildx`
#     builder "slimfile-bench" of its own): the benchmark empties its cache
#     for every cold build, which on the first would wipe the cache of tests
#     running beside it, and their builds would disturb its timings;
#   - a third, "slimfile-empty", for the tests that empty their builder's
#     cache (emptied under them, BuildKit can lose snapshots that running
#     builds still use);
#   - the frontend image, built from this working tree by Dockerfile.frontend
#     and pushed as $SLIMFILE_REGISTRY/slimfile:$SLIMFILE_FRONTEND_TAG (dev
#     unless set: another tag keeps a second working tree's frontend apart),
#     on the benchmark's buildkitd, so that the tests' builders pull it from
#     the registry as users' builders do (see the build below);
#   - Debian's Docker Engine (dockerd 20.10, its built-in BuildKit, runc) on a
#     socket of its own, pulling Docker Hub images through the loopback
#     registry, with a docker context "slimfile-engine" for it;
#   - Podman (4.3, crun) configured for the loopback registry, with storage
#     of its own.
# Writes the environment to use it to $SLIMFILE_STATE/env (source it).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SLIMFILE_CACHE:-$HOME/.cache/slimfile}
state=${SLIMFILE_STATE:-$cache/state}
registry=${SLIMFILE_REGISTRY:-127.0.0.1:5000}
tag=${SLIMFILE_FRONTEND_TAG:-dev}
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
  [[ -n $pid ]] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "$2"
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

# The Go vulnerability database, made from the OSV entries of the module
# golang.org/x/vulndb at the version of versions, served on loopback in
# place of https://vuln.go.dev (--build-arg SLIMFILE_VULNDB=...), and as a
# directory for --build-context govulndb=...
vulndb_version=$(sed -n 's/^vulndb_version=//p' "$root/integration/testbed/versions")
vulndb="$cache/vulndb/$vulndb_version"
vulndb_addr=${SLIMFILE_VULNDB_ADDR:-127.0.0.1:5001}
log "vulnerability database golang.org/x/vulndb@$vulndb_version"
"$bin/slimfile-testbed" vulndb -version "$vulndb_version" -out "$vulndb"
start vulndb "$state/vulndb.pid" "$bin/slimfile-testbed" serve-vulndb -addr "$vulndb_addr" -dir "$vulndb"
wait_for vulndb curl -fsS "http://$vulndb_addr/index/db.json.gz" -o /dev/null

log "toolchain images golang:$(go env GOVERSION | sed 's/^go//')-alpine and the cgo toolchains (Debian's cross gcc and musl, zig)"
mapfile -t cgo_layers < <("$root/integration/testbed/cgo-rootfs.sh")
"$bin/slimfile-testbed" push-toolchain -registry "$registry" -cache "$cache/layers" "${cgo_layers[@]}" >&2

# start_buildkitd NAME ROOT SOCK KEEP starts a buildkitd named NAME (its pidfile,
# log and configuration in $state) with its state in ROOT, listening on
# SOCK, keeping KEEP of cache, unless it is running already.
start_buildkitd() {
  local name=$1 root=$2 sock=$3 keep=$4
  cat >"$state/$name.toml" <<TOML
root = "$root"
[grpc]
  address = ["unix://$sock"]
[worker.oci]
  enabled = true
  snapshotter = "overlayfs"
  gc = true
  gckeepstorage = "$keep"
[worker.containerd]
  enabled = false
[registry."docker.io"]
  mirrors = ["$registry"]
[registry."$registry"]
  http = true
  insecure = true
TOML
  running "$state/$name.pid" "--config $state/$name.toml" || rm -f "$sock"
  start "$name" "$state/$name.pid" buildkitd --config "$state/$name.toml" --oci-worker-net host
  wait_for "$name" buildctl --addr "unix://$sock" debug workers
}
sock="$state/buildkitd.sock"
bsock="$state/buildkitd-bench.sock"
esock="$state/buildkitd-empty.sock"
start_buildkitd buildkitd "$cache/buildkit" "$sock" 20GB
start_buildkitd buildkitd-bench "$cache/buildkit-bench" "$bsock" 10GB
start_buildkitd buildkitd-empty "$cache/buildkit-empty" "$esock" 5GB
export BUILDKIT_HOST="unix://$sock"

log "docker buildx builders \"slimfile\", \"slimfile-bench\" and \"slimfile-empty\" (remote driver)"
mkdir -p "$HOME/.docker/cli-plugins"
cmp -s "$bin/docker-buildx" "$HOME/.docker/cli-plugins/docker-buildx" 2>/dev/null ||
  cp "$bin/docker-buildx" "$HOME/.docker/cli-plugins/docker-buildx"
# Recreated each time so that they point at this test bed's sockets.
docker buildx rm slimfile >/dev/null 2>&1 || true
docker buildx create --name slimfile --driver remote "unix://$sock" >/dev/null
docker buildx rm slimfile-bench >/dev/null 2>&1 || true
docker buildx create --name slimfile-bench --driver remote "unix://$bsock" >/dev/null
docker buildx rm slimfile-empty >/dev/null 2>&1 || true
docker buildx create --name slimfile-empty --driver remote "unix://$esock" >/dev/null

log "docker engine ($(dockerd --version | sed 's/,.*//'))"
# dockerd on a socket, data-root, exec-root and pidfile of its own: no
# /var/run/docker.sock and no iptables rules (containers run with --network
# host). The docker0 bridge stays: the engine's BuildKit runs build steps on
# the "bridge" network ("network bridge not found" without it). The start
# helper's pidfile is not dockerd's own, which dockerd refuses to reuse while
# the pid in it is alive. Its containerd is the one it starts itself (unless
# a system containerd is running).
dsock="$state/docker.sock"
mkdir -p "$cache/docker" "$state/docker-exec"
cat >"$state/daemon.json.new" <<JSON
{
  "hosts": ["unix://$dsock"],
  "data-root": "$cache/docker",
  "exec-root": "$state/docker-exec",
  "pidfile": "$state/docker-exec/dockerd.pid",
  "iptables": false,
  "ip-masq": false,
  "ip-forward": false,
  "registry-mirrors": ["http://$registry"],
  "builder": {"gc": {"enabled": true, "defaultKeepStorage": "20GB"}}
}
JSON
if ! cmp -s "$state/daemon.json.new" "$state/daemon.json"; then
  # Most of these settings apply at start only.
  if running "$state/dockerd.pid" dockerd; then
    log "restarting dockerd: its configuration changed"
    pid=$(cat "$state/dockerd.pid")
    kill "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  mv "$state/daemon.json.new" "$state/daemon.json"
fi
rm -f "$state/daemon.json.new"
running "$state/dockerd.pid" dockerd || rm -f "$dsock"
start dockerd "$state/dockerd.pid" dockerd --config-file "$state/daemon.json"
wait_for dockerd docker -H "unix://$dsock" version
# Recreated each time so that it points at this test bed's socket.
docker context rm -f slimfile-engine >/dev/null 2>&1 || true
out=$(docker context create slimfile-engine --description "slimfile test bed dockerd" \
  --docker "host=unix://$dsock" 2>&1) || { echo "$out" >&2; exit 1; }

log "podman ($(podman --version | sed 's/^podman version //'))"
# Its own configuration, read through CONTAINERS_*_CONF (env file): the
# loopback registry is insecure (plain HTTP) and mirrors Docker Hub; images
# and containers live under the cache and state directories; no systemd
# here, so cgroupfs and a file event log. Podman raises RLIMIT_NOFILE and
# RLIMIT_NPROC to 1048576 by default, above the hard limits of this machine,
# which root cannot raise without CAP_SYS_RESOURCE: "crun: setrlimit
# `RLIMIT_NOFILE`: Operation not permitted"; hence default_ulimits (also
# --ulimit nofile=1024:1024 --ulimit nproc=N:N with N at most `ulimit -Hu`).
pconf="$state/podman"
mkdir -p "$pconf" "$cache/podman"
cat >"$pconf/registries.conf" <<CONF
unqualified-search-registries = ["docker.io"]

[[registry]]
location = "$registry"
insecure = true

[[registry]]
prefix = "docker.io"
location = "docker.io"

[[registry.mirror]]
location = "$registry"
insecure = true
CONF
cat >"$pconf/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$cache/podman"
runroot = "$pconf/run"
CONF
nproc=$(ulimit -Hu); [[ $nproc == unlimited || $nproc -gt 4096 ]] && nproc=4096
cat >"$pconf/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=$nproc:$nproc"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
# crun refuses a hybrid cgroup layout whose cgroup v2 hierarchy still holds
# controllers ("cgroups in hybrid mode not supported, drop all controllers
# from cgroupv2"). Here hugetlb has no v1 hierarchy, so it stays on v2; give
# each such unused controller its v1 hierarchy, as systemd does in hybrid mode.
if [[ $(stat -fc %T /sys/fs/cgroup) == tmpfs && -r /sys/fs/cgroup/unified/cgroup.controllers &&
      -z $(cat /sys/fs/cgroup/unified/cgroup.subtree_control 2>/dev/null) ]]; then
  for c in $(cat /sys/fs/cgroup/unified/cgroup.controllers); do
    mkdir -p "/sys/fs/cgroup/$c"
    mountpoint -q "/sys/fs/cgroup/$c" || mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"
  done
fi

# Built on the benchmark's buildkitd, not on the one the tests use. A
# builder that built an image and then runs it as a frontend holds it as
# the build's own result record (`buildctl du` lists the COPY step with
# type "frontend"), not as layers pulled from a registry: a BuildKit state
# no user's builder is in. CI once failed there: the first build's go build
# step found no /slimfile-frontend/bin/slimfile-go in its mount of that
# image, and BuildKit then reported a reference released twice. Pulled
# layers are committed snapshots; a build result may still be one that
# BuildKit commits on first writable use while another step mounts it.
log "frontend image $registry/slimfile:$tag"
buildctl --addr "unix://$bsock" build --progress=plain \
  --frontend dockerfile.v0 --local context="$root" --local dockerfile="$root" \
  --opt filename=Dockerfile.frontend \
  --output "type=image,name=$registry/slimfile:$tag,push=true,registry.insecure=true" \
  2>"$state/frontend-build.log" || { tail -n 40 "$state/frontend-build.log" >&2; exit 1; }

cat >"$state/env" <<ENV
export PATH="$bin:\$PATH"
export BUILDKIT_HOST="unix://$sock"
export SLIMFILE_REGISTRY="$registry"
export SLIMFILE_STATE="$state"
export SLIMFILE_FRONTEND="$registry/slimfile:$tag"
export BUILDX_BUILDER=slimfile
export SLIMFILE_BENCH_BUILDKIT_HOST="unix://$bsock"
export SLIMFILE_BENCH_BUILDX_BUILDER=slimfile-bench
export SLIMFILE_EMPTY_BUILDKIT_HOST="unix://$esock"
export SLIMFILE_EMPTY_BUILDX_BUILDER=slimfile-empty
export SLIMFILE_UPX_DIR="$upx"
export SLIMFILE_VULNDB_URL="http://$vulndb_addr"
export SLIMFILE_VULNDB_DIR="$vulndb/db"
export SLIMFILE_DOCKER_HOST="unix://$dsock"
export SLIMFILE_DOCKER_CONTEXT=slimfile-engine
export CONTAINERS_REGISTRIES_CONF="$pconf/registries.conf"
export CONTAINERS_STORAGE_CONF="$pconf/storage.conf"
export CONTAINERS_CONF="$pconf/containers.conf"
ENV
log "test bed ready: source $state/env"
echo "$state/env"
