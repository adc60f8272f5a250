#!/usr/bin/env bash
# deps.sh — install the Debian packages Flacon needs, only those missing.
# Usage: scripts/deps.sh [run|test|cluster|bench|fuzz|deb|image]   (what the packages are for)
set -eu
what=${1:-run}
pkgs=(make gcc libc6-dev pkg-config curl ca-certificates
      libfcgi-dev libmariadb-dev libjson-c-dev uuid-dev libsodium-dev
      mariadb-server mariadb-client nginx)
case $what in
test) pkgs+=(chromium fonts-dejavu-core valgrind libfcgi-bin galera-4 rsync
            dpkg-dev lintian debootstrap buildah podman openssl util-linux adduser
            python3-yaml prometheus) ;; # prometheus: promtool check metrics (e2e)
# A build machine: the compiler and -dev packages, never the services the
# package runs against (no mariadb-server, no nginx installed there).
deb) pkgs=(make gcc libc6-dev libfcgi-dev libmariadb-dev libjson-c-dev uuid-dev libsodium-dev
           dpkg-dev lintian) ;;
# The image compiles inside its build stage: only the tools that build it.
image) pkgs=(debootstrap buildah podman ca-certificates) ;;
cluster) pkgs+=(galera-4 rsync) ;;
# wrk; the bench's libfcgi ceilings (bench/ceiling_*.c) and examples/blog
# build with what every list has (gcc, pkg-config, libfcgi-dev, libmariadb-dev).
bench) pkgs+=(wrk) ;;
fuzz) pkgs+=(clang libclang-rt-dev) ;;
esac
missing=()
for p in "${pkgs[@]}"; do
	# any nginx flavour (nginx, nginx-light, nginx-full) will do.
	if [ "$p" = nginx ] && command -v nginx >/dev/null 2>&1; then continue; fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "$what" = test ]; then
	command -v node >/dev/null 2>&1 || missing+=(nodejs)
	command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# Installing mariadb-server or nginx must not start the system services:
# Flacon runs its own private instances.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod +x /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
