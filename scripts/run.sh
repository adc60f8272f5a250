#!/usr/bin/env bash
# run.sh — `make run`: `flacon dev` (app/cli/dev.c) from the repository's
# root: the embedded MariaDB with its data under var/ (kept between runs),
# migrations, demo data when the database is empty, the workers and nginx
# on http://127.0.0.1:8080/ (FLACON_PORT). Ctrl-C stops all of it.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PORT=${FLACON_PORT:-8080}
VAR=$ROOT/var
mkdir -p "$VAR/run"

if [ -s "$VAR/run/master.pid" ] && kill -0 "$(cat "$VAR/run/master.pid")" 2>/dev/null; then
	echo "Flacon already runs (pid $(cat "$VAR/run/master.pid")); 'make stop' stops it." >&2
	exit 1
fi

# make run is development on 127.0.0.1 (SPEC 2): the benchmark routes are on.
export FLACON_SERVER_BENCH_ROUTES=${FLACON_SERVER_BENCH_ROUTES:-true}
# Ctrl-C reaches dev from the terminal; this shell only waits for it, and
# names it in var/run/master.pid for `make stop` (scripts/stop.sh).
trap '' INT
"$ROOT/build/flacon" dev --port "$PORT" &
DEV=$!
echo "$DEV" >"$VAR/run/master.pid"
wait "$DEV"
rc=$?
rm -f "$VAR/run/master.pid"
exit $rc
