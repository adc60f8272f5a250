# bench-stack.sh — sourced by scripts/bench.sh (`make bench`) and
# bench/throttle.sh (`make bench-throttle`): the private stack a benchmark
# runs on. bench_stack NAME makes a temporary directory $T, starts MariaDB
# in it at innodb_flush_log_at_trx_commit = BENCH_FLUSH_AT_COMMIT (1, the
# production default: a commit waits for its flush; FLUSH_AT_COMMIT holds
# the value the server reports) and exports the production settings with
# workers = $CPUS; PORT and BASE are nginx's; start_master runs the workers
# and warms the given paths with wrk -c$CONNS; cleanup (on exit) stops all
# of it, and every pid in EXTRA_PIDS (programs a bench started beside the
# workers). Needs scripts/stack.sh sourced first; ROOT, CPUS and CONNS set;
# BUILD names the build directory (default build).
MASTER=""
FLACON=$ROOT/${BUILD:-build}/flacon
EXTRA_PIDS=""

stop_master() {
	[ -n "$MASTER" ] && kill -TERM "$MASTER" 2>/dev/null
	for _ in $(seq 1 200); do [ -n "$MASTER" ] && kill -0 "$MASTER" 2>/dev/null || break; sleep 0.1; done
	MASTER=""
}
# stop_pids PID...: SIGTERM, then up to 10 s for each to exit.
stop_pids() {
	local pid
	for pid in "$@"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "$@"; do
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	done
}
cleanup() {
	stop_master
	# shellcheck disable=SC2086
	stop_pids $EXTRA_PIDS
	nginx_stop "$T"
	mariadb_stop "$T/db"
	rm -rf "$T"
}

bench_stack() {
	T=$(mktemp -d "/tmp/flacon-$1.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	mariadb_start "$T/db" >/dev/null || exit 1
	# stack.sh starts MariaDB at = 2 (make run); the benchmark pays what a
	# production server pays for a commit.
	mariadb --no-defaults --socket="$T/db/mysqld.sock" -uroot \
		-e "SET GLOBAL innodb_flush_log_at_trx_commit = ${BENCH_FLUSH_AT_COMMIT:-1}" || exit 1
	FLUSH_AT_COMMIT=$(mariadb --no-defaults --socket="$T/db/mysqld.sock" -uroot -N \
		-e 'SELECT @@GLOBAL.innodb_flush_log_at_trx_commit')
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
