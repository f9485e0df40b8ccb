#!/usr/bin/env bash
# Starts deploy/compose.yaml with Debian's docker-compose (v1.29) against the image that
# scripts/test-image.sh builds (GATEWAYD_IMAGE, default gatewayd:ci) and tests it for real: the one
# command brings up the gateway, Redis and the example's services on their private network; a
# sign-up, login and authenticated call go through the gateway to the services; a service's
# webhook event is accepted (which needs Redis); the admin and metrics ports answer; `down`
# removes everything. Run after scripts/test-image.sh (.ci/run does).
#
# No image registry is reachable, so the Redis image is made locally from this machine's
# redis-server and the libraries it links (REDIS_IMAGE, default gatewayd-ci/redis:local).
# Ports are published on 127.0.0.1 only, on free ports.
#
# Prints one "ok"/"not ok" line per check and ends with "compose: N passed, N failed". Without a
# Docker engine or the image: a failure under CI=true, a skip elsewhere.
set -uo pipefail
cd "$(dirname "$0")/.."
SUITE=compose
# shellcheck source=scripts/lib/checks.sh
source scripts/lib/checks.sh

DOCKER=${DOCKER:-/usr/bin/docker}
IMAGE=${GATEWAYD_IMAGE:-gatewayd:ci}
REDIS_IMAGE=${REDIS_IMAGE:-gatewayd-ci/redis:local}
project=gatewaydcompose$$
work=$(mktemp -d)
started_dockerd=
up=

compose() { docker-compose -p "$project" -f deploy/compose.yaml "$@"; }
cleanup() {
  [ -n "$up" ] && compose down -v --timeout 10 >/dev/null 2>&1
  [ -n "$started_dockerd" ] && kill "$started_dockerd" 2>/dev/null && wait "$started_dockerd" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
unavailable() {
  echo "!!! $1" >&2
  echo "!!! deploy/compose.yaml was NOT tested" >&2
  if [ "${CI:-}" = true ]; then not_ok "compose prerequisites" "$1"; else echo "compose: skipped ($1)"; exit 0; fi
  finish
}

# --- the tools and the engine ---------------------------------------------------------------
need=()
if [ ! -x "$DOCKER" ] || ! command -v dockerd >/dev/null; then need+=(docker.io); fi
if ! command -v docker-compose >/dev/null; then need+=(docker-compose); fi
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$work/apt.log" 2>&1 ||
    unavailable "cannot install ${need[*]}: $(tail -3 "$work/apt.log")"
fi
if ! "$DOCKER" info >/dev/null 2>&1; then
  dockerd >"$work/dockerd.log" 2>&1 &
  started_dockerd=$!
  wait_for 30 "$DOCKER" info || unavailable "dockerd did not start: $(tail -5 "$work/dockerd.log")"
fi
"$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1 ||
  unavailable "no image $IMAGE: run scripts/test-image.sh first (it builds it)"
ok "$(docker-compose version --short 2>/dev/null | head -1 | sed 's/^/docker-compose /') with Docker $("$DOCKER" version --format '{{.Server.Version}}')"

# --- a Redis image from this machine's redis-server -------------------------------------------
if ! "$DOCKER" image inspect "$REDIS_IMAGE" >/dev/null 2>&1; then
  server=$(command -v redis-server) || unavailable "redis-server is needed to make $REDIS_IMAGE"
  mkdir -p "$work/redis-root/data" "$work/redis-root/tmp"
  # The binary and every library it links, at the same paths (the loader included).
  for f in "$server" $(ldd "$server" | grep -oE '/[^ ]+'); do
    mkdir -p "$work/redis-root$(dirname "$f")"
    cp -L "$f" "$work/redis-root$f"
  done
  ln -s "$server" "$work/redis-root/redis-server"
  tar -C "$work/redis-root" -c . | "$DOCKER" import --change 'ENV PATH=/usr/bin:/bin' \
    --change 'CMD ["redis-server"]' - "$REDIS_IMAGE" >/dev/null
fi
check "Redis image $REDIS_IMAGE" "$DOCKER" image inspect "$REDIS_IMAGE"

# --- one command up ----------------------------------------------------------------------------
export GATEWAYD_IMAGE=$IMAGE REDIS_IMAGE PUBLISH_ADDRESS=127.0.0.1
HTTP_PORT=$(free_port) ADMIN_PORT=$(free_port) METRICS_PORT=$(free_port) NOTIFICATION_PORT=$(free_port)
export HTTP_PORT ADMIN_PORT METRICS_PORT NOTIFICATION_PORT
JWT_SECRET=$(openssl rand -hex 32) WEBHOOK_AUTH_TOKEN=$(openssl rand -hex 24) ADMIN_TOKEN=$(openssl rand -hex 24)
export JWT_SECRET WEBHOOK_AUTH_TOKEN ADMIN_TOKEN
# The services run as the image's user (uid 1000) and read the checkout through the mount.
chmod -R a+rX examples

missing=$(env -u JWT_SECRET docker-compose -p "$project" -f deploy/compose.yaml config 2>&1 >/dev/null)
check "without JWT_SECRET compose refuses to start and says why" grep -q 'set JWT_SECRET' <<<"$missing"

t0=$(now_ms)
up=1
if compose up -d >"$work/up.log" 2>&1; then
  ok "docker-compose up -d ($(($(now_ms) - t0)) ms)"
else
  not_ok "docker-compose up -d" "$(tail -20 "$work/up.log")"
  finish
fi
gw="http://127.0.0.1:$HTTP_PORT"
if wait_for 60 bash -c "curl -sf $gw/health | grep -q health-service"; then
  ok "the gateway routes /health to the health service: $(($(now_ms) - t0)) ms after up"
else
  not_ok "the gateway routes /health to the health service within 60 s" "$(compose logs --tail 15 2>&1)"
fi

healthy() { # every container of the project with a health check reports healthy
  local states
  states=$("$DOCKER" ps -q --filter "label=com.docker.compose.project=$project" |
    xargs "$DOCKER" inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' | grep .)
  [ "$(grep -c . <<<"$states")" -eq 6 ] && ! grep -qv '^healthy$' <<<"$states"
}
if wait_for 45 healthy; then
  ok "the gateway and the five services report healthy"
else
  not_ok "the gateway and the five services report healthy within 45 s" "$("$DOCKER" ps -a --filter "label=com.docker.compose.project=$project" --format '{{.Names}} {{.Status}}')"
fi

# --- the example's flows through the gateway ---------------------------------------------------
check "sign-up through the gateway reaches the auth service" bash -c \
  "curl -sf -X POST $gw/auth/register -H 'Content-Type: application/json' \
     -d '{\"username\":\"alice\",\"password\":\"password123\"}' | grep -q '\"username\":\"alice\"'"
token=$(curl -s -X POST "$gw/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"alice","password":"password123"}' | jq -r .token)
me=$(curl -s "$gw/api/v1/users/me" -H "Authorization: Bearer $token")
check "a JWT from the auth service opens /api/v1/users/me at the user service" \
  bash -c "jq -e '.service == \"user-service\" and (.id | startswith(\"user-\"))' <<<'$me'"
check "without the token: 401" test "$(curl -s -o /dev/null -w '%{http_code}' "$gw/api/v1/users/me")" = 401
user_id=$(jq -r .id <<<"$me")
events=$(curl -s -X POST "http://127.0.0.1:$NOTIFICATION_PORT/users" -H 'Content-Type: application/json' \
  -d "{\"user_id\":\"$user_id\"}")
check "the notification service's webhook events are accepted (hub history in Redis): $events" \
  bash -c "jq -e '.welcome.status == 202 and .admin.status == 202' <<<'$events'"
check "the admin port answers with ADMIN_TOKEN" bash -c \
  "curl -sf http://127.0.0.1:$ADMIN_PORT/admin/websocket/statistics -H 'Authorization: Bearer $ADMIN_TOKEN' | jq -e '.published >= 2'"
check "the metrics port serves Prometheus text" bash -c \
  "curl -sf http://127.0.0.1:$METRICS_PORT/metrics | grep -q '^gatewayd_http_requests_total'"

t0=$(now_ms)
if compose down -v --timeout 30 >"$work/down.log" 2>&1; then
  up=
  ok "docker-compose down -v ($(($(now_ms) - t0)) ms)"
else
  not_ok "docker-compose down -v" "$(tail -10 "$work/down.log")"
fi
check "nothing of the project is left" test -z "$("$DOCKER" ps -aq --filter "label=com.docker.compose.project=$project")"

finish
