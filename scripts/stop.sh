#!/usr/bin/env bash
# stop.sh — `make stop`: stop what `make run` started (from var/run pids)
# and a `make cluster` left running (var/cluster).
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/stack.sh
VAR=$ROOT/var
if [ -s "$VAR/run/master.pid" ]; then
	pid=$(cat "$VAR/run/master.pid")
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	rm -f "$VAR/run/master.pid"
fi
nginx_stop "$VAR/run"
mariadb_stop "$VAR/db"
if [ -f "$VAR/cluster/cluster.env" ]; then
	source scripts/cluster.sh
	cluster_down "$VAR/cluster"
fi
echo "stopped"
