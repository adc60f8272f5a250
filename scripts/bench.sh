#!/usr/bin/env bash
# bench.sh — `make bench`: a private stack (MariaDB, workers = CPUs in
# production mode, nginx) in a temporary directory, wrk against each row,
# the table printed and written to bench/results.md. Loopback only; every
# wrk run is bounded by BENCH_SECONDS.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/stack.sh
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-32}
CPUS=$(nproc)
T=$(mktemp -d /tmp/flacon-bench.XXXXXX)
MASTER=""
cleanup() {
	[ -n "$MASTER" ] && kill -TERM "$MASTER" 2>/dev/null
	for _ in $(seq 1 100); do [ -n "$MASTER" ] && kill -0 "$MASTER" 2>/dev/null || break; sleep 0.1; done
	nginx_stop "$T"
	mariadb_stop "$T/db"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mariadb_start "$T/db" || exit 1
export FLACON_DATABASE_URL="mariadb://flacon@localhost/flacon?socket=$T/db/mysqld.sock"
export FLACON_APP_ENV=production
export FLACON_APP_SECRET_KEY=$(head -c 32 /dev/urandom | base64)
export FLACON_SERVER_WORKERS=$CPUS
PORT=$(free_port)
build/flacon runserver --listen "unix:$T/flacon.sock" >"$T/flacon.log" 2>&1 &
MASTER=$!
nginx_conf conf/nginx.conf.in "$T/nginx.conf" "$PORT" "$T/flacon.sock" "$T" "$ROOT/www/static" 1048576
nginx_start "$T/nginx.conf" "$T" || exit 1
wait_http "http://127.0.0.1:$PORT/healthz" 100 || { cat "$T/flacon.log"; exit 1; }
BASE=http://127.0.0.1:$PORT

# row NAME PATH [wrk args...] — run wrk, append "name|rps|p50|p99|non2xx|errors".
ROWS=$T/rows
: >"$ROWS"
row() {
	local name=$1 path=$2
	shift 2
	local out
	out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$@" "$BASE$path" 2>&1)
	local rps p50 p99 non2xx errs
	rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
	p50=$(echo "$out" | awk '$1=="50%" {print $2}')
	p99=$(echo "$out" | awk '$1=="99%" {print $2}')
	non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
	errs=$(echo "$out" | awk '/Socket errors/ {gsub(",",""); print $4+$6+$8+$10}')
	echo "$name|$path|${rps:-0}|${p50:--}|${p99:--}|${non2xx:-0}|${errs:-0}" >>"$ROWS"
	printf '%-34s %10s req/s  p50 %-8s p99 %-8s non-2xx %s  socket errors %s\n' \
		"$name" "${rps:-0}" "${p50:--}" "${p99:--}" "${non2xx:-0}" "${errs:-0}"
}

echo "wrk -t2 -c$CONNS -d${SECS}s, $CPUS CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
row "static file (nginx)" /static/style.css
row "nginx return 200" /_nginx
row "FastCGI hello (/_hello)" /_hello
row "/healthz (one round trip)" /healthz
if [ -f scripts/bench-app.sh ]; then source scripts/bench-app.sh; fi

HELLO=$(awk -F'|' '$2=="/_hello" {print $3}' "$ROWS")
mkdir -p bench
{
	echo "# Flacon benchmark"
	echo
	echo "$(date -u +%Y-%m-%d), $CPUS CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
	echo "wrk -t2 -c$CONNS -d${SECS}s --latency over loopback; nginx + $CPUS workers, production mode."
	echo
	echo "| row | path | req/s | p50 | p99 | non-2xx | socket errors | ratio to /_hello |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	while IFS='|' read -r name path rps p50 p99 non2xx errs; do
		ratio=$(awk -v a="$rps" -v b="$HELLO" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
		echo "| $name | \`$path\` | $rps | $p50 | $p99 | $non2xx | $errs | $ratio |"
	done <"$ROWS"
} >bench/results.md
echo "written bench/results.md"
