#!/usr/bin/env bash
# tests/run.sh — the blog's test suite (`make check`): the command line and
# the schema by its migrations, the data layer (./test_models), the pages
# (./test_routes, on the framework's in-process test client: no server,
# its own throw-away database), then a smoke test of the real stack: nginx
# in front of `blog runserver` answers /healthz and a page, and the server
# stops on SIGTERM. Needs FLACON_DATABASE_URL naming an EMPTY database of
# its own (the suite creates its tables with `blog db upgrade` and fills
# them) whose user may also create databases named after it (DB_tc_...:
# test_routes makes one and drops it), nginx and curl. Listens on
# 127.0.0.1 and unix sockets under a temporary directory only; stops what
# it started. Prints the failures and "blog: N passed, M failed".
# Usage: FLACON_DATABASE_URL=mariadb://USER@localhost/DB?socket=PATH [VALGRIND=1] bash tests/run.sh
set -u
cd "$(dirname "$0")/.."
T=$(mktemp -d /tmp/blog-test.XXXXXX)
PASS=0
FAIL=0
MASTER=""
say() { if [ -n "${VERBOSE:-}" ]; then echo "$@"; fi; }
ok() { PASS=$((PASS + 1)); say "ok   $1"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $1" >&2; }
check() { # check NAME CMD... : the command succeeds
	local name=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then ok "$name"; else ko "$name"; sed 's/^/    /' "$T/check.out" | head -20 >&2; fi
}

cleanup() {
	if [ -n "$MASTER" ]; then
		kill -TERM "$MASTER" 2>/dev/null
		for _ in $(seq 1 100); do kill -0 "$MASTER" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$MASTER" 2>/dev/null
	fi
	if [ -s "$T/nginx.pid" ]; then
		local pid
		pid=$(cat "$T/nginx.pid")
		kill -QUIT "$pid" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	fi
	if [ -n "${KEEP_TEST_DIR:-}" ]; then echo "blog test dir kept: $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

finish() {
	echo "blog: $PASS passed, $FAIL failed"
	exit $((FAIL > 0))
}

if [ -z "${FLACON_DATABASE_URL:-}" ]; then
	echo "blog: set FLACON_DATABASE_URL to an empty database of the suite's own" >&2
	FAIL=1
	finish
fi
# Only the environment configures the blog here.
export FLACON_CONF=/dev/null
export FLACON_APP_SECRET_KEY=${FLACON_APP_SECRET_KEY:-blog-test-secret-0123456789abcdef-0123456789}
export FLACON_APP_ENV=production

# --- the command line and the schema ------------------------------------------
check "blog --help says usage: blog and lists createuser and seed" bash -c \
	"./blog --help | grep -q '^usage: blog ' && ./blog --help | grep -qE '^  createuser ' && ./blog --help | grep -qE '^  seed '"
# The whole of `blog routes`, as checked in: a route deleted, renamed or given
# another method fails. After changing the routes on purpose, regenerate it
# (in examples/blog) with: ./blog routes > tests/routes.golden
check "blog routes prints tests/routes.golden exactly" bash -c "./blog routes | diff -u tests/routes.golden -"
check "blog runserver without a secret key refuses under its own name (blog: no secret key)" bash -c \
	"FLACON_APP_SECRET_KEY= ./blog runserver --listen unix:$T/nokey.sock 2>&1 >/dev/null | grep -q '^blog: no secret key'"
check "blog db upgrade applies the blog's migrations" ./blog db upgrade
check "blog db current is the head" bash -c "./blog db current | grep -q '(head)'"
check "blog db migrate finds the migrations in step with the models (No changes)" bash -c \
	"./blog db migrate -m none | grep -qx 'No changes in schema detected.'"

# --- the data layer and the pages (in-process) --------------------------------
# VALGRIND=1: under valgrind's memcheck (an error or a leak fails it).
VG=()
if [ -n "${VALGRIND:-}" ]; then
	VG=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99)
fi
# program NAME: run ./test_NAME, add its "NAME: N passed, M failed" line to
# the totals; a crash or a valgrind error without a failure is one more.
program() {
	local name=$1 line p f
	"${VG[@]}" "./test_$name" >"$T/$name.out" 2>"$T/$name.err"
	[ $? -ne 0 ] && ! grep -qE "^$name: [0-9]+ passed, [1-9]" "$T/$name.out" && ko "test_$name exits 0 (valgrind or a crash?)"
	cat "$T/$name.err" >&2
	line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed\$" "$T/$name.out" | tail -1)
	if [ -z "$line" ]; then
		ko "test_$name ran to its result line"
		return
	fi
	say "     $line"
	p=${line#"$name": }
	PASS=$((PASS + ${p%% passed*}))
	f=${p#*passed, }
	FAIL=$((FAIL + ${f%% failed}))
}
program models
t0=$EPOCHREALTIME
program routes
say "     routes: ran in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s"

# --- the commands that fill the database (for the smoke test) ---------------------
check "blog seed --users 3 --articles 12" bash -c "./blog seed --users 3 --articles 12 | grep -qx 'Seeded 3 users, 12 articles, 3 comments'"
check "blog createuser alice (password on stdin)" bash -c "printf 'right-password\n' | ./blog createuser alice | grep -q '^Created user alice'"
check "blog createuser alice again fails (exit 1): the name is taken" bash -c \
	"printf 'x\n' | ./blog createuser alice 2>/dev/null; [ \$? -eq 1 ]"

# --- nginx in front of blog runserver ---------------------------------------------
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return 0; fi
	done
	return 1
}
PORT=$(free_port)
U=http://127.0.0.1:$PORT
./blog runserver --listen "unix:$T/blog.sock" --workers 2 >"$T/blog.log" 2>&1 &
MASTER=$!
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root root;"
mkdir -p "$T/nginx-tmp"
sed -e "s|@USER_LINE@|$user_line|" -e "s|@PORT@|$PORT|" -e "s|@SOCKET@|$T/blog.sock|" \
	-e "s|@HEALTH_SOCKET@|$T/blog-health.sock|" -e "s|@RUNDIR@|$T|g" tests/nginx.conf.in >"$T/nginx.conf"
up=0
if nginx -e "$T/nginx-error.log" -p "$T" -c "$T/nginx.conf"; then
	for _ in $(seq 1 100); do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "$U/healthz")" = 200 ]; then up=1; break; fi
		sleep 0.1
	done
fi
if [ $up = 0 ]; then
	ko "nginx + blog runserver answer /healthz"
	cat "$T/blog.log" "$T/nginx-error.log" >&2 2>/dev/null
	finish
fi
ok "nginx + blog runserver answer /healthz"

# get NAME PATH [CURL ARGS...]: headers into $T/NAME.h, body into $T/NAME.b
get() {
	local name=$1 path=$2
	shift 2
	curl -s -m 10 -D "$T/$name.h" -o "$T/$name.b" "$@" "$U$path"
	tr -d '\r' <"$T/$name.h" >"$T/$name.hh" && mv "$T/$name.hh" "$T/$name.h"
}
status() { head -1 "$T/$1.h" | awk '{print $2}'; }

# --- a page through the stack (the pages themselves: ./test_routes) ---------------
# The data layer's tests left the tables empty; seed made 12 articles.
get p1 /articles
check "through nginx and FastCGI, GET /articles answers 200 with the seeded articles and the security headers" bash -c \
	"[ $(status p1) = 200 ] && grep -q 'Article 12</a>' '$T/p1.b' && grep -qi '^X-Content-Type-Options: nosniff' '$T/p1.h'"

# --- stop -------------------------------------------------------------------------------
kill -TERM "$MASTER" 2>/dev/null
for _ in $(seq 1 100); do kill -0 "$MASTER" 2>/dev/null || break; sleep 0.1; done
check "blog runserver stops on SIGTERM" bash -c "! kill -0 $MASTER 2>/dev/null"
MASTER=""
if grep -qE 'AddressSanitizer|runtime error:' "$T/blog.log"; then
	ko "no sanitizer report in the server's log"
	grep -E -A20 'AddressSanitizer|runtime error:' "$T/blog.log" | head -40 >&2
fi
finish
