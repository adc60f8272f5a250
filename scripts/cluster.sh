#!/usr/bin/env bash
# cluster.sh — Flacon's scale-out topology (SPEC 11) on one machine: three
# MariaDB Galera nodes, three `flacon runserver` hosts that all get the same
# database host list (one writer node at a time: the first usable one), and
# one nginx whose upstream holds the three hosts. Everything lives under one
# directory: var/cluster for `make cluster`, a temporary one for the
# cluster: suite. Sourced for its functions (tests/run.sh, scripts/stop.sh)
# or run as a command:
#
#   scripts/cluster.sh run DIR [BIN]        up, print the URLs, wait; Ctrl-C stops all
#   scripts/cluster.sh up DIR [BIN]         bring it all up (data kept in DIR is reused)
#   scripts/cluster.sh down DIR             stop it all (the nodes cleanly, node 1 last)
#   scripts/cluster.sh status DIR           each node's wsrep state, each host's /healthz
#   scripts/cluster.sh kill-node DIR N      kill -9 MariaDB node N
#   scripts/cluster.sh start-node DIR N     start node N again: it rejoins by IST
#   scripts/cluster.sh stop-node DIR N      shut node N down cleanly
#   scripts/cluster.sh bootstrap-node DIR N make a lone non-primary survivor primary
#   scripts/cluster.sh kill-host DIR N      kill -9 app host N (master and workers)
#   scripts/cluster.sh stop-host DIR N      SIGTERM app host N (graceful stop)
#   scripts/cluster.sh start-host DIR N     start app host N again
#   scripts/cluster.sh heal DIR             start whatever is down, wait until whole
#   scripts/cluster.sh joined-by DIR N      IST or SST: how node N's last start joined
#   scripts/cluster.sh sql DIR N [ARGS]     the mariadb client on node N (socket)
#   scripts/cluster.sh flacon DIR ARGS      flacon with the hosts' configuration
#
# FLACON_CLUSTER_WRITERS=each gives each host the list in another order
# (host N prefers node N), so that every node takes writes: not the
# product's design (one writer node at a time, see the README), only a
# way to show what the cluster: suite catches when writes go to several
# nodes.
# Ports: FLACON_CLUSTER_PORT (nginx, the three hosts' own ports follow it)
# or free ones; the nodes' ports are always free ones, written to
# DIR/cluster.env with everything else the functions need.
# How a node gets its data: the joiners of a new cluster start from a copy
# of node 1's data directory (taken while it is cleanly shut down), so they
# need no state transfer; a node that was killed rejoins by IST from the
# position `mariadbd --wsrep-recover` finds. A state transfer still runs
# the SST script (rsync, in "bypass" mode for an IST), whose rsync daemon
# cannot write as root (it becomes nobody): run by root, the nodes
# therefore run as the mysql user, as they do on real hosts; DIR and its
# parents must let that user through. (`wsrep_sst_method=skip` would hang
# the joiners instead.)

# cl_die MSG — one line on stderr, failure.
cl_die() {
	echo "cluster: $*" >&2
	return 1
}

# cl_load DIR — read DIR/cluster.env (the ports, passwords and paths).
cl_load() {
	[ -f "$1/cluster.env" ] || cl_die "no cluster under $1" || return 1
	# shellcheck disable=SC1091
	source "$1/cluster.env"
}

# cl_check_packages — say clearly what is missing for a cluster.
cl_check_packages() {
	local miss=()
	command -v mariadbd >/dev/null 2>&1 || miss+=(mariadb-server)
	[ -f /usr/lib/galera/libgalera_smm.so ] || miss+=(galera-4)
	command -v rsync >/dev/null 2>&1 || miss+=(rsync)
	command -v nginx >/dev/null 2>&1 || miss+=(nginx)
	[ ${#miss[@]} -eq 0 ] && return 0
	cl_die "missing Debian packages: ${miss[*]} (scripts/deps.sh cluster installs them)"
}

# cl_free_ports N — N distinct free TCP ports of 127.0.0.1, one a line,
# below the kernel's ephemeral range (a port of that range that is free now
# may be the local end of some connection by the time a node binds it).
cl_free_ports() {
	local want=$1 got=() p low=32768
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	[ "$low" -gt 12000 ] || low=32768
	for _ in $(seq 1 500); do
		[ ${#got[@]} -ge "$want" ] && break
		p=$(( 10000 + RANDOM % (low - 10000) ))
		[[ " ${got[*]} " == *" $p "* ]] && continue
		(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && continue
		got+=("$p")
	done
	[ ${#got[@]} -ge "$want" ] || return 1
	printf '%s\n' "${got[@]}"
}

# cl_port_busy PORT — something listens on 127.0.0.1:PORT.
cl_port_busy() {
	(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null
}

cl_random() {
	head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "$1"
}

# cl_write_env DIR ROOT BIN — choose the ports and write DIR/cluster.env;
# the database password and the secret key of an existing DIR are kept
# (they are in its data).
cl_write_env() {
	local dir=$1 root=$2 bin=$3
	local pass secret
	if [ -f "$dir/cluster.env" ]; then
		pass=$(sed -n 's/^CL_DB_PASSWORD=//p' "$dir/cluster.env")
		secret=$(sed -n 's/^CL_SECRET=//p' "$dir/cluster.env")
	fi
	[ -n "${pass:-}" ] || pass=$(cl_random 24)
	[ -n "${secret:-}" ] || secret=$(cl_random 48)
	local ports
	mapfile -t ports < <(cl_free_ports 16) || true
	[ ${#ports[@]} -eq 16 ] || cl_die "no free ports" || return 1
	local http=${FLACON_CLUSTER_PORT:-}
	if [ -n "$http" ]; then
		local p
		for p in "$http" $((http + 1)) $((http + 2)) $((http + 3)); do
			! cl_port_busy "$p" || cl_die "port $p is in use (FLACON_CLUSTER_PORT=$http)" || return 1
		done
		ports[12]=$http ports[13]=$((http + 1)) ports[14]=$((http + 2)) ports[15]=$((http + 3))
	fi
	{
		echo "CL_DIR=$dir"
		echo "CL_ROOT=$root"
		echo "CL_BIN=$bin"
		echo "CL_DB_PASSWORD=$pass"
		echo "CL_SECRET=$secret"
		local n i=0
		for n in 1 2 3; do
			echo "CL_NODE_PORT_$n=${ports[i]}"
			echo "CL_GCOMM_PORT_$n=${ports[i + 1]}"
			echo "CL_IST_PORT_$n=${ports[i + 2]}"
			echo "CL_SST_PORT_$n=${ports[i + 3]}"
			i=$((i + 4))
		done
		echo "CL_HTTP_PORT=${ports[12]}"
		echo "CL_HOST_PORT_1=${ports[13]}"
		echo "CL_HOST_PORT_2=${ports[14]}"
		echo "CL_HOST_PORT_3=${ports[15]}"
		# The one database URL of every host: the same list, in the same
		# order, so that they all write to the same (first usable) node.
		echo "CL_DB_URL=mariadb://flacon:$pass@127.0.0.1:${ports[0]},127.0.0.1:${ports[4]},127.0.0.1:${ports[8]}/flacon"
		echo "CL_WRITERS=${FLACON_CLUSTER_WRITERS:-one}"
	} >"$dir/cluster.env"
}

# cl_own PATH — run by root, PATH belongs to the mysql user the nodes run
# as, who must be able to reach it.
cl_own() {
	[ "$(id -u)" = 0 ] || return 0
	chown -R mysql:mysql "$1" || return 1
	runuser -u mysql -- test -w "$1" ||
		cl_die "the mysql user cannot write $1 (a parent directory keeps it out)"
}

# cl_write_confs DIR — each node's my.cnf, the hosts' flacon.conf and the
# nginx.conf, from DIR/cluster.env and the templates under conf/.
cl_write_confs() {
	local dir=$1 n
	cl_load "$dir" || return 1
	local user_line=""
	[ "$(id -u)" = 0 ] && user_line="user = mysql"
	local peers="127.0.0.1:$CL_GCOMM_PORT_1,127.0.0.1:$CL_GCOMM_PORT_2,127.0.0.1:$CL_GCOMM_PORT_3"
	for n in 1 2 3; do
		local nd=$dir/node$n gp ip sp pp
		mkdir -p "$nd/tmp" "$nd/data"
		cl_own "$nd" || return 1
		pp=CL_NODE_PORT_$n gp=CL_GCOMM_PORT_$n ip=CL_IST_PORT_$n sp=CL_SST_PORT_$n
		sed -e "s|@USER_LINE@|$user_line|" -e "s|@NAME@|node$n|" -e "s|@DIR@|$nd|g" \
		    -e "s|@PORT@|${!pp}|g" -e "s|@GCOMM_PORT@|${!gp}|g" -e "s|@IST_PORT@|${!ip}|g" \
		    -e "s|@SST_PORT@|${!sp}|g" -e "s|@PEERS@|$peers|g" \
		    "$CL_ROOT/conf/galera.cnf.in" >"$nd/my.cnf"
	done
	cat >"$dir/flacon.conf" <<EOF
# The configuration every host of this cluster is given (written by
# scripts/cluster.sh): the same database host list everywhere.
[app]
secret_key = $CL_SECRET
env = production

[server]
workers = ${FLACON_CLUSTER_WORKERS:-2}

[database]
url = $CL_DB_URL
migrations = $CL_ROOT/sql/migrations

[www]
templates = $CL_ROOT/www/templates
EOF
	local nuser=""
	[ "$(id -u)" = 0 ] && nuser="user root root;"
	mkdir -p "$dir/nginx/nginx-tmp"
	sed -e "s|@USER_LINE@|$nuser|" -e "s|@RUNDIR@|$dir/nginx|g" -e "s|@STATIC_ROOT@|$CL_ROOT/www/static|g" \
	    -e "s|@PORT@|$CL_HTTP_PORT|g" -e "s|@HOST1_PORT@|$CL_HOST_PORT_1|g" \
	    -e "s|@HOST2_PORT@|$CL_HOST_PORT_2|g" -e "s|@HOST3_PORT@|$CL_HOST_PORT_3|g" \
	    -e "s|@HOST1_SOCKET@|$dir/host1/flacon.sock|g" -e "s|@HOST2_SOCKET@|$dir/host2/flacon.sock|g" \
	    -e "s|@HOST3_SOCKET@|$dir/host3/flacon.sock|g" \
	    "$CL_ROOT/conf/nginx-cluster.conf.in" >"$dir/nginx/nginx.conf"
}

# ---- MariaDB Galera nodes --------------------------------------------------

# cl_sql DIR N [mariadb options...] — the mariadb client on node N, as the
# system user over the socket (unix_socket authentication).
cl_sql() {
	local dir=$1 n=$2
	shift 2
	mariadb --no-defaults --socket="$dir/node$n/mysqld.sock" -u"$(id -un)" "$@"
}

# cl_node_pid DIR N — the pid of node N's mariadbd when it runs.
cl_node_pid() {
	local f=$1/node$2/launcher.pid pid
	[ -s "$f" ] || return 1
	pid=$(cat "$f")
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

# cl_node_state DIR N — "Primary 4 ON" when node N is a synced member of
# the primary component (wsrep_cluster_status, wsrep_local_state,
# wsrep_ready), something else otherwise.
cl_node_state() {
	cl_sql "$1" "$2" -N -B -e "SELECT GROUP_CONCAT(VARIABLE_VALUE ORDER BY VARIABLE_NAME SEPARATOR ' ')
		FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN
		('wsrep_cluster_status', 'wsrep_local_state', 'wsrep_ready')" 2>/dev/null
}

# cl_node_wait DIR N SECONDS — wait until node N is synced and primary;
# fails at once when its mariadbd exits.
cl_node_wait() {
	local dir=$1 n=$2 secs=${3:-60}
	local end=$((SECONDS + secs))
	while [ $SECONDS -lt $end ]; do
		[ "$(cl_node_state "$dir" "$n")" = "Primary 4 ON" ] && return 0
		if ! cl_node_pid "$dir" "$n" >/dev/null; then
			tail -15 "$dir/node$n/mysqld.err" >&2
			cl_die "node $n exited; see $dir/node$n/mysqld.err"
			return 1
		fi
		sleep 0.2
	done
	tail -15 "$dir/node$n/mysqld.err" >&2
	cl_die "node $n not synced after ${secs}s (state: $(cl_node_state "$dir" "$n"))"
}

# cl_grastate DIR N FIELD — a field of node N's grastate.dat (uuid, seqno,
# safe_to_bootstrap).
cl_grastate() {
	sed -n "s/^$3:[[:space:]]*//p" "$1/node$2/data/grastate.dat" 2>/dev/null
}

# cl_node_position DIR N — uuid:seqno of node N's last committed write
# set. After a clean shutdown grastate.dat has it; after a crash (seqno -1)
# `mariadbd --wsrep-recover` reads it from InnoDB.
cl_node_position() {
	local dir=$1 n=$2 nd=$1/node$2
	local uuid seqno
	uuid=$(cl_grastate "$dir" "$n" uuid)
	seqno=$(cl_grastate "$dir" "$n" seqno)
	if [ -n "$uuid" ] && [ -n "$seqno" ] && [ "$seqno" != -1 ]; then
		echo "$uuid:$seqno"
		return 0
	fi
	rm -f "$nd/recover.log"
	mariadbd --defaults-file="$nd/my.cnf" --wsrep-recover --log-error="$nd/recover.log" \
		</dev/null >/dev/null 2>&1
	local pos
	pos=$(sed -n 's/.*WSREP: Recovered position: *\([^ ]*\).*/\1/p' "$nd/recover.log" | tail -1)
	[ -n "$pos" ] || { tail -5 "$nd/recover.log" >&2; cl_die "node $n: no position recovered"; return 1; }
	echo "$pos"
}

# cl_node_launch DIR N [mariadbd options] — start node N's mariadbd in its
# own session (a Ctrl-C in the terminal is not for it).
cl_node_launch() {
	local dir=$1 n=$2 nd=$1/node$2
	shift 2
	rm -f "$nd/mysqld.pid"
	# Where this start begins in the log: the IST/SST check reads from here.
	stat -c %s "$nd/mysqld.err" 2>/dev/null >"$nd/start.offset" || echo 0 >"$nd/start.offset"
	setsid mariadbd --defaults-file="$nd/my.cnf" "$@" </dev/null >>"$nd/mysqld.out" 2>&1 &
	echo $! >"$nd/launcher.pid"
	# Not a job of the caller's shell: it would report the node's death.
	disown $!
}

# cl_node_start DIR N [--wsrep-new-cluster] — start node N from its last
# position and wait until it is synced: a node killed with -9 rejoins by
# IST from that position (the donor's gcache has what it missed).
cl_node_start() {
	local dir=$1 n=$2
	shift 2
	cl_load "$dir" || return 1
	cl_node_pid "$dir" "$n" >/dev/null && { cl_die "node $n already runs"; return 1; }
	local pos
	pos=$(cl_node_position "$dir" "$n") || return 1
	cl_node_launch "$dir" "$n" --wsrep-start-position="$pos" "$@"
	cl_node_wait "$dir" "$n" 120
}

# cl_node_joined_by DIR N — "IST" or "SST": how node N's last start got
# its state, from the SST script's words in its log ("rsync IST completed
# on joiner"); nothing for a node that bootstrapped the cluster.
cl_node_joined_by() {
	local nd=$1/node$2 off
	off=$(cat "$nd/start.offset" 2>/dev/null || echo 0)
	tail -c +"$((off + 1))" "$nd/mysqld.err" |
		sed -n 's/.*WSREP_SST: \[INFO\] [a-z]* \([IS]ST\) completed on joiner.*/\1/p' | tail -1
}

# cl_node_kill DIR N — kill -9 node N and wait until it is gone.
cl_node_kill() {
	local dir=$1 n=$2 pid
	pid=$(cl_node_pid "$dir" "$n") || return 0
	kill -KILL "$pid" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
	cl_die "node $n (pid $pid) survived kill -9"
}

# cl_node_stop DIR N — clean shutdown of node N (its grastate.dat then
# holds its position).
cl_node_stop() {
	local dir=$1 n=$2 pid
	pid=$(cl_node_pid "$dir" "$n") || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	cl_die "node $n did not shut down in 60 s: killed"
}

# cl_node_bootstrap DIR N — a lone survivor outside the primary component
# (its peers died) becomes the primary component by itself; the others then
# rejoin it by IST.
cl_node_bootstrap() {
	local dir=$1 n=$2
	cl_sql "$dir" "$n" -e "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'" || return 1
	cl_node_wait "$dir" "$n" 30
}

# cl_nodes_fresh DIR — a new cluster: node 1's data directory is made,
# bootstrapped once to get a cluster identity (grastate.dat), given the
# databases and the application's user, shut down cleanly and copied for
# nodes 2 and 3, which therefore start at node 1's position and need no
# state transfer.
cl_nodes_fresh() {
	local dir=$1 n1=$1/node1
	local userarg=()
	[ "$(id -u)" = 0 ] && userarg=(--user=mysql)
	mariadb-install-db --no-defaults --datadir="$n1/data" "${userarg[@]}" \
		--auth-root-authentication-method=socket --skip-test-db \
		>"$n1/install.log" 2>&1 || { cat "$n1/install.log" >&2; cl_die "mariadb-install-db failed"; return 1; }
	cl_node_launch "$dir" 1 --wsrep-new-cluster
	cl_node_wait "$dir" 1 60 || return 1
	local me
	me=$(id -un)
	cl_sql "$dir" 1 <<SQL || { cl_die "could not create the databases and users"; return 1; }
CREATE DATABASE IF NOT EXISTS flacon CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS flacon_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'flacon'@'127.0.0.1' IDENTIFIED BY '$CL_DB_PASSWORD';
CREATE USER IF NOT EXISTS 'flacon'@'localhost' IDENTIFIED BY '$CL_DB_PASSWORD';
GRANT ALL PRIVILEGES ON flacon.* TO 'flacon'@'127.0.0.1';
GRANT ALL PRIVILEGES ON flacon.* TO 'flacon'@'localhost';
GRANT ALL PRIVILEGES ON \`flacon\\_%\`.* TO 'flacon'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`flacon\\_%\`.* TO 'flacon'@'localhost';
CREATE USER IF NOT EXISTS '$me'@'localhost' IDENTIFIED VIA unix_socket;
GRANT ALL PRIVILEGES ON *.* TO '$me'@'localhost' WITH GRANT OPTION;
SQL
	cl_node_stop "$dir" 1 || return 1
	[ "$(cl_grastate "$dir" 1 seqno)" != -1 ] || { cl_die "node 1 kept no position"; return 1; }
	local n
	for n in 2 3; do
		rm -rf "$dir/node$n/data"
		mkdir -p "$dir/node$n/data"
		# Everything but node 1's identity in the group (gvwstate.dat) and
		# its write-set cache.
		(cd "$n1/data" && tar --exclude=./gvwstate.dat --exclude=./galera.cache -cf - .) |
			(cd "$dir/node$n/data" && tar -xf -) || { cl_die "copying node 1's data failed"; return 1; }
		cl_own "$dir/node$n" || return 1
	done
}

# cl_nodes_up DIR — start the three nodes: the one with the latest
# position (node 1 on a tie) bootstraps the cluster, the others join it.
cl_nodes_up() {
	local dir=$1 n best=1 best_seq=-2 pos seq
	for n in 1 2 3; do
		pos=$(cl_node_position "$dir" "$n") || return 1
		seq=${pos##*:}
		if [ "$seq" -gt "$best_seq" ]; then best=$n best_seq=$seq; fi
	done
	# The group view saved by a crash would make the nodes wait for their
	# old peers (pc.recovery); this start is an explicit bootstrap instead.
	rm -f "$dir"/node*/data/gvwstate.dat
	sed -i 's/^safe_to_bootstrap:.*/safe_to_bootstrap: 1/' "$dir/node$best/data/grastate.dat"
	cl_node_start "$dir" "$best" --wsrep-new-cluster || return 1
	local started=()
	for n in 1 2 3; do
		[ "$n" = "$best" ] && continue
		pos=$(cl_node_position "$dir" "$n") || return 1
		cl_node_launch "$dir" "$n" --wsrep-start-position="$pos"
		started+=("$n")
	done
	for n in "${started[@]}"; do
		cl_node_wait "$dir" "$n" 120 || return 1
	done
	local size
	size=$(cl_sql "$dir" 1 -N -B -e "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'" | cut -f2)
	[ "$size" = 3 ] || cl_die "the cluster has $size nodes, not 3"
}

# ---- Flacon hosts and nginx ------------------------------------------------

# cl_host_pid DIR N — the pid of host N's master when it runs.
cl_host_pid() {
	local f=$1/host$2/master.pid pid
	[ -s "$f" ] || return 1
	pid=$(cat "$f")
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

# cl_host_start DIR N — `flacon runserver` of host N on DIR/hostN/flacon.sock
# with DIR/flacon.conf alone (no FLACON_* variable of the caller leaks in),
# in its own process group so that kill-host takes the workers too.
cl_host_start() {
	local dir=$1 n=$2 hd=$1/host$2
	cl_load "$dir" || return 1
	cl_host_pid "$dir" "$n" >/dev/null && { cl_die "host $n already runs"; return 1; }
	mkdir -p "$hd"
	(
		for v in $(compgen -e); do
			case $v in FLACON_*) unset "$v" ;; esac
		done
		export FLACON_CONF=$dir/flacon.conf
		if [ "${CL_WRITERS:-one}" = each ]; then
			# Not the product's design: host N prefers node N, so that
			# every node takes writes (to show what goes wrong then).
			local a=("" "127.0.0.1:$CL_NODE_PORT_1" "127.0.0.1:$CL_NODE_PORT_2" "127.0.0.1:$CL_NODE_PORT_3")
			local m=$(( n % 3 + 1 )) l=$(( (n + 1) % 3 + 1 ))
			export FLACON_DATABASE_URL="mariadb://flacon:$CL_DB_PASSWORD@${a[n]},${a[m]},${a[l]}/flacon"
		fi
		cd "$CL_ROOT" || exit 1
		exec setsid "$CL_BIN" runserver --listen "unix:$hd/flacon.sock" </dev/null >>"$hd/flacon.log" 2>&1
	) &
	local pid=$!
	disown "$pid"
	echo "$pid" >"$hd/master.pid"
	for _ in $(seq 1 100); do
		[ -S "$hd/flacon.sock" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	tail -5 "$hd/flacon.log" >&2
	cl_die "host $n did not start; see $hd/flacon.log"
}

# cl_host_kill DIR N — kill -9 host N's master and workers at once (the
# machine died).
cl_host_kill() {
	local dir=$1 n=$2 pid
	pid=$(cl_host_pid "$dir" "$n") || return 0
	[ "$(awk '{print $5}' "/proc/$pid/stat" 2>/dev/null)" = "$pid" ] ||
		{ cl_die "host $n is not a process group"; return 1; }
	kill -KILL -- "-$pid" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 -- "-$pid" 2>/dev/null || return 0; sleep 0.05; done
	cl_die "host $n survived kill -9"
}

# cl_host_stop DIR N — graceful stop of host N (SIGTERM: requests in hand
# are answered).
cl_host_stop() {
	local dir=$1 n=$2 pid
	pid=$(cl_host_pid "$dir" "$n") || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 -- "-$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
	return 0
}

# cl_http_code PORT PATH — the status of GET PATH (000 when no answer).
cl_http_code() {
	curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$1$2"
}

# cl_host_wait DIR N SECONDS — wait until host N's /healthz says 200.
cl_host_wait() {
	local dir=$1 n=$2 secs=${3:-30} port
	cl_load "$dir" || return 1
	port=CL_HOST_PORT_$n
	local end=$((SECONDS + secs))
	while [ $SECONDS -lt $end ]; do
		[ "$(cl_http_code "${!port}" /healthz)" = 200 ] && return 0
		sleep 0.1
	done
	tail -5 "$dir/host$n/flacon.log" >&2
	cl_die "host $n: /healthz not 200 after ${secs}s"
}

cl_nginx_start() {
	local dir=$1
	nginx -e "$dir/nginx/nginx-error.log" -p "$dir/nginx" -c "$dir/nginx/nginx.conf" ||
		{ cl_die "nginx did not start"; return 1; }
	for _ in $(seq 1 50); do
		[ -s "$dir/nginx/nginx.pid" ] && return 0
		sleep 0.1
	done
	cl_die "nginx wrote no pid file"
}

cl_nginx_stop() {
	local dir=$1 pid
	[ -s "$dir/nginx/nginx.pid" ] || return 0
	pid=$(cat "$dir/nginx/nginx.pid")
	kill -QUIT "$pid" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	rm -f "$dir/nginx/nginx.pid"
	return 0
}

# ---- The whole topology ----------------------------------------------------

# cluster_up DIR BIN [SEED ARGS...] — bring up the three nodes (a new
# cluster when DIR holds none, else the one there), apply the migrations
# once (from one host: DDL replicates in total order), seed with SEED ARGS
# when given, start the three hosts and nginx, and wait until each host's
# /healthz is 200. On failure everything started is stopped.
cluster_up() {
	local dir=$1 bin=$2
	shift 2
	cl_check_packages || return 1
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	local root
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	[ -x "$bin" ] || { cl_die "no flacon binary at $bin"; return 1; }
	bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
	local n
	for n in 1 2 3; do
		cl_node_pid "$dir" "$n" >/dev/null && { cl_die "node $n of $dir already runs"; return 1; }
	done
	cl_write_env "$dir" "$root" "$bin" && cl_write_confs "$dir" || return 1
	mkdir -p "$dir/host1" "$dir/host2" "$dir/host3"
	# DIR/created marks a cluster whose three data directories were made
	# completely; anything else under DIR is remains of a failed start.
	if [ ! -f "$dir/created" ]; then
		rm -rf "$dir"/node*/data
		cl_write_confs "$dir" || return 1
		cl_nodes_fresh "$dir" || { cluster_down "$dir"; return 1; }
		date >"$dir/created"
	fi
	cl_nodes_up "$dir" || { cluster_down "$dir"; return 1; }
	if ! cl_flacon "$dir" db upgrade >"$dir/upgrade.log" 2>&1; then
		cat "$dir/upgrade.log" >&2
		cl_die "flacon db upgrade failed"
		cluster_down "$dir"
		return 1
	fi
	if [ $# -gt 0 ] && ! cl_flacon "$dir" seed "$@" >"$dir/seed.log" 2>&1; then
		cat "$dir/seed.log" >&2
		cl_die "flacon seed $* failed"
		cluster_down "$dir"
		return 1
	fi
	for n in 1 2 3; do
		cl_host_start "$dir" "$n" || { cluster_down "$dir"; return 1; }
	done
	cl_nginx_start "$dir" || { cluster_down "$dir"; return 1; }
	for n in 1 2 3; do
		cl_host_wait "$dir" "$n" 30 || { cluster_down "$dir"; return 1; }
	done
}

# cl_flacon DIR ARGS... — the flacon command line with the hosts'
# configuration (db upgrade, seed, createcourse ...).
cl_flacon() {
	local dir=$1
	shift
	cl_load "$dir" || return 1
	(
		for v in $(compgen -e); do
			case $v in FLACON_*) unset "$v" ;; esac
		done
		export FLACON_CONF=$dir/flacon.conf
		cd "$CL_ROOT" && exec "$CL_BIN" "$@"
	)
}

# cluster_down DIR — stop what runs of it: nginx, the hosts (gracefully),
# then the nodes one after the other, node 1 last, so that node 1 holds
# the latest state and may bootstrap the next start.
cluster_down() {
	local dir=$1 n
	[ -d "$dir" ] || return 0
	cl_nginx_stop "$dir"
	for n in 1 2 3; do cl_host_stop "$dir" "$n"; done
	for n in 3 2 1; do cl_node_stop "$dir" "$n"; done
	return 0
}

# cluster_heal DIR — start every node and host that is down and wait
# until the cluster is whole again (three synced nodes, three hosts whose
# /healthz is 200). A lone survivor outside the primary component becomes
# primary again when its peers return (pc.recovery).
cluster_heal() {
	local dir=$1 n p pids=() rc=0
	cl_load "$dir" || return 1
	for n in 1 2 3; do
		cl_node_pid "$dir" "$n" >/dev/null && continue
		cl_node_start "$dir" "$n" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	for n in 1 2 3; do cl_node_wait "$dir" "$n" 60 || rc=1; done
	for n in 1 2 3; do
		cl_host_pid "$dir" "$n" >/dev/null || cl_host_start "$dir" "$n" || rc=1
	done
	for n in 1 2 3; do cl_host_wait "$dir" "$n" 60 || rc=1; done
	return $rc
}

# cluster_kill DIR — kill -9 all of it at once (a throw-away cluster whose
# directory is removed next: the test harness's cleanup).
cluster_kill() {
	local dir=$1 n
	[ -d "$dir" ] || return 0
	cl_nginx_stop "$dir"
	for n in 1 2 3; do
		cl_host_kill "$dir" "$n"
		cl_node_kill "$dir" "$n"
	done
	return 0
}

cluster_status() {
	local dir=$1 n port
	cl_load "$dir" || return 1
	for n in 1 2 3; do
		if cl_node_pid "$dir" "$n" >/dev/null; then
			echo "node $n (127.0.0.1:$(eval echo "\$CL_NODE_PORT_$n")): $(cl_node_state "$dir" "$n")"
		else
			echo "node $n: down"
		fi
	done
	for n in 1 2 3; do
		port=CL_HOST_PORT_$n
		echo "host $n (http://127.0.0.1:${!port}/): /healthz $(cl_http_code "${!port}" /healthz)"
	done
	echo "nginx http://127.0.0.1:$CL_HTTP_PORT/: /healthz $(cl_http_code "$CL_HTTP_PORT" /healthz)"
}

# cluster_run DIR BIN — `make cluster`: up (seeding an empty database with
# the demo data), print the URLs, wait; Ctrl-C or `make stop` stops it all.
cluster_run() {
	local dir=$1 bin=$2
	if [ -f "$dir/nginx/nginx.pid" ] && kill -0 "$(cat "$dir/nginx/nginx.pid")" 2>/dev/null; then
		cl_die "a cluster already runs under $dir; 'make stop' stops it"
		return 1
	fi
	trap 'trap - INT TERM EXIT; echo; echo "stopping..."; cluster_down "$dir"; echo "stopped."' EXIT
	trap 'exit 0' INT TERM
	local t0=$SECONDS
	echo "starting 3 Galera nodes, 3 Flacon hosts and nginx under $dir ..."
	cluster_up "$dir" "$bin" --if-empty || exit 1
	dir=$(cd "$dir" && pwd)
	cl_load "$dir"
	echo
	echo "Flacon cluster is up in $((SECONDS - t0)) s: http://127.0.0.1:$CL_HTTP_PORT/   (Ctrl-C stops it)"
	echo "  each host alone: http://127.0.0.1:$CL_HOST_PORT_1/ :$CL_HOST_PORT_2/ :$CL_HOST_PORT_3/"
	echo "  nodes (MariaDB): 127.0.0.1:$CL_NODE_PORT_1, :$CL_NODE_PORT_2, :$CL_NODE_PORT_3; scripts/cluster.sh sql $dir N"
	echo "  database.url of every host: mariadb://flacon:***@127.0.0.1:$CL_NODE_PORT_1,127.0.0.1:$CL_NODE_PORT_2,127.0.0.1:$CL_NODE_PORT_3/flacon"
	echo "  faults: scripts/cluster.sh kill-node|start-node|kill-host|start-host $dir N"
	while [ -s "$dir/nginx/nginx.pid" ]; do sleep 1; done
}

# ---- The command line --------------------------------------------------------

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	cmd=${1:-}
	dir=${2:-}
	[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '/^#   scripts/p' "$0" | sed 's/^#   //'; exit 2; }
	case $cmd in
	run | up)
		bin=${3:-$(cd "$(dirname "$0")/.." && pwd)/build/flacon}
		if [ "$cmd" = run ]; then cluster_run "$dir" "$bin"; else cluster_up "$dir" "$bin"; fi
		;;
	down) cluster_down "$dir" ;;
	status) cluster_status "$dir" ;;
	heal) cluster_heal "$dir" ;;
	kill-node) cl_node_kill "$dir" "$3" ;;
	start-node) cl_node_start "$dir" "$3" ;;
	stop-node) cl_node_stop "$dir" "$3" ;;
	bootstrap-node) cl_node_bootstrap "$dir" "$3" ;;
	joined-by) cl_node_joined_by "$dir" "$3" ;;
	kill-host) cl_host_kill "$dir" "$3" ;;
	stop-host) cl_host_stop "$dir" "$3" ;;
	start-host) cl_host_start "$dir" "$3" && cl_host_wait "$dir" "$3" 30 ;;
	sql) n=$3; shift 3; cl_sql "$dir" "$n" "$@" ;;
	flacon) shift 2; cl_flacon "$dir" "$@" ;;
	*) echo "cluster.sh: unknown command $cmd" >&2; exit 2 ;;
	esac
fi
