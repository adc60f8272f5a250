# stack.sh — shell functions that bring up and stop the private services of
# Flacon: a MariaDB instance in a directory of ours (unix socket only, no
# system service) and nginx from conf/nginx.conf.in. Sourced by
# scripts/run.sh (make run), tests/run.sh (make test) and scripts/bench.sh.
# Every function takes its directory as an argument; nothing is global.

# Find a free TCP port on 127.0.0.1.
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# mariadb_start DIR [SOCKET] — initialise DIR/data if empty and start
# mariadbd on SOCKET (default DIR/mysqld.sock); creates databases flacon and
# flacon_test and user flacon (no password, socket only). Waits until it
# answers.
mariadb_start() {
	local dir=$1
	mkdir -p "$dir/data" "$dir/tmp"
	dir=$(cd "$dir" && pwd)
	local sock=${2:-$dir/mysqld.sock}
	[ -e "$dir/socket-path" ] && [ -z "${2:-}" ] && sock=$(cat "$dir/socket-path")
	echo "$sock" >"$dir/socket-path"
	local userarg=()
	[ "$(id -u)" = 0 ] && userarg=(--user=root)
	if [ ! -d "$dir/data/mysql" ]; then
		mariadb-install-db --no-defaults --datadir="$dir/data" "${userarg[@]}" \
			--auth-root-authentication-method=socket --skip-test-db \
			>"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; return 1; }
		local fresh=1
	fi
	mariadbd --no-defaults --datadir="$dir/data" --socket="$sock" \
		--pid-file="$dir/mysqld.pid" --skip-networking --tmpdir="$dir/tmp" \
		--log-error="$dir/mysqld.err" "${userarg[@]}" \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
		--innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 \
		--innodb-log-file-size=128M --max-connections=500 \
		--skip-log-bin --performance-schema=OFF \
		>/dev/null 2>&1 &
	echo $! >"$dir/mysqld.launcher.pid"
	for _ in $(seq 1 300); do
		if mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1; then
			break
		fi
		sleep 0.1
	done
	mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1 ||
		{ echo "mariadb did not start; see $dir/mysqld.err" >&2; tail -20 "$dir/mysqld.err" >&2; return 1; }
	local me
	me=$(id -un)
	mariadb --no-defaults --socket="$sock" -uroot <<SQL
CREATE DATABASE IF NOT EXISTS flacon CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'flacon'@'localhost';
GRANT ALL PRIVILEGES ON flacon.* TO 'flacon'@'localhost';
CREATE DATABASE IF NOT EXISTS flacon_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
GRANT ALL PRIVILEGES ON \`flacon\\_%\`.* TO 'flacon'@'localhost';
CREATE USER IF NOT EXISTS '$me'@'localhost' IDENTIFIED VIA unix_socket;
GRANT ALL PRIVILEGES ON *.* TO '$me'@'localhost';
SQL
}

# mariadb_stop DIR — shut the instance down cleanly (waits for it).
mariadb_stop() {
	local dir=$1
	local sock=$dir/mysqld.sock
	[ -e "$dir/socket-path" ] && sock=$(cat "$dir/socket-path")
	[ -f "$dir/mysqld.pid" ] || return 0
	local pid
	pid=$(cat "$dir/mysqld.pid" 2>/dev/null)
	mariadb-admin --no-defaults --socket="$sock" -uroot shutdown >/dev/null 2>&1 ||
		{ [ -n "$pid" ] && kill "$pid" 2>/dev/null; }
	for _ in $(seq 1 100); do
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -f "$dir/mysqld.pid"
	return 0
}

STACK_CONF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../conf" && pwd)

# nginx_conf TEMPLATE OUT PORT FCGI_SOCKET RUNDIR STATIC_ROOT MAX_BODY —
# write an nginx.conf from conf/nginx.conf.in. /healthz goes to the health
# socket runserver opens beside FCGI_SOCKET (X.sock -> X-health.sock); the
# lines marked "# bench" (benchmark routes) are kept only when
# FLACON_SERVER_BENCH_ROUTES is true.
nginx_conf() {
	local tpl=$1 out=$2 port=$3 sock=$4 rundir=$5 static=$6 maxbody=$7
	local bench='/# bench$/d'
	case ${FLACON_SERVER_BENCH_ROUTES:-} in true|1|yes|on) bench='s/  *# bench$//' ;; esac
	local user_line=""
	[ "$(id -u)" = 0 ] && user_line="user root root;"
	mkdir -p "$rundir/nginx-tmp"
	# nginx refuses bodies far above max_body itself; between max_body and
	# that, Flacon answers 413 in the format of the route (JSON under /api).
	local nginx_body=$(( maxbody * 2 + 65536 ))
	sed -e "s|@USER_LINE@|$user_line|g" -e "s|@LISTEN_ADDR@|${FLACON_LISTEN_ADDR:-127.0.0.1}|g" -e "s|@PORT@|$port|g" -e "s|@FCGI_SOCKET@|$sock|g" -e "s|@HEALTH_SOCKET@|${sock%.sock}-health.sock|g" \
	    -e "s|@RUNDIR@|$rundir|g" -e "s|@STATIC_ROOT@|$static|g" -e "s|@NGINX_BODY@|$nginx_body|g" \
	    -e "s|@CONF_DIR@|$STACK_CONF_DIR|g" -e "$bench" \
	    "$tpl" >"$out"
}

# nginx_start CONF RUNDIR — start nginx in the foreground-less daemon mode
# with its pid under RUNDIR.
nginx_start() {
	local conf=$1 rundir=$2
	nginx -e "$rundir/nginx-error.log" -p "$rundir" -c "$conf" || return 1
	for _ in $(seq 1 50); do
		[ -s "$rundir/nginx.pid" ] && return 0
		sleep 0.1
	done
	return 1
}

nginx_stop() {
	local rundir=$1
	[ -f "$rundir/nginx.pid" ] || return 0
	local pid
	pid=$(cat "$rundir/nginx.pid" 2>/dev/null)
	[ -n "$pid" ] && kill -QUIT "$pid" 2>/dev/null
	for _ in $(seq 1 50); do
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -f "$rundir/nginx.pid"
	return 0
}

# wait_http URL [TRIES] — poll until URL answers anything.
wait_http() {
	local url=$1 tries=${2:-100}
	for _ in $(seq 1 "$tries"); do
		curl -s -o /dev/null -m 2 "$url" && return 0
		sleep 0.1
	done
	return 1
}
