#!/usr/bin/env bash
# tests/deploy/run.sh — the deploy: suite (SPEC 13): what an operator
# installs, tried for real on this machine.
#
#  * the production nginx site (conf/nginx/flacon.conf) with only its paths,
#    ports and upstream rewritten into a temporary directory: nginx -t, TLS,
#    the redirect from plain HTTP, gzip, the access log, the security
#    headers on nginx's own answers, limit_req, failover between hosts;
#  * the Debian package: make deb's scripts/deb.sh, lintian, dpkg -i on this
#    machine, the installed binary run as the flacon user the way
#    flacon.service runs it, through the production site, then dpkg --purge;
#  * the container image: scripts/image.sh (buildah FROM a debootstrapped
#    Debian 12), its processes run with `buildah run --isolation chroot`
#    (the way it can be run here) on the host's loopback.
#
# Called by tests/run.sh from the repository root while its MariaDB runs
# (FLACON_TEST_TMP, FLACON_TEST_DB_DIR; the dev stack's socket for the
# first part). Needs root: it installs a package system-wide, and removes
# it (and the flacon user, when it created it) on every exit path.
# Prints one line per test and "deploy: N passed, M failed" on stdout.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
source scripts/stack.sh

T=${FLACON_TEST_TMP:?run through tests/run.sh}
DBDIR=${FLACON_TEST_DB_DIR:?run through tests/run.sh}
DBSOCK=$(cat "$DBDIR/socket-path" 2>/dev/null || echo "$DBDIR/mysqld.sock")
STACK_SOCK=$T/flacon.sock
D=$T/deploy
mkdir -p "$D"
head -c $((3 << 20)) /dev/zero >"$D/body-3m"   # far over any client_max_body_size here
KEY="deploy-test-key-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"

passed=0
failed=0
CUR=""
fail() {
	echo "deploy: $CUR: $*" >&2
	return 1
}
run_test() {
	CUR=$1
	local t0=$SECONDS
	if "$1"; then
		passed=$((passed + 1))
		echo "ok   $1 ($((SECONDS - t0)) s)"
	else
		failed=$((failed + 1))
		echo "FAIL $1 ($((SECONDS - t0)) s)"
	fi
}

sql() { mariadb --no-defaults --socket="$DBSOCK" -uroot -N -B -e "$1"; }

# descendants PID — every process below PID.
descendants() {
	local c
	for c in $(ps -o pid= --ppid "$1"); do
		echo "$c"
		descendants "$c"
	done
}

# ---- what this suite starts, and how it is undone ---------------------------
NGINX_DIRS=()
FLACON_PIDS=()      # flacon masters started here
BUILDAH_PIDS=()     # `buildah run` processes started here
CONTAINERS=()
PKG_INSTALLED=""
USER_CREATED=""
SITE_LINK_CREATED=""   # /etc/nginx/sites-enabled/flacon, made as an operator would
SSL_DIR_CREATED=""     # /etc/ssl/flacon with the throw-away certificate
NGINX_LOGS_NEW=()      # /var/log/nginx files that the host's nginx -t created

cleanup() {
	local p d
	for p in "${FLACON_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	# A `buildah run` in the background is a subshell, then buildah and its
	# chroot runtime: SIGTERM goes to the flacon master under them (which
	# takes its workers along), and whatever is left is killed.
	for p in "${BUILDAH_PIDS[@]}"; do
		for d in $(descendants "$p"); do
			[ "$(ps -o comm= -p "$d" 2>/dev/null)" = flacon ] && kill -TERM "$d" 2>/dev/null
		done
	done
	for p in "${FLACON_PIDS[@]}" "${BUILDAH_PIDS[@]}"; do
		for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		for d in $(descendants "$p"); do kill -KILL "$d" 2>/dev/null; done
		kill -KILL "$p" 2>/dev/null
	done
	for p in "${NGINX_DIRS[@]}"; do nginx_stop "$p"; done
	for p in "${CONTAINERS[@]}"; do buildah rm "$p" >/dev/null 2>&1; done
	if [ -n "$PKG_INSTALLED" ]; then
		dpkg --purge flacon >"$D/purge-at-exit.log" 2>&1 || cat "$D/purge-at-exit.log" >&2
	fi
	[ -n "$SITE_LINK_CREATED" ] && [ -L /etc/nginx/sites-enabled/flacon ] && rm -f /etc/nginx/sites-enabled/flacon
	[ -n "$SSL_DIR_CREATED" ] && rm -rf /etc/ssl/flacon
	for p in "${NGINX_LOGS_NEW[@]}"; do rm -f "$p"; done
	if [ -n "$USER_CREATED" ] && getent passwd flacon >/dev/null; then
		userdel flacon 2>/dev/null
		getent group flacon >/dev/null && groupdel flacon 2>/dev/null
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- helpers -------------------------------------------------------------------

# headers FILE CURL_ARGS... — the response headers (lower-cased names) of
# one request into FILE; prints the status.
headers() {
	local f=$1
	shift
	curl -sk -m 10 -o /dev/null -D - "$@" | tr -d '\r' >"$f.raw"
	awk 'NR == 1 {print; next} /^[^:]+:/ {i = index($0, ":"); print tolower(substr($0, 1, i - 1)) substr($0, i)}' \
		"$f.raw" >"$f"
	awk 'NR == 1 {print $2}' "$f"
}
# header_count FILE NAME
header_count() { grep -c "^$(echo "$2" | tr 'A-Z' 'a-z'):" "$1"; }
header_value() { sed -n "s/^$(echo "$2" | tr 'A-Z' 'a-z'): *//p" "$1" | head -1; }

# security_headers_once FILE WHAT — X-Content-Type-Options, X-Frame-Options
# and Content-Security-Policy present exactly once each.
security_headers_once() {
	local f=$1 what=$2 h n
	for h in X-Content-Type-Options X-Frame-Options Content-Security-Policy; do
		n=$(header_count "$f" "$h")
		[ "$n" = 1 ] || { fail "$what: $h appears $n times"; cat "$f" >&2; return 1; }
	done
	[ "$(header_value "$f" X-Frame-Options)" = DENY ] || fail "$what: X-Frame-Options is not DENY" || return 1
	[ "$(header_value "$f" X-Content-Type-Options)" = nosniff ] || fail "$what: no nosniff" || return 1
	header_value "$f" Content-Security-Policy | grep -q "default-src 'self'" ||
		fail "$what: CSP without default-src 'self'" || return 1
}

# wait_ok URL — poll (10 s at most) until URL answers 200 (TLS unverified).
wait_ok() {
	local st
	for _ in $(seq 1 100); do
		st=$(curl -sk -m 2 -o /dev/null -w '%{http_code}' "$1")
		[ "$st" = 200 ] && return 0
		sleep 0.1
	done
	return 1
}

# A port on 127.0.0.1 that nobody listens on (a dead upstream host).
dead_port() { free_port; }

# A throw-away self-signed certificate for the TLS server.
make_cert() {
	[ -s "$D/ssl/fullchain.pem" ] && return 0
	mkdir -p "$D/ssl"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=flacon.example.org \
		-keyout "$D/ssl/privkey.pem" -out "$D/ssl/fullchain.pem" >"$D/ssl/openssl.log" 2>&1
}

# prod_site NAME SHARE UPSTREAM_LINES — write $D/NAME/nginx.conf: the
# shipped conf/nginx/flacon.conf (or SITE) inside a minimal main conf,
# with only these rewritten: listen → 127.0.0.1 on free ports (HTTP_PORT,
# TLS_PORT set), the certificate, the log directory, /usr/share/flacon →
# SHARE, /etc/nginx/snippets → SNIPPETS (default: the repository's
# conf/nginx) and the upstream's server lines → UPSTREAM_LINES.
prod_site() {
	local name=$1 share=$2 upstream=$3 site=${SITE:-conf/nginx/flacon.conf}
	local snippets=${SNIPPETS:-$ROOT/conf/nginx}
	local dir=$D/$name
	mkdir -p "$dir/log" "$dir/tmp" "$dir/acme"
	make_cert || return 1
	HTTP_PORT=$(free_port)
	TLS_PORT=$(free_port)
	while [ "$TLS_PORT" = "$HTTP_PORT" ]; do TLS_PORT=$(free_port); done
	local up
	up=$(printf '%s' "$upstream" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g')
	sed -e "s|^\(\s*\)listen 80;|\1listen 127.0.0.1:$HTTP_PORT;|" \
	    -e "s|^\(\s*\)listen 443 ssl http2;|\1listen 127.0.0.1:$TLS_PORT ssl http2;|" \
	    -e '/^\s*listen \[::\]/d' \
	    -e "s|/etc/ssl/flacon/|$D/ssl/|g" -e "s|/var/log/nginx/|$dir/log/|g" \
	    -e "s|/var/www/html|$dir/acme|g" -e "s|/usr/share/flacon/|$share/|g" \
	    -e "s|/etc/nginx/snippets/|$snippets/|g" \
	    -e '/^\s*server [0-9.]*:9000 /d' \
	    -e "s|^upstream flacon {|upstream flacon {\\n$up|" \
	    "$site" >"$dir/site.conf" || { fail "could not rewrite $site"; return 1; }
	grep -q "^upstream flacon {" "$dir/site.conf" && grep -q "listen 127.0.0.1:$TLS_PORT ssl" "$dir/site.conf" ||
		{ fail "the rewritten site lacks its upstream or TLS listener"; return 1; }
	# The snippets are included from SNIPPETS; nothing else to rewrite.
	local user_line=""
	[ "$(id -u)" = 0 ] && user_line="user root root;"
	cat >"$dir/nginx.conf" <<EOF
# The part of Debian's /etc/nginx/nginx.conf a site relies on.
$user_line
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/log/error.log warn;
events { worker_connections 512; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path $dir/tmp/body;
    fastcgi_temp_path $dir/tmp/fastcgi;
    proxy_temp_path $dir/tmp/proxy;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    include $dir/site.conf;
}
EOF
}

prod_nginx_start() {
	local dir=$D/$1
	nginx -t -q -e "$dir/log/error.log" -p "$dir" -c "$dir/nginx.conf" 2>"$dir/nginx-t.log" ||
		{ fail "nginx -t: $(cat "$dir/nginx-t.log")"; return 1; }
	nginx -e "$dir/log/error.log" -p "$dir" -c "$dir/nginx.conf" || { fail "nginx did not start"; return 1; }
	NGINX_DIRS+=("$dir")
	for _ in $(seq 1 50); do [ -s "$dir/nginx.pid" ] && return 0; sleep 0.1; done
	fail "nginx wrote no pid"
}

# hardened FILE WHAT — the marks of dpkg-buildflags' hardening=+all on an
# executable, what Debian's hardening-check (devscripts) looks at: PIE,
# relro with immediate binding (BIND_NOW), the stack protector
# (__stack_chk_fail) and fortified libc calls (__*_chk). Prints the
# fortified functions found.
hardened() {
	local f=$1 what=$2 syms chk
	[ -s "$f" ] || fail "$what: no such file $f" || return 1
	readelf -hW "$f" | grep -qE 'Type:\s*DYN' || fail "$what: not PIE" || return 1
	readelf -lW "$f" | grep -q GNU_RELRO || fail "$what: no relro (GNU_RELRO)" || return 1
	readelf -dW "$f" | grep -qE '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*\bNOW\b' ||
		fail "$what: no immediate binding (BIND_NOW): -Wl,-z,now missing" || return 1
	syms=$(readelf --dyn-syms -W "$f")
	grep -q ' __stack_chk_fail' <<<"$syms" || fail "$what: no stack protector (__stack_chk_fail)" || return 1
	chk=$(grep -oE ' __[a-z0-9_]+_chk' <<<"$syms" | grep -v '__stack_chk$' | sort -u | tr -d ' ' | tr '\n' ' ')
	[ -n "$chk" ] || fail "$what: no fortified call (__*_chk): _FORTIFY_SOURCE missing" || return 1
	echo "deploy: $what: PIE, relro, BIND_NOW, __stack_chk_fail, fortified: $chk" >&2
}

# compose_service SERVICE — its settings from compose.yaml as CS_* (see
# tests/deploy/compose_service.py).
compose_service() {
	local out
	out=$(python3 tests/deploy/compose_service.py compose.yaml "$1") || { fail "compose.yaml: no service $1"; return 1; }
	eval "$out"
}

# as_compose SERVICE IMAGE BODY [HOST:CTR[:ro]...] — a container of IMAGE
# set up the way compose sets up SERVICE (compose_service), in mount and
# network namespaces of its own (nothing but a loopback): the root file
# system read-only when read_only, the tmpfs mounts, the secrets' files at
# /run/secrets/NAME (CS_SECRETS, which the caller may point at files of
# its own), the extra bind mounts, a /etc/hosts naming the other services
# 127.0.0.1. BIND runs there (bash, on the host's side of the chroot);
# `ctr CMD...` in it runs CMD in the container as the service would: the
# image's user, no capabilities but cap_add when cap_drop is ALL,
# no-new-privileges, the service's environment only. Sets CTR_ROOT.
as_compose() {
	local svc=$1 image=$2 body=$3
	shift 3
	local ctr user uid gid
	ctr=$(buildah from --pull-never --name "flacon-deploy-compose-$svc-$$" "$image" 2>"$D/from-$svc.err") ||
		{ fail "buildah from $image: $(cat "$D/from-$svc.err")"; return 1; }
	CONTAINERS+=("$ctr")
	CTR_ROOT=$(buildah mount "$ctr") || { fail "buildah mount"; return 1; }
	user=$(buildah inspect --format '{{.OCIv1.Config.User}}' "$image")
	uid=$(chroot "$CTR_ROOT" id -u "${user:-root}") && gid=$(chroot "$CTR_ROOT" id -g "${user:-root}") ||
		{ fail "no user ${user:-root} in $image"; return 1; }
	local sp=(--no-new-privs)
	[ -n "$CS_NNP" ] || sp=()
	if [ "$uid" != 0 ]; then sp+=(--reuid="$uid" --regid="$gid" --clear-groups); fi
	if [[ " ${CS_CAP_DROP[*]} " == *" ALL "* ]]; then
		local caps="-all" c
		for c in "${CS_CAP_ADD[@]}"; do caps="$caps,+$(tr 'A-Z' 'a-z' <<<"$c")"; done
		sp+=(--bounding-set="$caps" --inh-caps=-all)
	fi
	# Mount points, made before the root goes read-only.
	local m t h c binds=()
	for m in "${CS_SECRETS[@]}"; do binds+=("${m#*=}:/run/secrets/${m%%=*}:ro"); done
	binds+=("$@")
	printf '127.0.0.1 localhost db flacon nginx\n' >"$D/hosts-$svc"
	binds+=("$D/hosts-$svc:/etc/hosts:ro")
	# The image's environment, then the service's (which wins).
	local ns_env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin) img_env
	img_env=$(buildah inspect --format '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' "$image" | grep -v '^PATH=' | grep -v '^$')
	[ -n "$img_env" ] && mapfile -t -O ${#ns_env[@]} ns_env <<<"$img_env"
	ns_env+=("${CS_ENV[@]}")
	local R=$CTR_ROOT RO=$CS_READ_ONLY TMPFS=("${CS_TMPFS[@]}") SP=("${sp[@]}") ENVV=("${ns_env[@]}") BINDS=("${binds[@]}")
	ns_setup() {
		set -e
		ip link set lo up
		local t b h c o
		mount --bind "$R" "$R"
		[ -z "$RO" ] || mount -o remount,bind,ro "$R"
		mount -t proc proc "$R/proc"
		mount --bind /dev "$R/dev"
		for t in "${TMPFS[@]}"; do mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R$t"; done
		for b in "${BINDS[@]}"; do
			IFS=: read -r h c o <<<"$b"
			if [ ! -e "$R$c" ]; then   # under a tmpfs
				if [ -d "$h" ]; then mkdir -p "$R$c"; else mkdir -p "$(dirname "$R$c")"; : >"$R$c"; fi
			fi
			mount --bind "$h" "$R$c"
			[ "$o" != ro ] || mount -o remount,bind,ro "$R$c"
		done
		set +e
	}
	ctr() { chroot "$R" /usr/bin/setpriv "${SP[@]}" -- /usr/bin/env -i "${ENVV[@]}" "$@"; }
	# The same in place of the calling (sub)shell: `ctr_exec CMD &` makes $!
	# the service's own process.
	ctr_exec() { exec chroot "$R" /usr/bin/setpriv "${SP[@]}" -- /usr/bin/env -i "${ENVV[@]}" "$@"; }
	mkdir -p "$R/proc" "$R/dev"
	# Mount points under a path that is not a tmpfs: made now, in the
	# container's own (writable) layer, as a runtime does.
	for m in "${binds[@]}"; do
		IFS=: read -r h c _ <<<"$m"
		local under=""
		for t in "${CS_TMPFS[@]}"; do [[ "$c" == "$t"/* ]] && under=1; done
		[ -n "$under" ] || [ -e "$R$c" ] && continue
		if [ -d "$h" ]; then mkdir -p "$R$c"; else mkdir -p "$(dirname "$R$c")"; : >"$R$c"; fi
	done
	unshare --mount --net --propagation private -- bash -c "$(declare -p R RO TMPFS SP ENVV BINDS D); $(declare -f ns_setup ctr ctr_exec fail); CUR=$CUR; ns_setup || exit 99; $body"
}

# The repository laid out as /usr/share/flacon is (static/, nginx/).
REPO_SHARE=$D/share
mkdir -p "$REPO_SHARE"
ln -sfn "$ROOT/www/static" "$REPO_SHARE/static"
ln -sfn "$ROOT/conf/nginx" "$REPO_SHARE/nginx"

# =============================================================================
# 1. The production nginx site, in front of the test stack's workers
# =============================================================================
DEAD=$(dead_port)
A=site

test_production_site_passes_nginx_t() {
	prod_site $A "$REPO_SHARE" "    server 127.0.0.1:$DEAD max_fails=1 fail_timeout=30s;
    server unix:$STACK_SOCK max_fails=1 fail_timeout=30s;" || return 1
	nginx -t -e "$D/$A/log/error.log" -p "$D/$A" -c "$D/$A/nginx.conf" >"$D/$A/nginx-t.out" 2>&1 ||
		{ fail "$(cat "$D/$A/nginx-t.out")"; return 1; }
	grep -q "test is successful" "$D/$A/nginx-t.out" || fail "$(cat "$D/$A/nginx-t.out")" || return 1
	prod_nginx_start $A || return 1
	A_HTTP=$HTTP_PORT
	A_TLS=$TLS_PORT
	wait_ok "https://127.0.0.1:$A_TLS/healthz" || fail "no 200 from https://127.0.0.1:$A_TLS/healthz"
}

test_production_site_redirects_plain_http_to_https() {
	local st
	st=$(headers "$D/h-redirect" "http://127.0.0.1:$A_HTTP/articles?page=2")
	[ "$st" = 301 ] || fail "GET over plain HTTP: $st, not 301" || return 1
	header_value "$D/h-redirect" Location | grep -q '^https://[^/]*/articles?page=2$' ||
		fail "Location: $(header_value "$D/h-redirect" Location)" || return 1
	security_headers_once "$D/h-redirect" "the redirect"
}

test_nginx_own_answers_carry_security_headers_and_hsts() {
	local st f=$D/h-own
	# A static file, nginx's 404 for a missing one, nginx's 404 for a
	# benchmark route, nginx's 413 for a body far over client_max_body_size.
	st=$(headers "$f-static" "https://127.0.0.1:$A_TLS/static/style.css")
	[ "$st" = 200 ] || fail "static file: $st" || return 1
	security_headers_once "$f-static" "static file" || return 1
	st=$(headers "$f-404" "https://127.0.0.1:$A_TLS/static/no-such-file.css")
	[ "$st" = 404 ] || fail "missing static file: $st" || return 1
	security_headers_once "$f-404" "nginx's 404" || return 1
	st=$(headers "$f-413" -X POST -H 'Content-Type: application/json' --data-binary "@$D/body-3m" \
		"https://127.0.0.1:$A_TLS/api/articles")
	[ "$st" = 413 ] || fail "3 MiB body: $st, not nginx's 413" || return 1
	security_headers_once "$f-413" "nginx's 413" || return 1
	local g
	for g in "$f-static" "$f-404" "$f-413"; do
		[ "$(header_count "$g" Strict-Transport-Security)" = 1 ] || fail "no HSTS in ${g##*-}" || return 1
		header_value "$g" Strict-Transport-Security | grep -q 'max-age=[1-9]' || fail "HSTS without max-age" || return 1
	done
}

test_flacon_answers_carry_each_security_header_once() {
	local st
	st=$(headers "$D/h-page" "https://127.0.0.1:$A_TLS/articles")
	[ "$st" = 200 ] || fail "GET /articles through the production site: $st" || return 1
	security_headers_once "$D/h-page" "Flacon's page" || return 1
	[ "$(header_count "$D/h-page" Strict-Transport-Security)" = 1 ] || fail "no HSTS on a page"
}

test_production_site_gzips_text_and_caches_static_files() {
	local st
	st=$(headers "$D/h-gzip" -H 'Accept-Encoding: gzip' "https://127.0.0.1:$A_TLS/static/style.css")
	[ "$st" = 200 ] || fail "static: $st" || return 1
	[ "$(header_value "$D/h-gzip" Content-Encoding)" = gzip ] || fail "style.css not gzipped" || return 1
	header_value "$D/h-gzip" Cache-Control | grep -q 'max-age=3600' || fail "no Cache-Control max-age" || return 1
	st=$(headers "$D/h-gzip-html" -H 'Accept-Encoding: gzip' "https://127.0.0.1:$A_TLS/articles")
	[ "$(header_value "$D/h-gzip-html" Content-Encoding)" = gzip ] || fail "HTML page not gzipped"
}

test_access_log_has_upstream_response_time() {
	curl -sk -o /dev/null "https://127.0.0.1:$A_TLS/healthz?log-probe=1"
	sleep 0.2
	local line
	line=$(grep 'log-probe=1' "$D/$A/log/flacon-access.log" | tail -1)
	[ -n "$line" ] || fail "no access log line for the request" || return 1
	echo "$line" | grep -qE 'urt=[0-9]+\.[0-9]{3}' || fail "no upstream time in: $line"
}

test_upstream_fails_over_to_the_next_host() {
	# The first host of the upstream is dead; every request must still be
	# answered by the live one, and the log must show the dead one tried.
	local i st bad=0
	for i in $(seq 1 12); do
		st=$(curl -sk -m 10 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$A_TLS/healthz?failover=$i")
		[ "$st" = 200 ] || bad=$((bad + 1))
	done
	[ $bad = 0 ] || fail "$bad of 12 requests failed with a dead host in the upstream" || return 1
	# nginx tried the dead host once (whichever request came first), then
	# leaves it out for fail_timeout: some answer of this site says so.
	grep -q "up=127.0.0.1:$DEAD, unix:" "$D/$A/log/flacon-access.log" ||
		fail "the dead host was never tried: $(head -3 "$D/$A/log/flacon-access.log")"
}

test_login_routes_are_rate_limited_and_others_not() {
	# /login and /api/login share one zone per client address: a quick
	# flood of both gets nginx's 429 (with the security headers), while
	# /articles from the same address is never limited.
	local i st n429=0 api429=0 first
	for i in $(seq 1 15); do
		st=$(curl -sk -m 10 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$A_TLS/login")
		[ "$i" = 1 ] && first=$st
		[ "$st" = 429 ] && n429=$((n429 + 1))
		st=$(headers "$D/h-429-$i" -X POST -H 'Content-Type: application/json' -d '{}' "https://127.0.0.1:$A_TLS/api/login")
		[ "$st" = 429 ] && api429=$i
	done
	[ "$first" = 200 ] || fail "first GET /login: $first" || return 1
	[ $n429 -gt 0 ] || fail "15 quick GETs of /login: no 429" || return 1
	[ $api429 != 0 ] || fail "15 quick POSTs of /api/login: no 429" || return 1
	security_headers_once "$D/h-429-$api429" "nginx's 429" || return 1
	for i in $(seq 1 25); do
		st=$(curl -sk -m 10 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$A_TLS/articles")
		[ "$st" = 200 ] || fail "GET /articles #$i: $st" || return 1
	done
}

test_production_site_has_no_benchmark_routes() {
	local p st
	for p in /_hello /_nginx; do
		st=$(headers "$D/h-bench" "https://127.0.0.1:$A_TLS$p")
		[ "$st" = 404 ] || fail "GET $p: $st" || return 1
		security_headers_once "$D/h-bench" "$p" || return 1
	done
}

test_production_site_answers_favicon_itself() {
	# Browsers ask for /favicon.ico on the first page view: nginx serves the
	# static file (its access log line has no upstream), never the workers
	# (an app 404 logged on every visit).
	local st
	st=$(headers "$D/h-favicon" "https://127.0.0.1:$A_TLS/favicon.ico?favicon-probe=1")
	[ "$st" = 200 ] || fail "GET /favicon.ico: $st, not 200 from nginx" || return 1
	curl -sk -m 10 "https://127.0.0.1:$A_TLS/favicon.ico" | cmp -s - www/static/favicon.ico ||
		fail "/favicon.ico is not www/static/favicon.ico" || return 1
	security_headers_once "$D/h-favicon" "/favicon.ico" || return 1
	sleep 0.2
	local line
	line=$(grep 'favicon-probe=1' "$D/$A/log/flacon-access.log" | tail -1)
	echo "$line" | grep -qE ' up=-( |$)' || fail "/favicon.ico went upstream: $line"
}

test_server_tokens_off_on_every_server() {
	# No nginx version in the Server header of any answer of the site: the
	# redirect on port 80 as well as the TLS server's answers.
	local st f
	st=$(headers "$D/h-tokens-80" "http://127.0.0.1:$A_HTTP/articles")
	[ "$st" = 301 ] || fail "port 80: $st" || return 1
	st=$(headers "$D/h-tokens-404" "http://127.0.0.1:$A_HTTP/.well-known/acme-challenge/none")
	[ "$st" = 404 ] || fail "port 80 ACME 404: $st" || return 1
	st=$(headers "$D/h-tokens-443" "https://127.0.0.1:$A_TLS/static/none.css")
	[ "$st" = 404 ] || fail "TLS 404: $st" || return 1
	for f in "$D/h-tokens-80" "$D/h-tokens-404" "$D/h-tokens-443"; do
		[ "$(header_value "$f" Server)" = nginx ] || fail "${f##*-}: Server: $(header_value "$f" Server)" || return 1
	done
}

test_e2e_stack_serves_static_files_through_the_same_header_rules() {
	local base="http://127.0.0.1:${FLACON_TEST_PORT:?}" st
	st=$(headers "$D/h-e2e-static" "$base/static/style.css")
	[ "$st" = 200 ] || fail "e2e static: $st" || return 1
	security_headers_once "$D/h-e2e-static" "e2e static file" || return 1
	st=$(headers "$D/h-e2e-404" "$base/static/none.css")
	[ "$st" = 404 ] || fail "e2e static 404: $st" || return 1
	security_headers_once "$D/h-e2e-404" "e2e nginx 404" || return 1
	st=$(headers "$D/h-e2e-413" -X POST -H 'Content-Type: application/json' --data-binary "@$D/body-3m" "$base/api/articles")
	[ "$st" = 413 ] || fail "e2e 3 MiB: $st" || return 1
	security_headers_once "$D/h-e2e-413" "e2e nginx 413" || return 1
	st=$(headers "$D/h-e2e-page" "$base/articles")
	security_headers_once "$D/h-e2e-page" "e2e page" || return 1
	# Plain HTTP: no HSTS.
	[ "$(header_count "$D/h-e2e-static" Strict-Transport-Security)" = 0 ] || fail "HSTS over plain HTTP"
}

run_test test_production_site_passes_nginx_t
if [ -n "${A_TLS:-}" ]; then
	run_test test_production_site_redirects_plain_http_to_https
	run_test test_nginx_own_answers_carry_security_headers_and_hsts
	run_test test_flacon_answers_carry_each_security_header_once
	run_test test_production_site_gzips_text_and_caches_static_files
	run_test test_access_log_has_upstream_response_time
	run_test test_upstream_fails_over_to_the_next_host
	run_test test_login_routes_are_rate_limited_and_others_not
	run_test test_production_site_has_no_benchmark_routes
	run_test test_production_site_answers_favicon_itself
	run_test test_server_tokens_off_on_every_server
fi
run_test test_e2e_stack_serves_static_files_through_the_same_header_rules
nginx_stop "$D/$A"

# =============================================================================
# 2. The Debian package
# =============================================================================
DEB=""
UNIT=/lib/systemd/system/flacon.service

test_deb_builds_and_lintian_reports_no_error() {
	DEB=$(scripts/deb.sh "$D/deb" 2>"$D/deb.err") || { fail "scripts/deb.sh: $(tail -5 "$D/deb.err")"; return 1; }
	[ -s "$DEB" ] || fail "no .deb" || return 1
	lintian --fail-on error "$DEB" >"$D/lintian.out" 2>&1 || { fail "lintian: $(cat "$D/lintian.out")"; return 1; }
	echo "deploy: lintian: $(grep -c '^E:' "$D/lintian.out") errors, $(grep -c '^W:' "$D/lintian.out") warnings ($(grep '^W:' "$D/lintian.out" | awk '{print $3}' | sort -u | tr '\n' ' '))" >&2
	local f list
	list=$(dpkg-deb -c "$DEB")
	for f in usr/bin/flacon etc/flacon/flacon.conf lib/systemd/system/flacon.service lib/systemd/system/flacon.socket \
		usr/share/flacon/templates/ usr/share/flacon/static/style.css usr/share/flacon/static/favicon.ico \
		usr/share/flacon/migrations/0001_initial_schema.up.sql etc/nginx/sites-available/flacon \
		etc/nginx/snippets/flacon-headers.conf etc/nginx/snippets/flacon-headers-map.conf \
		etc/nginx/snippets/flacon-fastcgi.conf; do
		grep -q " \./$f\$" <<<"$list" || fail "the package lacks /$f" || return 1
	done
	dpkg-deb -f "$DEB" Depends | grep -q 'libmariadb3' || fail "Depends lacks libmariadb3" || return 1
	# The nginx site and everything it includes are conffiles (kept by
	# dpkg -r, so an enabled site still passes nginx -t); nothing of nginx's
	# under /usr/share/flacon (gone with dpkg -r while the site remains).
	for f in /etc/flacon/flacon.conf /etc/nginx/sites-available/flacon /etc/nginx/snippets/flacon-headers.conf \
		/etc/nginx/snippets/flacon-headers-map.conf /etc/nginx/snippets/flacon-fastcgi.conf; do
		dpkg-deb -I "$DEB" conffiles | grep -qx "$f" || fail "$f is not a conffile" || return 1
	done
	grep -q ' \./usr/share/flacon/nginx' <<<"$list" && { fail "nginx files under /usr/share/flacon/nginx"; return 1; }
	local inc
	inc=$(sed -n 's/^\s*include \([^;]*\);.*/\1/p' conf/nginx/flacon.conf | grep -v '^/etc/nginx/fastcgi_params$' | sort -u)
	for f in $inc; do
		dpkg-deb -I "$DEB" conffiles | grep -qx "$f" || fail "the site includes $f, which is not a conffile of the package" || return 1
	done
}

test_deb_binary_is_hardened() {
	dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./usr/bin/flacon >"$D/deb-flacon" || fail "no usr/bin/flacon in the .deb" || return 1
	hardened "$D/deb-flacon" "the .deb's /usr/bin/flacon"
}

test_deb_installs_user_config_unit_and_a_root_only_secret() {
	[ "$(id -u)" = 0 ] || fail "needs root (dpkg -i)" || return 1
	# A package left by an interrupted run goes first.
	if dpkg-query -W -f='${Status}' flacon 2>/dev/null | grep -q 'ok installed\|config-files'; then
		dpkg --purge flacon >/dev/null 2>&1
	fi
	getent passwd flacon >/dev/null || USER_CREATED=1
	PKG_INSTALLED=1
	DEBIAN_FRONTEND=noninteractive dpkg -i "$DEB" >"$D/dpkg-i.log" 2>&1 || { fail "dpkg -i: $(tail -5 "$D/dpkg-i.log")"; return 1; }
	getent passwd flacon | grep -q ':/nonexistent:/usr/sbin/nologin$' || fail "no flacon system user: $(getent passwd flacon)" || return 1
	[ "$(id -u flacon)" -lt 1000 ] || fail "flacon is not a system user" || return 1
	[ -x /usr/bin/flacon ] || fail "no /usr/bin/flacon" || return 1
	grep -qE '^env *= *production' /etc/flacon/flacon.conf || fail "flacon.conf is not production" || return 1
	[ "$(stat -c '%U %a' /etc/flacon/secret.env)" = "root 600" ] ||
		fail "secret.env is $(stat -c '%U %a' /etc/flacon/secret.env), not root 600" || return 1
	local k
	k=$(sed -n 's/^FLACON_APP_SECRET_KEY=//p' /etc/flacon/secret.env)
	[ ${#k} -ge 32 ] || fail "the generated key has ${#k} characters" || return 1
	runuser -u flacon -- cat /etc/flacon/secret.env >/dev/null 2>&1 && { fail "the flacon user can read the key"; return 1; }
	# A second configure (dpkg -i of the same package) keeps the key.
	DEBIAN_FRONTEND=noninteractive dpkg -i "$DEB" >>"$D/dpkg-i.log" 2>&1 || fail "second dpkg -i" || return 1
	[ "$(sed -n 's/^FLACON_APP_SECRET_KEY=//p' /etc/flacon/secret.env)" = "$k" ] || fail "reinstall changed the key"
}

test_unit_reloads_with_sighup_restarts_on_failure_and_is_sandboxed() {
	local want
	for want in 'User=flacon' 'Restart=on-failure' 'ExecReload=/bin/kill -HUP $MAINPID' \
		'ProtectSystem=strict' 'NoNewPrivileges=yes' 'PrivateTmp=yes' 'ProtectHome=yes' \
		'EnvironmentFile=-/etc/flacon/secret.env' 'ExecStart=/usr/bin/flacon runserver'; do
		grep -qxF "$want" "$UNIT" || fail "$UNIT lacks $want" || return 1
	done
	if command -v systemd-analyze >/dev/null; then
		systemd-analyze verify "$UNIT" >"$D/verify.log" 2>&1 || { fail "systemd-analyze verify: $(cat "$D/verify.log")"; return 1; }
	fi
}

# flacon.socket (socket activation): systemd holds the listening socket
# across restarts of flacon.service, so a restart refuses nothing; the
# service requires it, it listens on the address runserver serves
# (server.listen; runserver refuses a passed socket of another), and
# removing the package stops it with the service.
SOCKET_UNIT=/lib/systemd/system/flacon.socket
test_socket_unit_holds_server_listen_and_the_service_requires_it() {
	[ -f "$SOCKET_UNIT" ] || fail "no $SOCKET_UNIT" || return 1
	grep -qxF 'Requires=flacon.socket' "$UNIT" || fail "$UNIT lacks Requires=flacon.socket" || return 1
	grep -qE '^After=(.* )?flacon\.socket( |$)' "$UNIT" || fail "$UNIT does not start after flacon.socket" || return 1
	grep -qxF 'Also=flacon.socket' "$UNIT" || fail "enabling $UNIT does not enable flacon.socket" || return 1
	local listen stream
	listen=$(sed -n 's/^listen *= *//p' /etc/flacon/flacon.conf)
	stream=$(sed -n 's/^ListenStream=//p' "$SOCKET_UNIT")
	[ -n "$stream" ] && [ "$stream" = "${listen#unix:}" ] ||
		fail "flacon.socket listens on '$stream' but server.listen is '$listen'" || return 1
	grep -q 'stop flacon.socket flacon.service' /var/lib/dpkg/info/flacon.prerm ||
		fail "the prerm does not stop flacon.socket" || return 1
	if command -v systemd-analyze >/dev/null; then
		systemd-analyze verify "$SOCKET_UNIT" "$UNIT" >"$D/verify-socket.log" 2>&1 ||
			{ fail "systemd-analyze verify: $(cat "$D/verify-socket.log")"; return 1; }
	fi
}

# as_unit [VAR=VALUE...] — start /usr/bin/flacon the way flacon.service does:
# a clean environment with the unit's Environment= and EnvironmentFile=
# (read as root), then the unit's User/Group with no new privileges, in /.
# Extra VAR=VALUE (the test's port and database) come last. Sets UNIT_PID.
as_unit() {
	local user group exec envfile
	user=$(sed -n 's/^User=//p' "$UNIT")
	group=$(sed -n 's/^Group=//p' "$UNIT")
	exec=$(sed -n 's/^ExecStart=//p' "$UNIT")
	envfile=$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$UNIT")
	local envs=(PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)
	mapfile -t -O ${#envs[@]} envs < <(sed -n 's/^Environment=//p' "$UNIT")
	[ -r "$envfile" ] && mapfile -t -O ${#envs[@]} envs < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$envfile")
	local extra=("$@")
	# shellcheck disable=SC2086 # ExecStart is split into words as systemd does
	(cd / && exec setpriv --reuid="$user" --regid="$group" --init-groups --no-new-privs -- \
		env -i "${envs[@]}" "${extra[@]}" $exec) >"$D/unit.out" 2>"$D/unit.err" &
	UNIT_PID=$!
}

PKG_DB=flacon_deploy_pkg
PKG_URL="mariadb://flacon@localhost/$PKG_DB?socket=$DBSOCK"

test_package_without_a_secret_key_exits_1_with_one_line() {
	# As the unit runs it, but without the generated key file.
	mv /etc/flacon/secret.env "$D/secret.env.aside"
	as_unit FLACON_SERVER_LISTEN=127.0.0.1:$(free_port) FLACON_DATABASE_URL="$PKG_URL"
	local rc=0
	wait $UNIT_PID || rc=$?
	mv "$D/secret.env.aside" /etc/flacon/secret.env
	[ $rc = 1 ] || fail "exit status $rc, not 1" || return 1
	[ "$(wc -l <"$D/unit.err")" = 1 ] || fail "stderr is not one line: $(cat "$D/unit.err")" || return 1
	grep -q 'FLACON_APP_SECRET_KEY' "$D/unit.err" || fail "does not say what to set: $(cat "$D/unit.err")"
	echo "deploy: package without a key: exit $rc: $(cat "$D/unit.err")" >&2
}

PKG_PORT=""
test_package_migrates_and_serves_through_the_production_site_as_flacon() {
	sql "DROP DATABASE IF EXISTS $PKG_DB; CREATE DATABASE $PKG_DB CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;" ||
		fail "cannot create $PKG_DB" || return 1
	# The explicit migration step, as the flacon user from any directory
	# (the installed binary finds /etc/flacon/flacon.conf and its migrations).
	(cd / && runuser -u flacon -- env FLACON_DATABASE_URL="$PKG_URL" flacon db upgrade) >"$D/pkg-upgrade.log" 2>&1 ||
		{ fail "db upgrade: $(tail -3 "$D/pkg-upgrade.log")"; return 1; }
	[ "$(sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='$PKG_DB' AND table_name='article'")" = 1 ] ||
		fail "no article table after db upgrade" || return 1
	PKG_PORT=$(free_port)
	as_unit FLACON_SERVER_LISTEN=127.0.0.1:$PKG_PORT FLACON_DATABASE_URL="$PKG_URL" FLACON_SERVER_WORKERS=2
	FLACON_PIDS+=("$UNIT_PID")
	SITE=/etc/nginx/sites-available/flacon SNIPPETS=/etc/nginx/snippets prod_site pkg /usr/share/flacon \
		"    server 127.0.0.1:$PKG_PORT max_fails=1 fail_timeout=5s;" || return 1
	prod_nginx_start pkg || return 1
	PKG_TLS=$TLS_PORT
	wait_ok "https://127.0.0.1:$PKG_TLS/healthz" || { fail "/healthz through nginx: no 200; $(cat "$D/unit.err")"; return 1; }
	local st
	st=$(headers "$D/h-pkg" "https://127.0.0.1:$PKG_TLS/articles")
	[ "$st" = 200 ] || fail "GET /articles: $st" || return 1
	curl -sk -m 5 "https://127.0.0.1:$PKG_TLS/articles" | grep -qi '<html' || fail "no HTML page" || return 1
	security_headers_once "$D/h-pkg" "the package's page" || return 1
	[ "$(header_count "$D/h-pkg" X-Flacon-Queries)" = 0 ] || fail "development headers in production" || return 1
	# server.bench_routes is off in production: /_hello asked of the
	# workers directly (past nginx, which refuses it anyway) is a 404.
	env -i REQUEST_METHOD=GET REQUEST_URI=/_hello SCRIPT_NAME=/_hello QUERY_STRING= SERVER_PROTOCOL=HTTP/1.1 \
		cgi-fcgi -bind -connect "127.0.0.1:$PKG_PORT" >"$D/pkg-hello.out" 2>&1
	grep -q '^Status: 404' "$D/pkg-hello.out" || fail "/_hello from the production workers: $(head -1 "$D/pkg-hello.out")" || return 1
	st=$(headers "$D/h-pkg-static" "https://127.0.0.1:$PKG_TLS/static/style.css")
	[ "$st" = 200 ] || fail "installed static file: $st" || return 1
	# Every flacon process (master and workers) runs as the flacon user.
	local master users
	master=$(ps -o pid= --ppid "$UNIT_PID" | head -1)
	[ -n "$master" ] || master=$UNIT_PID
	users=$(ps -o user= -p "$UNIT_PID" --ppid "$UNIT_PID" | sort -u | tr -d ' ')
	[ "$users" = flacon ] || fail "processes run as: $users" || return 1
	echo "deploy: package served /articles on https://127.0.0.1:$PKG_TLS/ as $(ps -o user=,comm= -p "$UNIT_PID" | tr -s ' ')" >&2
	ps -o pid=,comm= -p "$UNIT_PID" | grep -q flacon || fail "the started process is not flacon"
}

# login BASE USER PASSWORD — the status of POST /api/login.
login() {
	curl -sk -m 10 -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		-d "{\"username\":\"$2\",\"password\":\"$3\"}" "$1/api/login"
}

test_package_has_no_user_until_one_is_created() {
	[ -n "${PKG_TLS:-}" ] || fail "the package is not serving" || return 1
	[ "$(sql "SELECT COUNT(*) FROM $PKG_DB.user")" = 0 ] || fail "users in a fresh production database" || return 1
	local st
	st=$(login "https://127.0.0.1:$PKG_TLS" alice flacon-demo)
	[ "$st" = 401 ] || fail "demo login alice/flacon-demo: $st, not 401" || return 1
	printf 'operator-password-1\n' | (cd / && runuser -u flacon -- env FLACON_DATABASE_URL="$PKG_URL" flacon createuser operator) \
		>"$D/createuser.log" 2>&1 || { fail "createuser: $(cat "$D/createuser.log")"; return 1; }
	[ "$(sql "SELECT COUNT(*) FROM $PKG_DB.user")" = 1 ] || fail "createuser did not add one user" || return 1
	st=$(login "https://127.0.0.1:$PKG_TLS" operator operator-password-1)
	[ "$st" = 200 ] || fail "login of the created user: $st"
}

test_package_reloads_on_sighup_without_dropping_requests() {
	[ -n "${PKG_TLS:-}" ] || fail "the package is not serving" || return 1
	# ExecReload: kill -HUP $MAINPID; the main process is the master.
	local mainpid=$UNIT_PID i st bad=0
	kill -HUP "$mainpid" || fail "kill -HUP" || return 1
	for i in $(seq 1 40); do
		st=$(curl -sk -m 10 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PKG_TLS/articles")
		[ "$st" = 200 ] || bad=$((bad + 1))
	done
	[ $bad = 0 ] || fail "$bad of 40 requests failed across the reload" || return 1
	kill -0 "$mainpid" 2>/dev/null || fail "the master exited on SIGHUP" || return 1
	grep -qi reload "$D/unit.err" || fail "no reload in the log: $(tail -3 "$D/unit.err")"
}

# host_nginx_t OUT — the host's own `nginx -t` (/etc/nginx/nginx.conf, the
# way `systemctl restart nginx` reads it), in a network namespace of its
# own so that its test binds of ports 80 and 443 meet nothing. Notes the
# log files it creates, to remove them at exit.
host_nginx_t() {
	local f before=()
	for f in /var/log/nginx/flacon-access.log /var/log/nginx/flacon-error.log; do [ -e "$f" ] || before+=("$f"); done
	unshare --net -- nginx -t >"$1" 2>&1
	local rc=$?
	for f in "${before[@]}"; do [ -e "$f" ] && NGINX_LOGS_NEW+=("$f"); done
	return $rc
}

test_deb_remove_and_purge_leave_nginx_t_passing() {
	local p
	for p in "${FLACON_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${FLACON_PIDS[@]}"; do
		for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
	FLACON_PIDS=()
	nginx_stop "$D/pkg"
	command -v nginx >/dev/null && [ -d /etc/nginx/sites-enabled ] || fail "no nginx on this host" || return 1
	# The site enabled as README "Deploying" says: the certificate in
	# /etc/ssl/flacon/, a link from sites-enabled; the host's nginx -t passes.
	if [ ! -e /etc/ssl/flacon ]; then
		make_cert || return 1
		SSL_DIR_CREATED=1
		install -d -m 0755 /etc/ssl/flacon
		install -m 0644 "$D/ssl/fullchain.pem" /etc/ssl/flacon/fullchain.pem
		install -m 0600 "$D/ssl/privkey.pem" /etc/ssl/flacon/privkey.pem
	fi
	if [ ! -e /etc/nginx/sites-enabled/flacon ] && [ ! -L /etc/nginx/sites-enabled/flacon ]; then
		ln -s ../sites-available/flacon /etc/nginx/sites-enabled/flacon && SITE_LINK_CREATED=1
	fi
	[ "$(readlink /etc/nginx/sites-enabled/flacon)" = ../sites-available/flacon ] ||
		fail "/etc/nginx/sites-enabled/flacon is not the link to the package's site" || return 1
	host_nginx_t "$D/nginx-t-installed.out" || { fail "nginx -t with the site enabled: $(cat "$D/nginx-t-installed.out")"; return 1; }
	# dpkg -r: the binary goes, the site and its snippets (conffiles) stay.
	dpkg -r flacon >"$D/remove.log" 2>&1 || { fail "dpkg -r: $(tail -5 "$D/remove.log")"; return 1; }
	[ -e /usr/bin/flacon ] && { fail "/usr/bin/flacon is still there after dpkg -r"; return 1; }
	host_nginx_t "$D/nginx-t-removed.out" || { fail "nginx -t after dpkg -r: $(cat "$D/nginx-t-removed.out")"; return 1; }
	# dpkg --purge: the site, its snippets and the link go; nginx -t passes.
	dpkg --purge flacon >"$D/purge.log" 2>&1 || { fail "dpkg --purge: $(tail -5 "$D/purge.log")"; return 1; }
	PKG_INSTALLED=""
	for p in /usr/bin/flacon /etc/flacon /usr/share/flacon "$UNIT" /etc/nginx/sites-available/flacon \
		/etc/nginx/snippets/flacon-headers.conf /etc/nginx/snippets/flacon-headers-map.conf \
		/etc/nginx/snippets/flacon-fastcgi.conf; do
		[ -e "$p" ] && { fail "$p is still there after purge"; return 1; }
	done
	[ -L /etc/nginx/sites-enabled/flacon ] && { fail "purge left the link /etc/nginx/sites-enabled/flacon"; return 1; }
	SITE_LINK_CREATED=""
	host_nginx_t "$D/nginx-t-purged.out" || { fail "nginx -t after dpkg --purge: $(cat "$D/nginx-t-purged.out")"; return 1; }
	dpkg-query -W -f='${Status}' flacon 2>/dev/null | grep -qE 'ok installed|config-files' && { fail "dpkg still lists flacon"; return 1; }
	echo "deploy: nginx -t passes with the site enabled, after dpkg -r and after dpkg --purge" >&2
	sql "DROP DATABASE IF EXISTS $PKG_DB" >/dev/null
	return 0
}

run_test test_deb_builds_and_lintian_reports_no_error
if [ -n "$DEB" ]; then
	run_test test_deb_binary_is_hardened
	run_test test_deb_installs_user_config_unit_and_a_root_only_secret
	if [ -n "$PKG_INSTALLED" ] && [ -x /usr/bin/flacon ]; then
		run_test test_unit_reloads_with_sighup_restarts_on_failure_and_is_sandboxed
		run_test test_socket_unit_holds_server_listen_and_the_service_requires_it
		run_test test_package_without_a_secret_key_exits_1_with_one_line
		run_test test_package_migrates_and_serves_through_the_production_site_as_flacon
		run_test test_package_has_no_user_until_one_is_created
		run_test test_package_reloads_on_sighup_without_dropping_requests
	fi
	run_test test_deb_remove_and_purge_leave_nginx_t_passing
fi

# =============================================================================
# 3. The container image
# =============================================================================
IMAGE=localhost/flacon
IMG_CTR=""
IMG_DB=flacon_deploy_img
IMG_URL="mariadb://flacon@localhost/$IMG_DB?socket=/run/mysqld/$(basename "$DBSOCK")"

# in_image ARGS... -- CMD... — one process of the image, the way this
# sandbox can run one: chroot isolation, the host's network, the test
# MariaDB's socket directory mounted at /run/mysqld.
in_image() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	buildah run --isolation chroot --network host -v "$(dirname "$DBSOCK"):/run/mysqld" "${opts[@]}" "$IMG_CTR" -- "$@"
}

image_mb() { podman image inspect --format '{{.Size}}' "$1" 2>/dev/null | awk '{printf "%d", $1 / 1e6}'; }

test_image_builds_from_the_dockerfile() {
	local t0=$SECONDS
	scripts/image.sh "$IMAGE" >"$D/image.out" 2>"$D/image.err" || { fail "scripts/image.sh: $(tail -15 "$D/image.err")"; return 1; }
	echo "deploy: image $IMAGE built in $((SECONDS - t0)) s ($(image_mb "$IMAGE") MB; $IMAGE-nginx $(image_mb "$IMAGE-nginx") MB)" >&2
	IMG_CTR=$(buildah from --pull-never --name "flacon-deploy-$$" "$IMAGE" 2>"$D/from.err") ||
		{ fail "buildah from: $(cat "$D/from.err")"; return 1; }
	CONTAINERS+=("$IMG_CTR")
	podman image exists "$IMAGE-nginx" || fail "no nginx stage image $IMAGE-nginx"
}

test_image_is_production_unprivileged_and_without_compilers() {
	local cfg
	cfg=$(buildah inspect --format '{{.OCIv1.Config.User}}|{{.OCIv1.Config.Entrypoint}}|{{.OCIv1.Config.Cmd}}|{{.OCIv1.Config.Env}}' "$IMAGE")
	[ "${cfg%%|*}" = flacon ] || fail "image user: ${cfg%%|*}" || return 1
	echo "$cfg" | grep -q '|\[/usr/local/bin/flacon-entrypoint\]|\[runserver\]|' || fail "entrypoint/cmd: $cfg" || return 1
	echo "$cfg" | grep -q SECRET_KEY && { fail "a secret key in the image's environment: $cfg"; return 1; }
	local out
	out=$(in_image -- sh -c 'id -un; grep -E "^env *=" /etc/flacon/flacon.conf; command -v cc gcc make; ls /usr/include/mariadb 2>&1 | head -1' 2>&1)
	echo "$out" | head -1 | grep -qx flacon || fail "runs as: $(echo "$out" | head -1)" || return 1
	echo "$out" | grep -qE '^env *= *production' || fail "not production: $out" || return 1
	echo "$out" | grep -qE '/(cc|gcc|make)$' && { fail "a compiler or make in the runtime image: $out"; return 1; }
	echo "$out" | grep -q 'No such file' || fail "-dev headers in the runtime image: $out"
}

test_image_without_a_secret_key_exits_1_with_one_line() {
	local rc=0
	in_image -e FLACON_SERVER_LISTEN=127.0.0.1:$(free_port) -e FLACON_DATABASE_URL="$IMG_URL" -- \
		/usr/bin/flacon runserver >"$D/img-nokey.out" 2>"$D/img-nokey.err" || rc=$?
	# buildah adds its own lines about the exit status; the program's are
	# those that start with "flacon:".
	grep '^flacon:' "$D/img-nokey.err" >"$D/img-nokey.lines"
	[ $rc = 1 ] || fail "exit status $rc, not 1" || return 1
	[ "$(wc -l <"$D/img-nokey.lines")" = 1 ] || fail "not one line: $(cat "$D/img-nokey.err")" || return 1
	grep -q FLACON_APP_SECRET_KEY "$D/img-nokey.lines" || fail "does not say what to set" || return 1
	echo "deploy: image without a key: exit $rc: $(cat "$D/img-nokey.lines")" >&2
}

test_image_migrates_and_serves_a_page_through_the_production_site() {
	sql "DROP DATABASE IF EXISTS $IMG_DB; CREATE DATABASE $IMG_DB CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;" ||
		fail "cannot create $IMG_DB" || return 1
	in_image -e FLACON_DATABASE_URL="$IMG_URL" -- /usr/bin/flacon db upgrade >"$D/img-upgrade.log" 2>&1 ||
		{ fail "db upgrade in the image: $(tail -3 "$D/img-upgrade.log")"; return 1; }
	local port
	port=$(free_port)
	in_image -e FLACON_SERVER_LISTEN=127.0.0.1:$port -e FLACON_DATABASE_URL="$IMG_URL" \
		-e FLACON_APP_SECRET_KEY="$KEY" -e FLACON_SERVER_WORKERS=2 -- \
		/usr/bin/flacon runserver >"$D/img-run.out" 2>"$D/img-run.err" &
	local bpid=$!
	BUILDAH_PIDS+=("$bpid")
	prod_site img "$REPO_SHARE" "    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;" || return 1
	prod_nginx_start img || return 1
	wait_ok "https://127.0.0.1:$TLS_PORT/healthz" || { fail "/healthz: no 200; $(cat "$D/img-run.err")"; return 1; }
	local st
	st=$(headers "$D/h-img" "https://127.0.0.1:$TLS_PORT/articles")
	[ "$st" = 200 ] || fail "GET /articles from the image: $st" || return 1
	security_headers_once "$D/h-img" "the image's page" || return 1
	[ "$(sql "SELECT COUNT(*) FROM $IMG_DB.user")" = 0 ] || fail "users in the image's fresh database" || return 1
	st=$(login "https://127.0.0.1:$TLS_PORT" alice flacon-demo)
	[ "$st" = 401 ] || fail "demo login against the image: $st" || return 1
	printf 'image-operator-pw-1\n' | in_image -e FLACON_DATABASE_URL="$IMG_URL" -- /usr/bin/flacon createuser operator \
		>"$D/img-createuser.log" 2>&1 || { fail "createuser in the image: $(cat "$D/img-createuser.log")"; return 1; }
	[ "$(sql "SELECT COUNT(*) FROM $IMG_DB.user")" = 1 ] || fail "createuser in the image added no user" || return 1
	st=$(login "https://127.0.0.1:$TLS_PORT" operator image-operator-pw-1)
	[ "$st" = 200 ] || fail "login of the user created in the image: $st" || return 1
	# The flacon processes inside run as the image's flacon user (uid of
	# its /etc/passwd), never as root.
	local uid pids p bad=""
	uid=$(in_image -- id -u flacon 2>/dev/null)
	pids=$(descendants "$bpid")
	local n=0
	# The master is "flacon", its children "flacon-worker" (and
	# "flacon-health" with a health socket).
	for p in $pids; do
		[[ "$(ps -o comm= -p "$p")" == flacon* ]] || continue
		n=$((n + 1))
		[ "$(ps -o uid= -p "$p" | tr -d ' ')" = "$uid" ] || bad="$bad $p"
	done
	[ $n -ge 3 ] || fail "found $n flacon processes under buildah run" || return 1
	[ -z "$bad" ] || fail "processes not running as uid $uid:$bad" || return 1
	echo "deploy: image served /articles through the production site ($n flacon processes, uid $uid); its log: $(head -1 "$D/img-run.err")" >&2
	# Stop it as a container runtime would: SIGTERM to the master.
	for p in $pids; do
		[ "$(ps -o comm= -p "$p")" = flacon ] && kill -TERM "$p"
	done
	for _ in $(seq 1 100); do kill -0 "$bpid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$bpid" 2>/dev/null && { fail "the image's master did not stop on SIGTERM"; return 1; }
	nginx_stop "$D/img"
	sql "DROP DATABASE IF EXISTS $IMG_DB" >/dev/null
	return 0
}

# nginx_image_run OUT SCRIPT — SCRIPT (sh) in a new container of the nginx
# image, through the image's entrypoint, with the throw-away certificate
# mounted where compose mounts ./certs, and the upstream name "flacon"
# (which only compose's DNS resolves) made an address for nginx -t.
nginx_image_run() {
	local out=$1 script=$2 ctr ep
	ctr=$(buildah from --pull-never "$IMAGE-nginx" 2>"$out.from") || { fail "buildah from: $(cat "$out.from")"; return 1; }
	CONTAINERS+=("$ctr")
	make_cert || return 1
	mapfile -t ep < <(buildah inspect --format '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}' "$IMAGE-nginx" | grep -v '^$')
	buildah run --isolation chroot -v "$D/ssl:/etc/ssl/flacon:ro" "$ctr" -- "${ep[@]}" sh -c \
		"sed -i 's/server flacon:9000/server 127.0.0.1:9000/' /etc/nginx/sites-enabled/flacon && $script" >"$out" 2>&1
}

test_nginx_image_accepts_the_production_site() {
	# The compose nginx (the Dockerfile's nginx stage, Debian's nginx-light):
	# its modules take the whole site, with the certificate mounted where
	# compose mounts ./certs (its entrypoint links it).
	local out=$D/nginx-image-t.out
	nginx_image_run "$out" 'grep -c "server 127.0.0.1:9000" /etc/nginx/sites-enabled/flacon; nginx -t && nginx -T 2>/dev/null | sed -n "s/^\s*ssl_certificate \(.*\);/\1/p" | xargs readlink -f' ||
		{ fail "nginx -t in the nginx image: $(cat "$out")"; return 1; }
	grep -q 'test is successful' "$out" || fail "$(cat "$out")" || return 1
	[ "$(head -1 "$out")" = 2 ] || fail "the upstream is not the flacon service: $(head -1 "$out")" || return 1
	grep -q 'no certificate' "$out" && { fail "the mounted certificate was not used: $(cat "$out")"; return 1; }
	[ "$(tail -1 "$out")" = /etc/ssl/flacon/fullchain.pem ] ||
		fail "the site's certificate is not the mounted one: $(tail -1 "$out")"
}

test_nginx_image_logs_to_stdout_and_stderr_only() {
	# Every error_log and access_log of the whole configuration (nginx -T)
	# is stderr, off, or a link to /dev/stdout or /dev/stderr, and so is
	# the error log nginx opens before it reads its configuration: no log
	# file grows inside the container.
	local out=$D/nginx-image-logs.out
	nginx_image_run "$out" '
		nginx -T 2>/dev/null >/tmp/nginx-T || { echo "nginx -T failed"; exit 1; }
		sed -n "s/^\s*\(error_log\|access_log\)\s\+\([^ ;]*\).*/\2/p" /tmp/nginx-T | sort -u | while read -r f; do
			case $f in stderr|off|syslog:*) continue ;; esac
			t=$(readlink "$f" 2>/dev/null)
			[ "$t" = /dev/stdout ] || [ "$t" = /dev/stderr ] || echo "file: $f"
		done
		[ "$(readlink /var/log/nginx/error.log)" = /dev/stderr ] || echo "file: /var/log/nginx/error.log (before the configuration is read)"
		echo done' || { fail "nginx -T in the nginx image: $(cat "$out")"; return 1; }
	grep -qx done "$out" || fail "$(cat "$out")" || return 1
	grep -q '^file: ' "$out" && { fail "logs written to files in the container: $(grep '^file: ' "$out" | tr '\n' ' ')"; return 1; }
	return 0
}

test_images_carry_no_apt_lists_or_caches() {
	# apt's package lists and its *.bin caches, removed in the layer that
	# made them (a later rm would hide them and keep their size); and the
	# images' sizes, which that keeps down (130 and 141 MB; 211 and 222 MB
	# with 77 and 80 MB of /var/cache/apt).
	local img ctr left mb max
	for img in "$IMAGE" "$IMAGE-nginx"; do
		ctr=$(buildah from --pull-never "$img" 2>"$D/from-apt.err") || { fail "buildah from $img: $(cat "$D/from-apt.err")"; return 1; }
		CONTAINERS+=("$ctr")
		left=$(buildah run --isolation chroot --user root "$ctr" -- sh -c \
			'find /var/cache/apt /var/lib/apt/lists -type f ! -name lock 2>/dev/null | head -5')
		[ -z "$left" ] || fail "$img carries apt's lists or caches: $left" || return 1
		mb=$(image_mb "$img")
		max=160
		[ "${mb:-999}" -le $max ] || fail "$img is $mb MB, over $max MB" || return 1
	done
	echo "deploy: $IMAGE $(image_mb "$IMAGE") MB, $IMAGE-nginx $(image_mb "$IMAGE-nginx") MB, no apt lists or caches" >&2
}

test_image_binary_is_hardened_like_the_debs() {
	# The same hardening as the .deb's binary (dpkg-buildflags in the build
	# stage): PIE, relro, BIND_NOW, stack protector, _FORTIFY_SOURCE.
	in_image -- cat /usr/bin/flacon >"$D/img-flacon" 2>"$D/img-flacon.err" || { fail "$(cat "$D/img-flacon.err")"; return 1; }
	hardened "$D/img-flacon" "the image's /usr/bin/flacon"
}

test_compose_nginx_starts_hardened_without_certs_and_is_healthy() {
	# compose's nginx service with no ./certs: read-only root, its tmpfs,
	# only its cap_add, no-new-privileges. nginx-entrypoint says what is
	# missing in one line and serves a self-signed certificate; nginx stays
	# up, answers TLS, and compose's health check passes.
	compose_service nginx || return 1
	local nohc=""
	[ ${#CS_HEALTH[@]} -gt 0 ] || { nohc=1; CS_HEALTH=(false); }
	local ep cmd
	ep=$(buildah inspect --format '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}' "$IMAGE-nginx")
	cmd=$(buildah inspect --format '{{range .OCIv1.Config.Cmd}}{{println .}}{{end}}' "$IMAGE-nginx")
	mapfile -t START < <(printf '%s\n%s\n' "$ep" "$cmd" | grep -v '^$')
	local body
	body=$(declare -p START CS_HEALTH)'
	ctr_exec "${START[@]}" >"$D/cmp-nginx.out" 2>"$D/cmp-nginx.err" &
	pid=$!
	ok=""
	for i in $(seq 1 40); do
		kill -0 $pid 2>/dev/null || break
		if ctr "${CS_HEALTH[@]}" >"$D/cmp-nginx-hc.out" 2>&1; then ok=1; break; fi
		sleep 0.25
	done
	echo "health=$ok" >"$D/cmp-nginx.res"
	curl -sk -m 5 -o /dev/null -w "tls=%{http_code}\n" https://127.0.0.1/static/style.css >>"$D/cmp-nginx.res"
	grep -E "^(CapEff|NoNewPrivs):" /proc/$pid/status >>"$D/cmp-nginx.res"
	kill -0 $pid 2>/dev/null && echo alive=1 >>"$D/cmp-nginx.res"
	kill -QUIT $pid 2>/dev/null; wait $pid'
	as_compose nginx "$IMAGE-nginx" "$body" || { fail "as_compose: $(cat "$D/cmp-nginx.err" 2>/dev/null)"; return 1; }
	local res
	res=$(cat "$D/cmp-nginx.res" 2>/dev/null)
	grep -qx alive=1 <<<"$res" || fail "nginx exited: $(cat "$D/cmp-nginx.err")" || return 1
	grep -qx tls=200 <<<"$res" || fail "no TLS answer with the self-signed certificate: $res; $(cat "$D/cmp-nginx.err")" || return 1
	[ "$(grep -c 'no certificate' "$D/cmp-nginx.err")" = 1 ] || fail "no one-line word about the missing certificate: $(cat "$D/cmp-nginx.err")" || return 1
	[ -z "$nohc" ] || fail "no healthcheck for nginx in compose.yaml" || return 1
	grep -qx health=1 <<<"$res" || fail "compose's health check failed: $(cat "$D/cmp-nginx-hc.out") $(cat "$D/cmp-nginx.err")" || return 1
	grep -q 'NoNewPrivs:\s*1' <<<"$res" || fail "no-new-privileges not set: $res" || return 1
	# cap_add: CHOWN, SETGID, SETUID, NET_BIND_SERVICE and nothing else.
	local eff
	eff=$(sed -n 's/^CapEff:\s*//p' <<<"$res")
	[ "$eff" = 00000000000004c1 ] || fail "the master's capabilities: $eff, not CHOWN SETGID SETUID NET_BIND_SERVICE (4c1)" || return 1
	echo "deploy: compose nginx without ./certs: $(head -1 "$D/cmp-nginx.err")" >&2
}

test_compose_flacon_reads_file_secrets_runs_hardened_and_is_healthy() {
	# compose's flacon service: the database URL and the secret key from
	# secret files (FLACON_*_FILE), read-only root, no capabilities,
	# no-new-privileges, as the image's user; compose's health check passes.
	compose_service flacon || return 1
	local nohc=""
	[ ${#CS_HEALTH[@]} -gt 0 ] || { nohc=1; CS_HEALTH=(false); }
	local env
	for env in "${CS_ENV[@]}"; do
		case $env in FLACON_APP_SECRET_KEY=* | FLACON_DATABASE_URL=*) fail "a secret in compose's plain environment: ${env%%=*}"; return 1 ;; esac
	done
	local db=flacon_deploy_cmp
	sql "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;" || fail "cannot create $db" || return 1
	in_image -e FLACON_DATABASE_URL="mariadb://flacon@localhost/$db?socket=/run/mysqld/$(basename "$DBSOCK")" -- \
		/usr/bin/flacon db upgrade >"$D/cmp-upgrade.log" 2>&1 || { fail "db upgrade: $(tail -3 "$D/cmp-upgrade.log")"; return 1; }
	# The test's own secret files in place of ./secrets/.
	mkdir -p "$D/secrets"
	printf '%s\n' "$KEY" >"$D/secrets/flacon_secret_key"
	printf 'mariadb://flacon@localhost/%s?socket=/run/mysqld/%s\n' $db "$(basename "$DBSOCK")" >"$D/secrets/flacon_database_url"
	chmod 0644 "$D/secrets/"*
	local i s=()
	for i in "${CS_SECRETS[@]}"; do s+=("${i%%=*}=$D/secrets/${i%%=*}"); done
	CS_SECRETS=("${s[@]}")
	local body
	body=$(declare -p CS_COMMAND CS_HEALTH)'
	ep=/usr/local/bin/flacon-entrypoint
	ctr_exec $ep "${CS_COMMAND[@]}" >"$D/cmp-flacon.out" 2>"$D/cmp-flacon.err" &
	pid=$!
	ok=""
	for i in $(seq 1 40); do
		kill -0 $pid 2>/dev/null || break
		if ctr "${CS_HEALTH[@]}" >"$D/cmp-flacon-hc.out" 2>&1; then ok=1; break; fi
		sleep 0.25
	done
	echo "health=$ok" >"$D/cmp-flacon.res"
	grep -E "^(Uid|CapEff|NoNewPrivs):" /proc/$pid/status >>"$D/cmp-flacon.res"
	kill -0 $pid 2>/dev/null && echo alive=1 >>"$D/cmp-flacon.res"
	kill -TERM $pid 2>/dev/null; wait $pid
	# A secret file that cannot be read: one line, exit 1.
	ctr FLACON_APP_SECRET_KEY_FILE=/run/secrets/none $ep runserver >/dev/null 2>"$D/cmp-flacon-nofile.err"
	echo "nofile=$?" >>"$D/cmp-flacon.res"'
	as_compose flacon "$IMAGE" "$body" "$(dirname "$DBSOCK"):/run/mysqld" || { fail "as_compose: $(cat "$D/cmp-flacon.err" 2>/dev/null)"; return 1; }
	local res uid
	res=$(cat "$D/cmp-flacon.res" 2>/dev/null)
	sql "DROP DATABASE IF EXISTS $db" >/dev/null
	grep -qx alive=1 <<<"$res" || fail "flacon exited: $(cat "$D/cmp-flacon.err")" || return 1
	[ -z "$nohc" ] || fail "no healthcheck for flacon in compose.yaml" || return 1
	grep -qx health=1 <<<"$res" || fail "compose's health check failed: $(cat "$D/cmp-flacon-hc.out") $(tail -3 "$D/cmp-flacon.err")" || return 1
	uid=$(chroot "$CTR_ROOT" id -u flacon)
	grep -qE "^Uid:\s+$uid\s" <<<"$res" || fail "not run as flacon ($uid): $res" || return 1
	grep -q 'CapEff:\s*0000000000000000' <<<"$res" || fail "capabilities left: $res" || return 1
	grep -q 'NoNewPrivs:\s*1' <<<"$res" || fail "no-new-privileges not set: $res" || return 1
	grep -qx nofile=1 <<<"$res" || fail "an unreadable secret file: not exit 1: $res" || return 1
	[ "$(wc -l <"$D/cmp-flacon-nofile.err")" = 1 ] && grep -q FLACON_APP_SECRET_KEY_FILE "$D/cmp-flacon-nofile.err" ||
		fail "an unreadable secret file: $(cat "$D/cmp-flacon-nofile.err")"
}

test_compose_wires_mariadb_migration_flacon_and_nginx() {
	python3 - compose.yaml <<'EOF' 2>&1 || { fail "compose.yaml"; return 1; }
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
s = c["services"]
assert set(s) >= {"db", "migrate", "flacon", "nginx"}, sorted(s)
assert any(v.endswith(":/var/lib/mysql") for v in s["db"]["volumes"]), "db data not in a volume"
assert s["migrate"]["command"] == ["db", "upgrade"], s["migrate"]
assert s["flacon"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
assert s["nginx"]["build"]["target"] == "nginx"
assert "seed" not in open(sys.argv[1]).read().replace("seeds", "")
EOF
}

test_compose_secrets_are_files_and_services_hardened_with_healthchecks() {
	# Secrets: files under /run/secrets (FLACON_*_FILE, MARIADB_PASSWORD_FILE),
	# never plain environment values; flacon, migrate and nginx: read-only
	# root, cap_drop ALL, no-new-privileges; healthchecks for db, flacon
	# and nginx; no service of Flacon's runs as root by `user:`.
	python3 - compose.yaml <<'EOF' 2>&1 || { fail "compose.yaml"; return 1; }
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
s = c["services"]
sec = c.get("secrets") or {}
for name in ("migrate", "flacon"):
    env = s[name]["environment"]
    assert "FLACON_DATABASE_URL" not in env, name + ": the database URL (its password) in the environment"
    assert env.get("FLACON_DATABASE_URL_FILE", "").startswith("/run/secrets/"), name + ": no FLACON_DATABASE_URL_FILE"
assert "FLACON_APP_SECRET_KEY" not in s["flacon"]["environment"], "the secret key in the environment"
assert s["flacon"]["environment"].get("FLACON_APP_SECRET_KEY_FILE", "").startswith("/run/secrets/"), "no FLACON_APP_SECRET_KEY_FILE"
assert "MARIADB_PASSWORD" not in s["db"]["environment"], "the db password in the environment"
assert s["db"]["environment"].get("MARIADB_PASSWORD_FILE", "").startswith("/run/secrets/")
for name in ("db", "migrate", "flacon"):
    for v in s[name]["environment"].values():
        assert "${" not in str(v), name + ": a value interpolated into the environment: " + str(v)
for name, svc in s.items():
    mounted = [r if isinstance(r, str) else r.get("target", r["source"]) for r in svc.get("secrets", [])]
    for ref in svc.get("secrets", []):
        ref = ref if isinstance(ref, str) else ref["source"]
        assert ref in sec and "file" in sec[ref], name + ": secret " + ref + " undefined"
    for k, v in (svc.get("environment") or {}).items():
        if k.endswith("_FILE") and str(v).startswith("/run/secrets/"):
            assert v.rsplit("/", 1)[1] in mounted, name + ": " + k + " names a secret it does not mount"
for name in ("migrate", "flacon", "nginx"):
    svc = s[name]
    assert svc.get("read_only") is True, name + ": root file system not read-only"
    assert [x.upper() for x in svc.get("cap_drop", [])] == ["ALL"], name + ": cap_drop is not [ALL]"
    assert any(o.replace("=", ":") in ("no-new-privileges", "no-new-privileges:true") for o in svc.get("security_opt", [])), name + ": no no-new-privileges"
    assert "user" not in svc or str(svc["user"]) not in ("root", "0"), name + ": runs as root"
assert not s["flacon"].get("cap_add"), "flacon needs no capability"
assert set(s["nginx"].get("cap_add", [])) <= {"CHOWN", "SETGID", "SETUID", "NET_BIND_SERVICE"}, s["nginx"]["cap_add"]
for name in ("db", "flacon", "nginx"):
    t = (s[name].get("healthcheck") or {}).get("test")
    assert t and t[0] in ("CMD", "CMD-SHELL"), name + ": no healthcheck"
assert s["nginx"]["depends_on"]["flacon"]["condition"] == "service_healthy", "nginx does not wait for a healthy flacon"
assert any(str(v).split(":")[1] == "/etc/ssl/flacon" for v in s["nginx"]["volumes"]), "no certificate volume"
EOF
}

test_deps_for_deb_and_image_install_no_services() {
	# `make deb` and `make image` on a build machine: scripts/deps.sh asks
	# apt for build tools only, never mariadb-server, mariadb-client or
	# nginx. Run with apt-get, dpkg-query, tee, chmod and rm faked (as if
	# nothing were installed), so that nothing is installed or changed here.
	local fake=$D/fake-bin what out p
	mkdir -p "$fake"
	printf '#!/bin/sh\nexit 1\n' >"$fake/dpkg-query"
	printf '#!/bin/sh\necho "$*" >>"%s/apt-get.calls"\n' "$D" >"$fake/apt-get"
	printf '#!/bin/sh\ncat >/dev/null\n' >"$fake/tee"
	printf '#!/bin/sh\n:\n' >"$fake/chmod"
	printf '#!/bin/sh\n:\n' >"$fake/rm"
	chmod +x "$fake/"*
	for what in deb image; do
		: >"$D/apt-get.calls"
		PATH=$fake:/usr/bin:/bin bash scripts/deps.sh "$what" >/dev/null 2>&1
		out=$(sed -n 's/^install -y -q --no-install-recommends //p' "$D/apt-get.calls")
		[ -n "$out" ] || fail "deps.sh $what: no apt-get install: $(cat "$D/apt-get.calls")" || return 1
		for p in mariadb-server mariadb-client nginx nginx-light nginx-full galera-4 chromium; do
			grep -qE "(^| )$p( |$)" <<<"$out" && { fail "deps.sh $what installs $p: $out"; return 1; }
		done
		case $what in
		deb) for p in gcc dpkg-dev lintian libmariadb-dev; do grep -qE "(^| )$p( |$)" <<<"$out" || { fail "deps.sh deb lacks $p: $out"; return 1; }; done ;;
		image) for p in buildah debootstrap; do grep -qE "(^| )$p( |$)" <<<"$out" || { fail "deps.sh image lacks $p: $out"; return 1; }; done ;;
		esac
	done
}

test_readme_tls_steps_match_the_site_and_compose() {
	# README "Deploying" writes the TLS steps out: certbot's webroot is the
	# directory the site serves /.well-known/acme-challenge/ from (compose:
	# the host directory mounted there), the certificate goes where the
	# site (compose: the ./certs mount) reads it, renewal runs a deploy
	# hook that reloads nginx, and the renewal is checked (--dry-run).
	local sec root cert acme certs
	sec=$(awk '/^## Deploying/ {on = 1; next} on && /^## / {exit} on' README.md)
	root=$(awk '/acme-challenge/ {on = 1} on && /root / {print $2; exit}' conf/nginx/flacon.conf | tr -d ';')
	cert=$(sed -n 's/^\s*ssl_certificate \(.*\);/\1/p' conf/nginx/flacon.conf)
	[ -n "$root" ] && [ -n "$cert" ] || fail "no ACME root or certificate in the site" || return 1
	grep -qE "certbot certonly --webroot -w $root -d " <<<"$sec" || fail "no certbot certonly --webroot -w $root in README" || return 1
	grep -qF "$cert" <<<"$sec" || fail "README does not put the certificate at $cert" || return 1
	grep -qE -- "--deploy-hook '[^']*systemctl reload nginx" <<<"$sec" || fail "no deploy hook reloading nginx (one host)" || return 1
	grep -q 'certbot renew --dry-run' <<<"$sec" || fail "the renewal is not checked in README" || return 1
	acme=$(python3 -c 'import yaml; v = yaml.safe_load(open("compose.yaml"))["services"]["nginx"]["volumes"]; print([x.split(":")[0] for x in v if x.split(":")[1] == "/var/www/html"][0])') ||
		fail "compose: no volume at /var/www/html for the ACME challenges" || return 1
	certs=$(python3 -c 'import yaml; v = yaml.safe_load(open("compose.yaml"))["services"]["nginx"]["volumes"]; print([x.split(":")[0] for x in v if x.split(":")[1] == "/etc/ssl/flacon"][0])') ||
		fail "compose: no volume at /etc/ssl/flacon" || return 1
	grep -qE "certbot certonly --webroot -w /srv/flacon/${acme#./} -d " <<<"$sec" || fail "compose: no certbot --webroot -w /srv/flacon/${acme#./} in README" || return 1
	grep -qF "/srv/flacon/${certs#./}/fullchain.pem" <<<"$sec" || fail "compose: the certificate is not copied into $certs" || return 1
	grep -qF "exec -T nginx nginx-entrypoint nginx -s reload" <<<"$sec" || fail "compose: no reload of the nginx container on renewal"
}

run_test test_image_builds_from_the_dockerfile
if [ -n "$IMG_CTR" ]; then
	run_test test_image_is_production_unprivileged_and_without_compilers
	run_test test_image_without_a_secret_key_exits_1_with_one_line
	run_test test_image_migrates_and_serves_a_page_through_the_production_site
	run_test test_nginx_image_accepts_the_production_site
	run_test test_nginx_image_logs_to_stdout_and_stderr_only
	run_test test_images_carry_no_apt_lists_or_caches
	run_test test_image_binary_is_hardened_like_the_debs
	run_test test_compose_nginx_starts_hardened_without_certs_and_is_healthy
	run_test test_compose_flacon_reads_file_secrets_runs_hardened_and_is_healthy
fi
run_test test_compose_wires_mariadb_migration_flacon_and_nginx
run_test test_compose_secrets_are_files_and_services_hardened_with_healthchecks

# =============================================================================
# 4. The build machine and the README (static: nothing built or installed)
# =============================================================================
run_test test_deps_for_deb_and_image_install_no_services
run_test test_readme_tls_steps_match_the_site_and_compose

echo "deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
