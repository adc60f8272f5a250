#!/usr/bin/env bash
# bench.sh — `make bench` (SPEC section 9): a private stack (MariaDB,
# workers = CPUs in production mode, nginx) in a temporary directory, the
# SPEC 9 data set, wrk against each row, a scaling check (10 000 vs
# 1 000 000 articles) and a memory check (worker RSS over 1 000 000
# requests). Prints the table and writes bench/results.md. Loopback only;
# every wrk run is bounded by BENCH_SECONDS.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/stack.sh
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-32}
MEM_REQUESTS=${BENCH_MEMORY_REQUESTS:-1000000}
BIG=${BENCH_BIG_ARTICLES:-1000000}
CPUS=$(nproc)
source scripts/bench-stack.sh
bench_stack bench
# /_hello and nginx's /_nginx are the ceilings every row is compared with.
export FLACON_SERVER_BENCH_ROUTES=true

# reseed ARTICLES: an empty schema at head, then the SPEC 9 data set with
# that many articles; prints the seed's own timing line.
reseed() {
	"$FLACON" drop-all >/dev/null &&
		mariadb --no-defaults --socket="$T/db/mysqld.sock" -uroot flacon -e 'DROP TABLE IF EXISTS schema_version' &&
		"$FLACON" db upgrade >/dev/null &&
		"$FLACON" seed --users 1000 --articles "$1" --courses 200 --students 1000 | tail -1 | sed 's/.* \(in [0-9.]* s\)$/\1/'
}

login() {
	curl -s -c "$T/jar" -H 'Content-Type: application/json' \
		-d '{"username":"alice","password":"flacon-demo"}' "$BASE/api/login" >/dev/null
	COOKIE="session=$(awk '$6 == "session" {print $7}' "$T/jar")"
}

# Where the CPU goes: jiffies (user + system) of a set of processes, and
# busy / all jiffies of the machine.
jiffies_of() {
	local t=0 pid
	for pid in "$@"; do
		[ -r "/proc/$pid/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
	done
	echo "$t"
}
children_of() { echo "$1" $(cat "/proc/$1/task/$1/children" 2>/dev/null); }
cpu_snapshot() {
	echo "$(jiffies_of $(cat "$T/db/mysqld.pid")) $(jiffies_of $(children_of "$(cat "$T/nginx.pid")"))" \
		"$(jiffies_of $(children_of "$MASTER")) $(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)"
}

HZ=$(getconf CLK_TCK)
ROWS=$T/rows
CPU=$T/cpu
: >"$ROWS"
: >"$CPU"
# row NAME PATH [wrk args...] — run wrk, keep "name|path|rps|p50|p99|non2xx|errors"
# and, in $CPU, "name|µs of CPU per request: mariadb|nginx|flacon|rest|total|idle %".
row() {
	local name=$1 path=$2
	shift 2
	local out before after
	before=$(cpu_snapshot)
	out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$@" "$BASE$path" 2>&1)
	after=$(cpu_snapshot)
	local n
	n=$(echo "$out" | awk '/requests in/ {print $1}')
	echo "$name|$(echo "$before $after" | awk -v n="${n:-0}" -v hz="$HZ" '{
		if (n <= 0) { print "-|-|-|-|-|-"; exit }
		u = 1000000 / hz / n                   # µs per clock tick per request
		m = ($6 - $1) * u; g = ($7 - $2) * u; f = ($8 - $3) * u; b = ($9 - $4) * u
		idle = 100 - 100 * ($9 - $4) / ($10 - $5)
		printf "%.0f|%.0f|%.0f|%.0f|%.0f|%.0f", m, g, f, b - m - g - f, b, idle }')" >>"$CPU"
	local rps p50 p99 non2xx errs
	rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
	p50=$(echo "$out" | awk '$1=="50%" {print $2}')
	p99=$(echo "$out" | awk '$1=="99%" {print $2}')
	non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
	errs=$(echo "$out" | awk '/Socket errors/ {gsub(",",""); print $4+$6+$8+$10}')
	echo "$name|$path|${rps:-0}|${p50:--}|${p99:--}|${non2xx:-0}|${errs:-0}" >>"$ROWS"
	printf '%-44s %10s req/s  p50 %-8s p99 %-8s non-2xx %s  socket errors %s\n' \
		"$name" "${rps:-0}" "${p50:--}" "${p99:--}" "${non2xx:-0}" "${errs:-0}"
}

# random_article_lua PREFIX SEED FILE — a wrk script asking PREFIX<random N>.
random_article_lua() {
	cat >"$3" <<LUA
math.randomseed($2)
request = function()
  return wrk.format("GET", "$1" .. math.random(1, ARTICLES))
end
LUA
}
random_article_lua /articles/ 42 "$T/article.lua"
random_article_lua /api/articles/ 7 "$T/api_article.lua"
cat >"$T/enroll.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local method = (n % 2 == 1) and "PUT" or "DELETE"
  return wrk.format(method, "/api/courses/" .. COURSE .. "/enrollment",
    {["Content-Type"] = "application/json", ["Cookie"] = COOKIE})
end
LUA

echo "Flacon benchmark: wrk -t2 -c$CONNS -d${SECS}s, $CPUS CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
SEED_MAIN=$(reseed 100000) || exit 1
echo "seed (1 000 users, 100 000 articles, 200 courses, 1 000 students): $SEED_MAIN"
"$FLACON" createcourse "Benchmark course" --capacity 100000000 >/dev/null || exit 1
COURSE=$(mariadb --no-defaults --socket="$T/db/mysqld.sock" -uroot -N flacon -e "SELECT id FROM course WHERE cname = 'Benchmark course'")
nginx_conf conf/nginx.conf.in "$T/nginx.conf" "$PORT" "$T/flacon.sock" "$T" "$ROOT/www/static" 1048576
nginx_start "$T/nginx.conf" "$T" || exit 1
start_master /articles '/api/articles?page=1'
login
sed -i "s/ARTICLES/100000/" "$T/article.lua" "$T/api_article.lua"
sed -i "s/COURSE/\"$COURSE\"/; s/COOKIE/\"$COOKIE\"/" "$T/enroll.lua"

row "static file (nginx)" /static/style.css
row "nginx return 200" /_nginx
row "FastCGI hello /_hello" /_hello
row "GET /api/articles?page=1 (logged in)" "/api/articles?page=1" -H "Cookie: $COOKIE"
row "GET /articles" /articles
row "GET /courses (logged in)" /courses -H "Cookie: $COOKIE"
row "GET /articles/N (random N)" "/articles/N" -s "$T/article.lua"
row "PUT/DELETE /api/courses/N/enrollment" "/api/courses/$COURSE/enrollment" -s "$T/enroll.lua"
# Reference (not a SPEC row): one prepared primary-key SELECT per request,
# which SPEC 9 puts at 0.4-0.6 of the FastCGI ceiling.
row "reference: GET /api/articles/N (one PK SELECT)" "/api/articles/N" -s "$T/api_article.lua"
HELLO=$(awk -F'|' '$2=="/_hello" {print $3}' "$ROWS")

# ---- scaling: page 1 at 10 000 and at $BIG articles ----
SCALE=$T/scale
: >"$SCALE"
for n in 10000 "$BIG"; do
	stop_master
	s=$(reseed "$n") || exit 1
	echo "seed with $n articles: $s"
	echo "seed $n|$s" >>"$SCALE"
	start_master /articles '/api/articles?page=1'
	login
	for p in "/api/articles?page=1" /articles; do
		: >"$ROWS.one"
		ROWS_SAVE=$ROWS CPU_SAVE=$CPU
		ROWS=$ROWS.one CPU=$CPU.one
		row "$p at $n articles" "$p" -H "Cookie: $COOKIE"
		ROWS=$ROWS_SAVE CPU=$CPU_SAVE
		echo "$n|$p|$(cut -d'|' -f3- "$ROWS.one")" >>"$SCALE"
	done
done

# ---- memory: worker RSS before and after MEM_REQUESTS requests ----
# the master's workers (not its health-check process)
workers_of() {
	local pid
	for pid in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = flacon-worker ] && echo "$pid"
	done
}
rss_of_workers() {
	local total=0
	for pid in $(workers_of "$MASTER"); do
		total=$((total + $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")))
	done
	echo "$total"
}
wrk -t2 -c"$CONNS" -d3s -H "Cookie: $COOKIE" "$BASE/api/articles?page=1" >/dev/null 2>&1 # warm up
NW=$(workers_of "$MASTER" | wc -l)
WPIDS_BEFORE=$(workers_of "$MASTER")
RSS_BEFORE=$(rss_of_workers)
done_req=0
for _ in $(seq 1 40); do
	out=$(wrk -t2 -c"$CONNS" -d30s -H "Cookie: $COOKIE" "$BASE/api/articles?page=1" 2>&1)
	got=$(echo "$out" | awk '/requests in/ {print $1}')
	done_req=$((done_req + ${got:-0}))
	[ "$done_req" -ge "$MEM_REQUESTS" ] && break
done
RSS_AFTER=$(rss_of_workers)
WPIDS_AFTER=$(workers_of "$MASTER")
SAME_WORKERS=yes
[ "$WPIDS_BEFORE" = "$WPIDS_AFTER" ] || SAME_WORKERS=no
echo "memory: $NW workers, RSS $RSS_BEFORE KiB before, $RSS_AFTER KiB after $done_req requests (same workers: $SAME_WORKERS)"

mkdir -p bench
{
	echo "# Flacon benchmark"
	echo
	echo "Run of $(date -u +%Y-%m-%dT%H:%MZ) on $CPUS CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))."
	echo "wrk -t2 -c$CONNS -d${SECS}s --latency over loopback; nginx + $CPUS Flacon workers in production mode;"
	echo "data set of SPEC 9: 1 000 users, 100 000 articles, 200 courses, 1 000 students with ~5 courses each"
	echo "(seed: $SEED_MAIN)."
	echo
	echo "| row | path | req/s | p50 | p99 | non-2xx | socket errors | ratio to /_hello |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	while IFS='|' read -r name path rps p50 p99 non2xx errs; do
		ratio=$(awk -v a="$rps" -v b="$HELLO" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
		echo "| $name | \`$path\` | $rps | $p50 | $p99 | $non2xx | $errs | $ratio |"
	done <"$ROWS"
	echo
	echo "## Where the CPU goes"
	echo
	echo "CPU time per request in microseconds (user + system, from /proc over each row's run): MariaDB,"
	echo "nginx, the Flacon workers, the rest (wrk itself, interrupts, other processes), their total,"
	echo "and the machine's idle share. The ratio of two rows is roughly the inverse ratio of their totals."
	echo
	echo "| row | MariaDB | nginx | Flacon | rest | total | idle % |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	while IFS='|' read -r name m g f r t i; do
		echo "| $name | $m | $g | $f | $r | $t | $i |"
	done <"$CPU"
	echo
	echo "## Scaling: page 1 at 10 000 and at $BIG articles"
	echo
	echo "| articles | path | req/s | p50 | p99 | non-2xx | socket errors |"
	echo "|---:|---|---:|---:|---:|---:|---:|"
	grep -v '^seed' "$SCALE" | while IFS='|' read -r n path rps p50 p99 non2xx errs; do
		echo "| $n | \`$path\` | $rps | $p50 | $p99 | $non2xx | $errs |"
	done
	for p in "/api/articles?page=1" /articles; do
		small=$(awk -F'|' -v p="$p" '$1=="10000" && $2==p {print $3}' "$SCALE")
		big=$(awk -F'|' -v p="$p" -v n="$BIG" '$1==n && $2==p {print $3}' "$SCALE")
		echo
		echo "\`$p\`: rate at 10 000 / rate at $BIG = $(awk -v a="$small" -v b="$big" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
	done
	echo
	grep '^seed' "$SCALE" | sed 's/^seed \([0-9]*\)|/Seeding \1 articles: /'
	echo
	echo "## Memory"
	echo
	echo "$NW workers: RSS $RSS_BEFORE KiB in all before, $RSS_AFTER KiB after $done_req requests to \`/api/articles?page=1\` (growth $((RSS_AFTER - RSS_BEFORE)) KiB; same worker processes throughout: $SAME_WORKERS)."
} >bench/results.md
echo "written bench/results.md"
