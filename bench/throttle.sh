#!/usr/bin/env bash
# throttle.sh — `make bench-throttle` (issue 14, SPEC 10): does one client
# sending wrong passwords as fast as it can slow everybody else down? A
# private stack (MariaDB, workers = CPUs in production mode, nginx) in a
# temporary directory; the p50 of GET /api/articles?page=1 under wrk -c16:
#   1. alone,
#   2. with one more connection POSTing wrong passwords for alice (and with
#      six such connections),
#   3. with six connections registering a taken name with a valid password,
#   4. the same with throttling turned off (limits of 1 000 000),
# each wrk run bounded by THROTTLE_SECONDS (10). Loopback only.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/stack.sh
SECS=${THROTTLE_SECONDS:-10}
CPUS=$(nproc)
CONNS=16
source scripts/bench-stack.sh
bench_stack throttle
"$FLACON" db upgrade >/dev/null && "$FLACON" seed --users 100 --articles 2000 --courses 20 >/dev/null || exit 1
nginx_conf conf/nginx.conf.in "$T/nginx.conf" "$PORT" "$T/flacon.sock" "$T" "$ROOT/www/static" 1048576
nginx_start "$T/nginx.conf" "$T" || exit 1

# p50 [N [SCRIPT PATH]]: the 50th percentile of /api/articles?page=1 under
# -c16, with N connections beside it when N is given, sending wrong
# passwords (or SCRIPT's requests to PATH).
p50() {
	local attacker=""
	local script=${2:-bench/wrong_login.lua} path=${3:-/api/login}
	if [ -n "${1:-}" ]; then
		wrk -t1 -c"$1" -d"$((SECS + 2))s" -s "$script" "$BASE$path" >"$T/attack.txt" 2>&1 &
		attacker=$!
		sleep 1
	fi
	wrk -t2 -c16 -d"${SECS}s" --latency "$BASE/api/articles?page=1" >"$T/wrk.txt" 2>&1
	[ -n "$attacker" ] && wait "$attacker"
	local p rps
	p=$(awk '$1 == "50%" {print $2}' "$T/wrk.txt")
	rps=$(awk '$1 == "Requests/sec:" {print $2}' "$T/wrk.txt")
	if [ -n "$attacker" ]; then
		local att
		att=$(awk '$1 == "Requests/sec:" {print $2}' "$T/attack.txt")
		echo "p50 $p, $rps req/s; attempts: $att per s"
	else
		echo "p50 $p, $rps req/s"
	fi
}

start_master '/api/articles?page=1'
echo "alone:                                 $(p50)"
echo "beside 1 wrong-password connection:    $(p50 1)"
echo "beside 6 wrong-password connections:   $(p50 6)"
echo "beside 6 taken-name registrations:     $(p50 6 bench/taken_register.lua /api/register)"
stop_master
export FLACON_AUTH_ACCOUNT_FAILURES=1000000 FLACON_AUTH_ADDRESS_FAILURES=1000000
start_master '/api/articles?page=1'
echo "throttling off, 1 such connection:     $(p50 1)"
echo "throttling off, 6 such connections:    $(p50 6)"
echo "throttling off, 6 taken-name regs:     $(p50 6 bench/taken_register.lua /api/register)"
