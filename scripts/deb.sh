#!/usr/bin/env bash
# deb.sh — `make deb`: build build-deb/flacon (hardened, reading
# /etc/flacon/flacon.conf) and package it with the files of conf/deb/,
# conf/systemd/, conf/production/ and conf/nginx/ as
# build-deb/flacon_VERSION_ARCH.deb. Prints the path of the .deb.
# The nginx site and its snippets are conffiles under /etc/nginx (never
# under /usr/share): `dpkg -r` keeps them, so a site the operator enabled
# still passes nginx -t; `dpkg --purge` deletes them and postrm the
# sites-enabled link to the site.
# Usage: scripts/deb.sh [OUT_DIR]   (default build-deb)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${1:-build-deb}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# Debian's hardening flags (relro, now, fortify, stack protector, PIE).
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cflags=$(dpkg-buildflags --get CFLAGS)
cppflags=$(dpkg-buildflags --get CPPFLAGS)
ldflags=$(dpkg-buildflags --get LDFLAGS)
make --no-print-directory -j"$(nproc)" BUILD="$OUT/obj" SYSCONF=/etc/flacon/flacon.conf OPT=-O2 \
	XCFLAGS="$cflags $cppflags" XLDLIBS="$ldflags" "$OUT/obj/flacon" >"$OUT/make.log" 2>&1 ||
	{ cat "$OUT/make.log" >&2; exit 1; }

VERSION=$(sed -n '1s/^flacon (\([^)]*\)).*/\1/p' conf/deb/changelog)
ARCH=$(dpkg --print-architecture)
P=$OUT/pkg
rm -rf "$P"
install -d "$P/DEBIAN" "$P/usr/bin" "$P/usr/share/flacon" "$P/etc/flacon" \
	"$P/lib/systemd/system" "$P/usr/share/doc/flacon" \
	"$P/etc/nginx/sites-available" "$P/etc/nginx/snippets"
install -m 0755 "$OUT/obj/flacon" "$P/usr/bin/flacon"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$P/usr/bin/flacon"
cp -r www/templates "$P/usr/share/flacon/templates"
cp -r www/static "$P/usr/share/flacon/static"
cp -r sql/migrations "$P/usr/share/flacon/migrations"
install -m 0644 conf/nginx/flacon.conf "$P/etc/nginx/sites-available/flacon"
install -m 0644 conf/nginx/flacon-headers.conf conf/nginx/flacon-headers-map.conf \
	conf/nginx/flacon-fastcgi.conf "$P/etc/nginx/snippets/"
install -m 0644 conf/production/flacon.conf "$P/etc/flacon/flacon.conf"
install -m 0644 conf/systemd/flacon.service "$P/lib/systemd/system/flacon.service"
install -m 0644 conf/systemd/flacon.socket "$P/lib/systemd/system/flacon.socket"
install -m 0644 conf/deb/copyright "$P/usr/share/doc/flacon/copyright"
install -m 0644 README.md "$P/usr/share/doc/flacon/README.md"
gzip -9n <conf/deb/changelog >"$P/usr/share/doc/flacon/changelog.Debian.gz"
chmod 0644 "$P/usr/share/doc/flacon/changelog.Debian.gz"
find "$P/usr/share" -type d -exec chmod 0755 {} +
find "$P/usr/share" -type f -exec chmod 0644 {} +
for s in postinst prerm postrm; do install -m 0755 "conf/deb/$s" "$P/DEBIAN/$s"; done
(cd "$P" && find etc -type f -printf '/%p\n' | sort) >"$P/DEBIAN/conffiles"

# The shared libraries the binary links, as Debian dependencies.
W=$OUT/shlibs
rm -rf "$W"
mkdir -p "$W/debian"
printf 'Source: flacon\n\nPackage: flacon\nArchitecture: any\n' >"$W/debian/control"
SHLIBS=$(cd "$W" && dpkg-shlibdeps -O -e "$P/usr/bin/flacon" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$SHLIBS" ] || { echo "deb: dpkg-shlibdeps found no dependency" >&2; exit 1; }
rm -rf "$W"

SIZE=$(du -sk --exclude=DEBIAN "$P" | cut -f1)
sed -e "s|@VERSION@|$VERSION|" -e "s|@ARCH@|$ARCH|" -e "s|@SIZE@|$SIZE|" -e "s|@SHLIBS@|$SHLIBS|" \
	conf/deb/control.in >"$P/DEBIAN/control"
(cd "$P" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$P/DEBIAN/md5sums"
chmod 0644 "$P/DEBIAN/control" "$P/DEBIAN/md5sums" "$P/DEBIAN/conffiles"

DEB=$OUT/flacon_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group -Zxz --build "$P" "$DEB" >/dev/null
echo "$DEB"
