#!/usr/bin/env bash
# Runs a command inside the trixie root (scripts/trixie-root.sh) with this checkout mounted at
# /mnt/gatewayd as the working directory, on the host's network (127.0.0.1 is shared). The mounts
# live in a private mount namespace, so they vanish with the command however it ends.
#
# Usage: scripts/in-trixie.sh ROOT COMMAND [ARG...]
set -euo pipefail
root=${1:?usage: in-trixie.sh ROOT COMMAND [ARG...]}
shift
checkout=$(cd "$(dirname "$0")/.." && pwd)
export IN_TRIXIE_ROOT=$root IN_TRIXIE_CHECKOUT=$checkout
exec unshare --mount --propagation private -- bash -euc '
  mount -t proc proc "$IN_TRIXIE_ROOT/proc"
  mount --rbind /dev "$IN_TRIXIE_ROOT/dev"
  mkdir -p "$IN_TRIXIE_ROOT/mnt/gatewayd"
  mount --bind "$IN_TRIXIE_CHECKOUT" "$IN_TRIXIE_ROOT/mnt/gatewayd"
  exec chroot "$IN_TRIXIE_ROOT" /usr/bin/env -i \
    PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb \
    CI="${CI:-}" REDIS_URL="${REDIS_URL:-}" \
    /bin/sh -c "cd /mnt/gatewayd && exec \"\$@\"" sh "$@"
' in-trixie "$@"
