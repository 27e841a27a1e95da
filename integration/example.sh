#!/usr/bin/env bash
# The main job, end to end: bring up the local BuildKit test bed, build
# examples/hello from its Slimfile with `docker buildx build` for
# linux/amd64 and linux/arm64, then run each platform's image (unpacked,
# chrooted, as its non-root user; arm64 through qemu-user) and serve one
# HTTP request from the amd64 image.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
env_file=$("$root/integration/testbed/up.sh")
# shellcheck disable=SC1090
source "$env_file"
out="$root/out"
mkdir -p "$out"
cd "$root/examples/hello"
# The example names the test bed's frontend in its syntax line; BUILDKIT_SYNTAX
# points it at this run's frontend should the registry address differ.
docker buildx build --builder slimfile -f Slimfile \
  --build-arg "BUILDKIT_SYNTAX=$SLIMFILE_FRONTEND" \
  --platform linux/amd64,linux/arm64 \
  --output "type=oci,dest=$out/hello.tar" .
for p in linux/amd64 linux/arm64; do
  echo "--- $p"
  slimfile-testbed run -oci "$out/hello.tar" -platform "$p" -- -self-test
done
echo "--- linux/amd64 serving on 127.0.0.1:18080"
slimfile-testbed run -oci "$out/hello.tar" -platform linux/amd64 -- -addr 127.0.0.1:18080 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:18080/time?tz=Asia/Tokyo" 2>/dev/null && break; sleep 0.2; done
kill -TERM "$server"; wait "$server" || true
trap - EXIT
echo "image: $out/hello.tar (OCI layout)"
