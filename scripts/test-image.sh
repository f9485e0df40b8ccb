#!/usr/bin/env bash
# Builds the container image and tests it for real: /health and the quickstart, a non-root uid
# with a read-only root filesystem, the HEALTHCHECK following the config's port, a live edit of a
# mounted config directory, SIGHUP reloading a single-file mount, and `docker stop` draining
# requests under way. Installs and starts a Docker engine when there is none, and makes the base
# image locally (no image registry is reachable): the trixie root of scripts/trixie-root.sh with
# Node.js 24, tagged as the Dockerfile's FROM name.
#
# Prints one "ok"/"not ok" line per check and ends with "image: N passed, N failed". Where the
# engine cannot start it says so loudly: a failure under CI=true, a skip elsewhere.
# Containers use the host's network and 127.0.0.1 only.
set -uo pipefail
cd "$(dirname "$0")/.."
SUITE=image
# shellcheck source=scripts/lib/checks.sh
source scripts/lib/checks.sh

# docker.io's own client: a newer one earlier on PATH may need buildx, which Debian 12 lacks.
DOCKER=${DOCKER:-/usr/bin/docker}
IMAGE=${GATEWAYD_IMAGE:-gatewayd:ci}
run_id=gatewayd-image-test-$$
work=$(mktemp -d)
started_dockerd=
upstream_pid=

cleanup() {
  for c in $("$DOCKER" ps -aq --filter "name=$run_id" 2>/dev/null); do "$DOCKER" rm -f "$c" >/dev/null 2>&1; done
  [ -n "$upstream_pid" ] && kill "$upstream_pid" 2>/dev/null
  [ -n "$started_dockerd" ] && kill "$started_dockerd" 2>/dev/null && wait "$started_dockerd" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
engine_unavailable() {
  echo "!!! $1" >&2
  echo "!!! the container image was NOT tested" >&2
  if [ "${CI:-}" = true ]; then not_ok "Docker engine available" "$1"; else echo "image: skipped (no Docker engine)"; exit 0; fi
  finish
}

# --- the engine ----------------------------------------------------------------------------
if [ ! -x "$DOCKER" ] || ! command -v dockerd >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends docker.io; } >"$work/apt.log" 2>&1 ||
    engine_unavailable "cannot install docker.io: $(tail -3 "$work/apt.log")"
fi
if ! "$DOCKER" info >/dev/null 2>&1; then
  dockerd >"$work/dockerd.log" 2>&1 &
  started_dockerd=$!
  wait_for 30 "$DOCKER" info || engine_unavailable "dockerd did not start: $(tail -5 "$work/dockerd.log")"
fi
ok "Docker engine $("$DOCKER" version --format '{{.Server.Version}}') answers"

# --- the base image, then the image -------------------------------------------------------
base=$(sed -nE 's/^FROM ([^ ]+).*/\1/p' Dockerfile | head -1)
t0=$(now_ms)
root=$(scripts/trixie-root.sh) || engine_unavailable "cannot make the trixie root"
stamp=$(cat "$root/.gatewayd-root")
if [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "gatewayd.root"}}' "$base" 2>/dev/null)" != "$stamp" ]; then
  tar -C "$root" --exclude=./mnt/gatewayd --exclude=./.gatewayd-root -c . |
    "$DOCKER" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["node"]' --change "LABEL gatewayd.root=\"$stamp\"" - "$base" >/dev/null
fi
check "base image $base made from the trixie root ($(($(now_ms) - t0)) ms)" "$DOCKER" image inspect "$base"

t0=$(now_ms)
secret=()
cafile=$(npm config get cafile 2>/dev/null)
[ -s "$cafile" ] || cafile=${NODE_EXTRA_CA_CERTS:-}
[ -s "$cafile" ] && secret=(--secret "id=npmca,src=$cafile")
if DOCKER_BUILDKIT=1 "$DOCKER" build --network host "${secret[@]}" -t "$IMAGE" . >"$work/build.log" 2>&1; then
  size=$("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE")
  ok "image $IMAGE builds ($(($(now_ms) - t0)) ms, $((size / 1000000)) MB)"
else
  not_ok "image $IMAGE builds" "$(tail -30 "$work/build.log")"
  finish
fi
binaries=$("$DOCKER" run --rm --user root --entrypoint sh "$IMAGE" -c "find / -xdev -name 'uws_*.node' | sort | xargs -n1 basename")
check "only the linux x64 and arm64 uWS binaries of Node 24 are kept" \
  test "$binaries" = "$(printf 'uws_linux_arm64_137.node\nuws_linux_x64_137.node')"

# --- the quickstart, as the image comes ---------------------------------------------------
port=$(free_port)
t0=$(now_ms)
"$DOCKER" run -d --name "$run_id-quickstart" --network host --read-only --health-interval 1s \
  -e PORT="$port" -e BIND_ADDRESS=127.0.0.1 "$IMAGE" >/dev/null
if wait_for 20 curl -sf "http://127.0.0.1:$port/health"; then
  ok "container start to first 200 on /health: $(($(now_ms) - t0)) ms"
else
  not_ok "the quickstart answers /health" "$("$DOCKER" logs "$run_id-quickstart" 2>&1 | tail -10)"
fi
check "the quickstart answers / and /hello" bash -c \
  "curl -sf http://127.0.0.1:$port/ | grep -q 'gatewayd quickstart' && curl -sf http://127.0.0.1:$port/hello | grep -q Hello"
uid=$("$DOCKER" exec "$run_id-quickstart" sh -c "awk '/^Uid:/ {print \$2}' /proc/1/status")
check "gatewayd runs as uid $uid, not root" test "${uid:-0}" -ne 0
check "the root filesystem is read-only" bash -c "! $DOCKER exec $run_id-quickstart touch /app/written 2>/dev/null"
check "the uWS v20.57 build serves" bash -c "$DOCKER logs $run_id-quickstart 2>&1 | grep -q '\"uws\":\"uWS v20.57\"'"
health() { [ "$("$DOCKER" inspect -f '{{.State.Health.Status}}' "$1")" = healthy ]; }
check "HEALTHCHECK reports healthy" wait_for 15 health "$run_id-quickstart"

# --- a mounted config directory: port from the config, live edits, draining stop -----------
upstream_port=$(free_port)
node -e "
  const http = require('http');
  http.createServer((req, res) => { console.log(req.url); setTimeout(() => res.end('slow'), 1500); })
    .listen($upstream_port, '127.0.0.1');
" >"$work/upstream.log" 2>&1 &
upstream_pid=$!
dir_port=$(free_port)
mkdir -p "$work/config" "$work/single"
config() { # config PORT VERSION
  cat <<EOF
server:
  http_port: $1
  bind_address: 127.0.0.1
  timeouts: { shutdown_timeout: 15s }
routes:
  - path: /version
    direct_response: { status: 200, body: $2 }
  - path: /slow
    upstream: slow
upstreams:
  slow:
    discovery: { type: Static, endpoints: ["http://127.0.0.1:$upstream_port"] }
EOF
}
config "$dir_port" v1 >"$work/config/gateway.yaml"
chmod -R a+rX "$work"
"$DOCKER" run -d --name "$run_id-dir" --network host --read-only --health-interval 1s \
  -v "$work/config:/etc/gatewayd:ro" "$IMAGE" >/dev/null
wait_for 20 curl -sf "http://127.0.0.1:$dir_port/version"
check "HEALTHCHECK follows the mounted config's http_port ($dir_port)" wait_for 15 health "$run_id-dir"

# An editor's save: a new file renamed over the old one.
config "$dir_port" v2 >"$work/config/.gateway.yaml.swp"
mv "$work/config/.gateway.yaml.swp" "$work/config/gateway.yaml"
t0=$(now_ms)
if wait_for 1 bash -c "curl -sf http://127.0.0.1:$dir_port/version | grep -qx v2"; then
  ok "an edit in the mounted config directory is live in $(($(now_ms) - t0)) ms"
else
  not_ok "an edit in the mounted config directory is live within 1 s"
fi

requests=20
clients=()
for i in $(seq "$requests"); do
  curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 "http://127.0.0.1:$dir_port/slow" >"$work/slow.$i" &
  clients+=($!)
done
wait_for 10 bash -c "[ \$(grep -c /slow $work/upstream.log) -ge $requests ]"
t0=$(now_ms)
"$DOCKER" stop -t 30 "$run_id-dir" >/dev/null
drain_ms=$(($(now_ms) - t0))
wait "${clients[@]}"
answered=$(cat "$work"/slow.* | grep -c '^200$')
check "docker stop drained $requests requests under way: $answered answered 200 (stop took $drain_ms ms)" \
  test "$answered" -eq "$requests"
code=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$run_id-dir")
check "the drained container exited 0 (exit code $code) within the 15 s drain timeout" \
  test "$code" -eq 0 -a "$drain_ms" -lt 15000

# --- a single-file mount: writes in place need SIGHUP ---------------------------------------
file_port=$(free_port)
config "$file_port" v1 >"$work/single/gateway.yaml"
chmod a+r "$work/single/gateway.yaml"
"$DOCKER" run -d --name "$run_id-file" --network host --read-only \
  -v "$work/single/gateway.yaml:/etc/gatewayd/gateway.yaml:ro" "$IMAGE" >/dev/null
wait_for 20 curl -sf "http://127.0.0.1:$file_port/version"
# Written in place (the same inode): a rename would leave the mount on the old file for good.
config "$file_port" v2 >"$work/single.new"
cat "$work/single.new" >"$work/single/gateway.yaml"
"$DOCKER" kill -s HUP "$run_id-file" >/dev/null
t0=$(now_ms)
if wait_for 1 bash -c "curl -sf http://127.0.0.1:$file_port/version | grep -qx v2"; then
  ok "docker kill -s HUP reloads a single-file mount in $(($(now_ms) - t0)) ms"
else
  not_ok "docker kill -s HUP reloads a single-file mount within 1 s" "$("$DOCKER" logs "$run_id-file" 2>&1 | tail -5)"
fi
# Log lines leave in batches of up to 100 ms: the reload can be served before its line is out.
check "the reload was the SIGHUP's" \
  wait_for 2 bash -c "$DOCKER logs $run_id-file 2>&1 | grep -q '\"reason\":\"SIGHUP\"'"

finish
