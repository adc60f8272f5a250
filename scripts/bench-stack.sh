# bench-stack.sh — sourced by scripts/bench.sh (`make bench`) and
# bench/throttle.sh (`make bench-throttle`): the private stack a benchmark
# runs on. bench_stack NAME makes a temporary directory $T, starts MariaDB
# in it and exports the production settings with workers = $CPUS; PORT and
# BASE are nginx's; start_master runs the workers and warms the given
# paths with wrk -c$CONNS; cleanup (on exit) stops all of it. Needs
# scripts/stack.sh sourced first; ROOT, CPUS and CONNS set.
MASTER=""
FLACON=$ROOT/build/flacon

stop_master() {
	[ -n "$MASTER" ] && kill -TERM "$MASTER" 2>/dev/null
	for _ in $(seq 1 200); do [ -n "$MASTER" ] && kill -0 "$MASTER" 2>/dev/null || break; sleep 0.1; done
	MASTER=""
}
cleanup() {
	stop_master
	nginx_stop "$T"
	mariadb_stop "$T/db"
	rm -rf "$T"
}

bench_stack() {
	T=$(mktemp -d "/tmp/flacon-$1.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	mariadb_start "$T/db" >/dev/null || exit 1
	export FLACON_DATABASE_URL="mariadb://flacon@localhost/flacon?socket=$T/db/mysqld.sock"
	export FLACON_APP_ENV=production
	FLACON_APP_SECRET_KEY=$(head -c 32 /dev/urandom | base64)
	export FLACON_APP_SECRET_KEY
	export FLACON_SERVER_WORKERS=$CPUS
	PORT=$(free_port)
	BASE=http://127.0.0.1:$PORT
}

# start_master PATH...: the workers on $T/flacon.sock, ready, and each PATH
# warmed for 2 s (the buffer pool, the workers' statement caches).
start_master() {
	"$FLACON" runserver --listen "unix:$T/flacon.sock" >>"$T/flacon.log" 2>&1 &
	MASTER=$!
	wait_http "$BASE/healthz" 100 || { tail -20 "$T/flacon.log"; exit 1; }
	local p
	for p in "$@"; do
		wrk -t2 -c"$CONNS" -d2s "$BASE$p" >/dev/null 2>&1
	done
}
