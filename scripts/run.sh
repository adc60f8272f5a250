#!/usr/bin/env bash
# run.sh — `make run`: the whole stack on http://127.0.0.1:8080/ with the
# data under var/ (kept between runs). Ctrl-C stops all of it.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/stack.sh
PORT=${FLACON_PORT:-8080}
VAR=$ROOT/var
mkdir -p "$VAR/run" "$VAR/log"

if [ -s "$VAR/run/master.pid" ] && kill -0 "$(cat "$VAR/run/master.pid")" 2>/dev/null; then
	echo "Flacon already runs (pid $(cat "$VAR/run/master.pid")); 'make stop' stops it." >&2
	exit 1
fi

MASTER=""
stop_all() {
	trap - INT TERM EXIT
	echo
	echo "stopping..."
	if [ -n "$MASTER" ]; then
		kill -TERM "$MASTER" 2>/dev/null
		for _ in $(seq 1 300); do kill -0 "$MASTER" 2>/dev/null || break; sleep 0.1; done
	fi
	rm -f "$VAR/run/master.pid"
	nginx_stop "$VAR/run"
	mariadb_stop "$VAR/db"
	echo "stopped."
}
trap stop_all EXIT
trap 'exit 0' INT TERM

mariadb_start "$VAR/db" "$VAR/run/mysqld.sock" || exit 1
export FLACON_DATABASE_URL="mariadb://flacon@localhost/flacon?socket=$VAR/run/mysqld.sock"
FLACON=$ROOT/build/flacon
# make run is development on 127.0.0.1 (SPEC 2): the benchmark routes are
# on, and demo data is loaded only in development mode, never into a
# database run with app.env = production.
export FLACON_SERVER_BENCH_ROUTES=${FLACON_SERVER_BENCH_ROUTES:-true}
APP_ENV=${FLACON_APP_ENV:-$(awk -F' *= *' '/^\[/ {s=$0} s=="[app]" && $1=="env" {print $2}' "${FLACON_CONF:-conf/flacon.conf}" 2>/dev/null)}
"$FLACON" db upgrade || exit 1
if [ "${APP_ENV:-production}" = development ]; then
	"$FLACON" seed --if-empty || exit 1
else
	echo "app.env is ${APP_ENV:-production}: no demo data loaded" >&2
fi

"$FLACON" runserver --listen "unix:$VAR/run/flacon.sock" 2>&1 | tee -a "$VAR/log/flacon.log" &
sleep 0.2
MASTER=$(pgrep -f "flacon runserver --listen unix:$VAR/run/flacon.sock" | head -1)
echo "$MASTER" >"$VAR/run/master.pid"
MAX_BODY=$(sed -n 's/^max_body *= *//p' conf/flacon.conf | head -1)
nginx_conf conf/nginx.conf.in "$VAR/run/nginx.conf" "$PORT" "$VAR/run/flacon.sock" "$VAR/run" \
	"$ROOT/www/static" "${MAX_BODY:-1048576}"
nginx_start "$VAR/run/nginx.conf" "$VAR/run" || { echo "nginx did not start" >&2; exit 1; }
wait_http "http://127.0.0.1:$PORT/healthz" 100 || { echo "Flacon did not answer" >&2; exit 1; }
echo
echo "Flacon is up: http://127.0.0.1:$PORT/   (Ctrl-C stops it)"
wait
