#!/usr/bin/env bash
# tests/run.sh — the test harness behind `make test`: starts a throw-away
# MariaDB, the Flacon workers and nginx on free ports under a temporary
# directory, runs every suite, prints each suite's line and the total, and
# stops everything even when a suite fails or the run is interrupted. The
# deploy: suite (tests/deploy/run.sh) builds, installs and purges the Debian
# package and builds the container image against this MariaDB. The
# cluster: suite gets its own three Galera nodes, three hosts and nginx
# (scripts/cluster.sh) under the same directory, last.
# Usage: tests/run.sh BUILD_DIR [SUITE...]   (no SUITE: all of them)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${1:-build}
shift || true
ONLY=" ${*:-} "
source scripts/stack.sh
source scripts/cluster.sh

T=$(mktemp -d /tmp/flacon-test.XXXXXX)
export FLACON_TEST_TMP=$T
LOG=$T/results.txt
: >"$LOG"
MASTER_PID=""

cleanup() {
	[ -d "$T/cluster" ] && cluster_kill "$T/cluster"
	[ -n "$MASTER_PID" ] && kill -TERM "$MASTER_PID" 2>/dev/null
	for _ in $(seq 1 100); do
		[ -n "$MASTER_PID" ] && kill -0 "$MASTER_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$MASTER_PID" ] && kill -KILL "$MASTER_PID" 2>/dev/null
	pkill -KILL -f "runserver --listen unix:$T/" 2>/dev/null
	nginx_stop "$T"
	mariadb_stop "$T/db"
	if [ -n "${KEEP_TEST_DIR:-}" ]; then echo "test dir kept: $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

want() { [ "$ONLY" = "  " ] || [[ "$ONLY" == *" $1 "* ]]; }

# run_suite NAME CMD... — run one suite, keep its "NAME: N passed, M failed"
# line; a suite that dies without printing it counts as one failure.
run_suite() {
	local name=$1
	shift
	want "$name" || return 0
	local out=$T/suite-$name.out
	"$@" >"$out" 2>"$T/suite-$name.err"
	local rc=$?
	local line
	line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed$" "$out" | tail -1)
	cat "$T/suite-$name.err" >&2
	grep -vE "^$name: [0-9]+ passed, [0-9]+ failed$" "$out"
	if [ -z "$line" ]; then
		line="$name: 0 passed, 1 failed"
		echo "$name: the suite exited with status $rc without a result line" >&2
	elif [[ "$line" == "$name: 0 passed, 0 failed" ]]; then
		echo "$name: the suite ran no test" >&2
		line="$name: 0 passed, 1 failed"
	elif [ $rc -ne 0 ] && [[ "$line" == *", 0 failed" ]]; then
		line="$name: ${line#*: } (but exited $rc)"
		line="$name: $(echo "$line" | grep -oE '[0-9]+ passed'), 1 failed"
	fi
	echo "$line"
	echo "$line" >>"$LOG"
}

# VALGRIND=1: the suites that run in-process (unit, mustache, orm, web, site)
# under valgrind's memcheck; any error or leak fails the suite.
VG=()
if [ -n "${VALGRIND:-}" ]; then
	VG=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99)
fi

export MUSTACHE_SPEC_DIR=${MUSTACHE_SPEC_DIR:-$ROOT/../shared/mustache-spec}

# ---- suites without services -------------------------------------------
[ -x "$BUILD/test_unit" ] && run_suite unit "${VG[@]}" "$BUILD/test_unit"
[ -x "$BUILD/test_mustache" ] && run_suite mustache "${VG[@]}" "$BUILD/test_mustache"

# ---- MariaDB -------------------------------------------------------------
if ! mariadb_start "$T/db"; then
	echo "could not start MariaDB" >&2
	echo "total: 0 passed, 1 failed"
	exit 1
fi
export FLACON_TEST_DB_DIR=$T/db
export FLACON_TEST_DATABASE_URL="mariadb://flacon@localhost/flacon_test?socket=$T/db/mysqld.sock"
[ -x "$BUILD/test_orm" ] && run_suite orm "${VG[@]}" "$BUILD/test_orm"
[ -x "$BUILD/test_web" ] && run_suite web "${VG[@]}" "$BUILD/test_web"
# The bundled site's handlers on the in-process test client (its own
# throw-away database on this MariaDB; no nginx, no workers).
[ -x "$BUILD/test_site" ] && run_suite site "${VG[@]}" "$BUILD/test_site"
# The framework installed and used by an application of its own (SPEC 12).
if [ -f tests/install/run.sh ]; then run_suite install bash tests/install/run.sh "$BUILD"; fi
# The tutorial's blog (examples/blog), built from `make install` alone in a
# directory of its own, and its suite (its own database, nginx, runserver).
if [ -f tests/example/run.sh ]; then run_suite example bash tests/example/run.sh "$BUILD"; fi
# docs/tutorial.md run block by block (flacon new, make check, APP dev),
# and docs/orm.md's C blocks compiled.
if [ -f tests/tutorial/run.sh ]; then run_suite tutorial bash tests/tutorial/run.sh "$BUILD"; fi

# ---- the stack: workers + nginx -------------------------------------------
PORT=$(free_port)
export FLACON_TEST_PORT=$PORT
export FLACON_DATABASE_URL="mariadb://flacon@localhost/flacon?socket=$T/db/mysqld.sock"
export FLACON_APP_SECRET_KEY="test-secret-key-0123456789abcdef-0123456789"
export FLACON_APP_ENV=development
# The e2e and cli suites measure against /_hello (off by default, SPEC 3).
export FLACON_SERVER_BENCH_ROUTES=true
export FLACON_SERVER_WORKERS=${FLACON_SERVER_WORKERS:-2}
export FLACON_HTTP_MAX_BODY=1048576
# A hung database must be a 503 within read_timeout (+1 s): short here so
# the test that SIGSTOPs MariaDB is quick.
export FLACON_DATABASE_READ_TIMEOUT=6
export FLACON_BIN="$ROOT/$BUILD/flacon"
# Schema by the committed migrations (as `make run` does), a little data.
if ! "$BUILD/flacon" db upgrade >"$T/upgrade.log" 2>&1 ||
	! "$BUILD/flacon" seed --users 4 --articles 45 --courses 6 >"$T/seed.log" 2>&1; then
	echo "could not build the schema or seed it" >&2
	cat "$T/upgrade.log" "$T/seed.log" >&2
	echo "total: 0 passed, 1 failed"
	exit 1
fi
"$BUILD/flacon" runserver --listen "unix:$T/flacon.sock" >"$T/flacon.log" 2>&1 &
MASTER_PID=$!
export FLACON_TEST_MASTER_PID=$MASTER_PID
export FLACON_TEST_SERVER_LOG=$T/flacon.log
nginx_conf conf/nginx.conf.in "$T/nginx.conf" "$PORT" "$T/flacon.sock" "$T" "$ROOT/www/static" "$FLACON_HTTP_MAX_BODY"
if ! nginx_start "$T/nginx.conf" "$T" || ! wait_http "http://127.0.0.1:$PORT/healthz" 100; then
	echo "could not start nginx + flacon" >&2
	cat "$T/flacon.log" "$T/nginx-error.log" >&2 2>/dev/null
	echo "total: 0 passed, 1 failed"
	exit 1
fi
[ -x "$BUILD/test_e2e" ] && run_suite e2e "$BUILD/test_e2e"
[ -x "$BUILD/test_cli" ] && run_suite cli "$BUILD/test_cli"
if [ -f tests/browser/run.sh ]; then run_suite browser bash tests/browser/run.sh; fi
# The deploy: suite (SPEC 13): the production nginx site in front of these
# workers, then the Debian package and the container image against this
# MariaDB. It installs and purges a package: root only, as CI runs.
if want deploy && [ -f tests/deploy/run.sh ]; then
	# The installed package runs as the flacon user, who must reach the
	# MariaDB socket under $T.
	chmod 711 "$T"
	t0=$SECONDS
	run_suite deploy bash tests/deploy/run.sh
	echo "deploy: ran in $((SECONDS - t0)) s" >&2
fi

if ! kill -0 "$MASTER_PID" 2>/dev/null; then
	echo "the flacon master died during the tests" >&2
	echo "server: 0 passed, 1 failed" >>"$LOG"
fi
if grep -qE 'AddressSanitizer|runtime error:' "$T/flacon.log" 2>/dev/null; then
	echo "sanitizer reports in the server log:" >&2
	grep -E -A20 'AddressSanitizer|runtime error:' "$T/flacon.log" | head -60 >&2
	echo "server-sanitizer: 0 passed, 1 failed" >>"$LOG"
fi

# ---- the cluster: 3 Galera nodes, 3 hosts, one nginx (SPEC 11) -----------
# Its own throw-away topology under $T/cluster, killed by cleanup.
if want cluster && [ -x "$BUILD/test_cluster" ]; then
	# Run by root, the nodes run as the mysql user, who must get through $T.
	chmod 711 "$T"
	t0=$SECONDS
	if cluster_up "$T/cluster" "$BUILD/flacon" >"$T/cluster-up.log" 2>&1; then
		echo "cluster: topology up in $((SECONDS - t0)) s" >&2
		export FLACON_CLUSTER_DIR=$T/cluster
		run_suite cluster "$BUILD/test_cluster"
		if grep -qE 'AddressSanitizer|runtime error:' "$T"/cluster/host*/flacon.log 2>/dev/null; then
			echo "sanitizer reports in the cluster hosts' logs:" >&2
			grep -h -E -A20 'AddressSanitizer|runtime error:' "$T"/cluster/host*/flacon.log | head -60 >&2
			echo "cluster-sanitizer: 0 passed, 1 failed" >>"$LOG"
		fi
	else
		echo "cluster: could not bring up the Galera cluster:" >&2
		tail -30 "$T/cluster-up.log" >&2
		echo "cluster: 0 passed, 1 failed"
		echo "cluster: 0 passed, 1 failed" >>"$LOG"
	fi
fi

passed=$(awk -F'[:,]' '{split($2,a," "); p+=a[1]} END {print p+0}' "$LOG")
failed=$(awk -F'[:,]' '{split($3,a," "); f+=a[1]} END {print f+0}' "$LOG")
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
