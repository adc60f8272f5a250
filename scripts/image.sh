#!/usr/bin/env bash
# image.sh — `make image`: build the container image of Dockerfile as
# localhost/flacon (and its nginx stage as localhost/flacon-nginx) with
# buildah, FROM a Debian 12 base image made here by debootstrap from the
# Debian archive of /etc/apt/sources* (no image registry needed). The base
# is cached: var/image/debian-12.tar, imported as localhost/debian:12.
# Usage: scripts/image.sh [TAG]   (default localhost/flacon; also TAG-nginx
# and TAG-build, the build stage kept as the cache of the next build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TAG=${1:-localhost/flacon}
BASE=localhost/debian:12
CACHE=$ROOT/var/image
mkdir -p "$CACHE"

# The Debian mirror this machine installs from.
mirror() {
	local m
	m=$(grep -rhoE '^(deb +|URIs: *)(\[[^]]*\] *)?https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
		grep -oE 'https?://[^ ]+' | head -1)
	echo "${m:-http://deb.debian.org/debian}"
}

if ! podman image exists "$BASE"; then
	if [ ! -s "$CACHE/debian-12.tar" ]; then
		echo "image: debootstrap bookworm from $(mirror) (about a minute)..." >&2
		rm -rf "$CACHE/rootfs.tmp"
		debootstrap --variant=minbase bookworm "$CACHE/rootfs.tmp" "$(mirror)" >"$CACHE/debootstrap.log" 2>&1 ||
			{ tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
		rm -rf "$CACHE/rootfs.tmp/var/cache/apt/archives/"*.deb "$CACHE/rootfs.tmp/var/lib/apt/lists/"*
		tar -C "$CACHE/rootfs.tmp" -cf "$CACHE/debian-12.tar.new" .
		mv "$CACHE/debian-12.tar.new" "$CACHE/debian-12.tar"
		rm -rf "$CACHE/rootfs.tmp"
	fi
	podman import -q "$CACHE/debian-12.tar" "$BASE" >"$CACHE/import.log" 2>&1 || { cat "$CACHE/import.log" >&2; exit 1; }
fi

# --layers: a rebuild with unchanged sources reuses every step. The build
# stage is tagged too ($TAG-build), so that its cached layers are kept, and
# what a rebuild supersedes is removed (with its untagged parent layers), so
# that repeated builds do not pile up images.
bud() {
	buildah bud --isolation chroot --layers --build-arg BASE="$BASE" "$@" .
}
image_id() { podman image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
declare -A before
for t in "$TAG" "$TAG-nginx" "$TAG-build"; do before[$t]=$(image_id "$t"); done
echo "image: building $TAG (Dockerfile, FROM $BASE)..." >&2
bud --target build -t "$TAG-build" >"$CACHE/build-stage.log" 2>&1 || { tail -40 "$CACHE/build-stage.log" >&2; exit 1; }
bud --target nginx -t "$TAG-nginx" >"$CACHE/build-nginx.log" 2>&1 || { tail -40 "$CACHE/build-nginx.log" >&2; exit 1; }
bud -t "$TAG" >"$CACHE/build.log" 2>&1 || { tail -40 "$CACHE/build.log" >&2; exit 1; }
for t in "$TAG" "$TAG-nginx" "$TAG-build"; do
	old=${before[$t]}
	if [ -n "$old" ] && [ "$old" != "$(image_id "$t")" ]; then
		podman rmi "$old" >/dev/null 2>&1 || true   # still used by a container: kept
	fi
done
echo "$TAG"
