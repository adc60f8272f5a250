#!/usr/bin/env bash
# bench.sh — `make bench` (SPEC section 9): a private stack (MariaDB at the
# production default innodb_flush_log_at_trx_commit = 1, workers = CPUs in
# production mode, nginx) in a temporary directory, the SPEC 9 data set,
# and behind the same nginx the two libfcgi ceilings (bench/ceiling_*.c,
# as many processes as Flacon has workers, no keep-alive) and the
# tutorial's blog (examples/blog, built from `make install` alone: an ORM
# list rendered the documented way, on a database of its own); wrk against
# each row, a scaling check (10 000 vs 1 000 000 articles) and a memory
# check (worker RSS over 1 000 000 requests). Prints the table and writes
# bench/results.md. Loopback only; every wrk run is bounded by
# BENCH_SECONDS.
# Knobs (environment): BUILD (build), BENCH_SECONDS (10), BENCH_CONNECTIONS
# (32), BENCH_FLUSH_AT_COMMIT (1), BENCH_HOT_ARTICLE (1),
# BENCH_BLOG_ARTICLES (100000), BENCH_BIG_ARTICLES (1000000),
# BENCH_MEMORY_REQUESTS (1000000).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/stack.sh
BUILD=${BUILD:-build}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-32}
MEM_REQUESTS=${BENCH_MEMORY_REQUESTS:-1000000}
BIG=${BENCH_BIG_ARTICLES:-1000000}
HOT=${BENCH_HOT_ARTICLE:-1}
BLOG_ARTICLES=${BENCH_BLOG_ARTICLES:-100000}
BLOG_SMALL=$((BLOG_ARTICLES < 1000 ? BLOG_ARTICLES : 1000))
for v in "$SECS" "$CONNS" "$MEM_REQUESTS" "$BIG" "$HOT" "$BLOG_ARTICLES"; do
	case $v in '' | *[!0-9]* | 0*) echo "bench: the BENCH_* knobs are positive whole numbers (not '$v')" >&2; exit 2 ;; esac
done
CPUS=$(nproc)
STARTED=$(date +%s)
source scripts/bench-stack.sh
bench_stack bench
# /_hello and nginx's /_nginx are ceilings every row is compared with.
export FLACON_SERVER_BENCH_ROUTES=true
DBSOCK=$T/db/mysqld.sock
sql() { mariadb --no-defaults --socket="$DBSOCK" -uroot "$@"; }

# ---- the programs beside Flacon: the two ceilings and the blog ----
# The ceilings: bare libfcgi, compiled here, not Flacon code.
mkdir -p "$BUILD/bench"
for c in hello query; do
	cc -std=c17 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE -I/usr/include/mariadb \
		-o "$BUILD/bench/ceiling_$c" "bench/ceiling_$c.c" -lfcgi -lmariadb || exit 1
done
# The blog as its users build it: the installed framework and pkg-config,
# from a copy of examples/blog outside the repository.
echo "building examples/blog from make install ..."
if ! make --no-print-directory BUILD="$BUILD" install PREFIX="$T/prefix" >"$T/blog-build.log" 2>&1 ||
	! mkdir -p "$T/blog" || ! cp -R examples/blog/. "$T/blog/" ||
	! (cd "$T/blog" && rm -f blog && PKG_CONFIG_PATH=$T/prefix/lib/pkgconfig make --no-print-directory blog) >>"$T/blog-build.log" 2>&1; then
	tail -n 30 "$T/blog-build.log" >&2
	echo "could not build examples/blog" >&2
	exit 1
fi
BLOG_URL="mariadb://flacon@localhost/flacon_blog?socket=$DBSOCK"

# reseed ARTICLES: an empty schema at head, then the SPEC 9 data set with
# that many articles; prints the seed's own timing line.
reseed() {
	"$FLACON" drop-all >/dev/null &&
		sql flacon -e 'DROP TABLE IF EXISTS schema_version' &&
		"$FLACON" db upgrade >/dev/null &&
		"$FLACON" seed --users 1000 --articles "$1" --courses 200 --students 1000 | tail -1 | sed 's/.* \(in [0-9.]* s\)$/\1/'
}

# blog_articles FROM TO: the blog's articles FROM..TO (ids in publication
# order, spread over the users) in one INSERT ... SELECT: the data `blog
# seed` makes, without its one-by-one ORM inserts; a bulk path, so it adds
# to the blog's maintained count "articles" itself, in the same
# transaction.
blog_articles() {
	sql flacon_blog -e "START TRANSACTION;
		INSERT INTO article (title, content, pdatetime, user_id)
		SELECT CONCAT('Article ', seq), CONCAT('The text of article ', seq, '.'),
		       NOW() - INTERVAL ($BLOG_ARTICLES - seq) MINUTE, 1 + (seq - 1) % 1000
		FROM seq_$1_to_$2;
		INSERT INTO counter (name, slot, value) VALUES ('articles', 0, $2 - $1 + 1)
		ON DUPLICATE KEY UPDATE value = value + VALUES(value);
		COMMIT"
}
# blog_seed: the blog's schema by its migrations, 1 000 users and the
# first BLOG_SMALL articles.
blog_seed() {
	sql -e 'CREATE DATABASE flacon_blog CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci' &&
		(cd "$T/blog" && FLACON_CONF=/dev/null FLACON_DATABASE_URL=$BLOG_URL ./blog db upgrade >/dev/null) &&
		sql flacon_blog -e "INSERT INTO user1 (username, password) SELECT CONCAT('user', seq), 'no login' FROM seq_1_to_1000" &&
		blog_articles 1 "$BLOG_SMALL"
}

login() {
	curl -s -c "$T/jar" -H 'Content-Type: application/json' \
		-d '{"username":"alice","password":"flacon-demo"}' "$BASE/api/login" >/dev/null
	COOKIE="session=$(awk '$6 == "session" {print $7}' "$T/jar")"
}

# expect URL PATTERN: the answer is a 200 whose body matches PATTERN.
expect() {
	local body
	body=$(curl -s -f -m 5 "$1") && echo "$body" | grep -q "$2" && return 0
	echo "$1 did not answer 200 with $2:" >&2
	curl -s -i -m 5 "$1" | head -20 >&2
	return 1
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
# The workers column: the processes of ROW_APP (default the Flacon master)
# and its children.
cpu_snapshot() {
	echo "$(jiffies_of $(cat "$T/db/mysqld.pid")) $(jiffies_of $(children_of "$(cat "$T/nginx.pid")"))" \
		"$(jiffies_of $(children_of "${ROW_APP:-$MASTER}")) $(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)"
}

HZ=$(getconf CLK_TCK)
ROWS=$T/rows
CPU=$T/cpu
: >"$ROWS"
: >"$CPU"
# [ROW_APP=PID] [ROW_BASE=URL] row NAME PATH [wrk args...] — run wrk
# against ROW_BASE (default $BASE) PATH, keep
# "name|path|rps|p50|p99|non2xx|errors" and, in $CPU, "name|µs of CPU per
# request: mariadb|nginx|workers|rest|total|idle %", the workers being
# ROW_APP's processes (default the Flacon master's).
row() {
	local name=$1 path=$2
	shift 2
	local out before after
	before=$(cpu_snapshot)
	out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$@" "${ROW_BASE:-$BASE}$path" 2>&1)
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
	printf '%-52s %10s req/s  p50 %-8s p99 %-8s non-2xx %s  socket errors %s\n' \
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

# The bench's nginx.conf: conf/nginx.conf.in as scripts/stack.sh makes it
# (Flacon's locations as in production), plus, without touching either:
# the ceilings' locations (bench/nginx-ceilings.conf.in) included in its
# server block, and the blog's server on a port of its own: the upstream
# and server blocks of the same template made for the blog's socket, its
# upstreams renamed NAME_blog.
conf_blocks() { # conf_blocks FILE: the upstream and server blocks of the http block
	awk '{ code = $0; sub(/#.*/, "", code) }
		depth == 1 && !grab && code ~ /^[ \t]*(upstream|server)[ \t{]/ { grab = 1 }
		grab { print }
		{ depth += gsub(/\{/, "{", code) - gsub(/\}/, "}", code) }
		grab && depth == 1 { grab = 0 }' "$1"
}
bench_nginx_conf() {
	nginx_conf conf/nginx.conf.in "$T/nginx.conf" "$PORT" "$T/flacon.sock" "$T" "$ROOT/www/static" 1048576
	sed -e "s|@HELLO_SOCKET@|$T/ceiling-hello.sock|g" -e "s|@QUERY_SOCKET@|$T/ceiling-query.sock|g" \
		bench/nginx-ceilings.conf.in >"$T/nginx-ceilings.conf"
	sed -i "/^[[:space:]]*server_name _;/a\\        include $T/nginx-ceilings.conf;" "$T/nginx.conf"
	nginx_conf conf/nginx.conf.in "$T/nginx-blog.full" "$BLOG_PORT" "$T/blog.sock" "$T" "$ROOT/www/static" 1048576
	conf_blocks "$T/nginx-blog.full" >"$T/nginx-blog.conf"
	local u
	for u in $(awk '{ sub(/#.*/, "") } $1 == "upstream" { print $2 }' "$T/nginx-blog.conf"); do
		sed -i -e "s/^\([[:space:]]*upstream[[:space:]]\+\)$u\([[:space:]{]\)/\1${u}_blog\2/" \
			-e "s/\(fastcgi_pass[[:space:]]\+\)$u;/\1${u}_blog;/" "$T/nginx-blog.conf"
	done
	awk -v inc="$T/nginx-blog.conf" '{ l[NR] = $0 } /^}/ { last = NR }
		END { for (i = 1; i <= NR; i++) { if (i == last) print "    include " inc ";"; print l[i] } }' \
		"$T/nginx.conf" >"$T/nginx.conf.new" && mv "$T/nginx.conf.new" "$T/nginx.conf"
	[ "$(grep -c "include $T/nginx-ceilings.conf;" "$T/nginx.conf")" = 1 ] &&
		grep -q "include $T/nginx-blog.conf;" "$T/nginx.conf" &&
		grep -q "listen .*:$BLOG_PORT" "$T/nginx-blog.conf" ||
		{ echo "could not add the ceilings and the blog to $T/nginx.conf" >&2; return 1; }
}

echo "Flacon benchmark: wrk -t2 -c$CONNS -d${SECS}s, $CPUS CPUs, innodb_flush_log_at_trx_commit = $FLUSH_AT_COMMIT, $(date -u +%Y-%m-%dT%H:%MZ)"
SEED_MAIN=$(reseed 100000) || exit 1
echo "seed (1 000 users, 100 000 articles, 200 courses, 1 000 students): $SEED_MAIN"
"$FLACON" createcourse "Benchmark course" --capacity 100000000 >/dev/null || exit 1
COURSE=$(sql -N flacon -e "SELECT id FROM course WHERE cname = 'Benchmark course'")
S0=$(date +%s.%N)
blog_seed || { echo "could not seed the blog's database" >&2; exit 1; }
SEED_BLOG="$BLOG_SMALL articles in $(awk -v a="$S0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
echo "blog seed (1 000 users): $SEED_BLOG"
BLOG_PORT=$(free_port)
BLOG_BASE=http://127.0.0.1:$BLOG_PORT
bench_nginx_conf || exit 1
nginx_start "$T/nginx.conf" "$T" || { tail -20 "$T/nginx-error.log" >&2; exit 1; }
start_master /articles '/api/articles?page=1'
# The ceilings, as many processes as Flacon has workers.
"$BUILD/bench/ceiling_hello" "$T/ceiling-hello.sock" "$CPUS" 2>>"$T/ceiling.log" &
HELLO_PID=$!
"$BUILD/bench/ceiling_query" "$T/ceiling-query.sock" "$DBSOCK" flacon flacon "$CPUS" 2>>"$T/ceiling.log" &
QUERY_PID=$!
(cd "$T/blog" && FLACON_CONF=/dev/null FLACON_DATABASE_URL=$BLOG_URL exec ./blog runserver --listen "unix:$T/blog.sock") >>"$T/blog.log" 2>&1 &
BLOG_PID=$!
EXTRA_PIDS="$HELLO_PID $QUERY_PID $BLOG_PID"
wait_http "$BLOG_BASE/healthz" 100 || { tail -20 "$T/blog.log" >&2; exit 1; }
for _ in $(seq 1 50); do [ -S "$T/ceiling-hello.sock" ] && [ -S "$T/ceiling-query.sock" ] && break; sleep 0.1; done
expect "$BASE/_ceiling/hello" '^hello$' && expect "$BASE/_ceiling/query?id=$HOT" "\"id\":$HOT," &&
	expect "$BASE/articles/$HOT" '<h1' && expect "$BLOG_BASE/articles" "$BLOG_SMALL articles, page 1" ||
	{ tail -n 20 "$T/ceiling.log" "$T/blog.log" "$T/nginx-error.log" >&2; exit 1; }
for p in /_ceiling/hello /_ceiling/query; do wrk -t2 -c"$CONNS" -d1s "$BASE$p" >/dev/null 2>&1; done
wrk -t2 -c"$CONNS" -d2s "$BLOG_BASE/articles" >/dev/null 2>&1
login
sed -i "s/ARTICLES/100000/" "$T/article.lua" "$T/api_article.lua"
sed -i "s/COURSE/\"$COURSE\"/; s/COOKIE/\"$COOKIE\"/" "$T/enroll.lua"

row "static file (nginx)" /static/style.css
row "nginx return 200" /_nginx
ROW_APP=$HELLO_PID row "ceiling: libfcgi hello" /_ceiling/hello
ROW_APP=$QUERY_PID row "ceiling: libfcgi one-query (random PK SELECT)" /_ceiling/query
row "FastCGI hello /_hello" /_hello
row "GET /api/articles?page=1 (logged in)" "/api/articles?page=1" -H "Cookie: $COOKIE"
row "GET /articles" /articles
row "GET /articles (logged in)" /articles -H "Cookie: $COOKIE"
row "GET /courses (logged in)" /courses -H "Cookie: $COOKIE"
row "GET /articles/N (hot: every request N = $HOT)" "/articles/$HOT"
row "GET /articles/N (random N)" "/articles/N" -s "$T/article.lua"
row "PUT/DELETE /api/courses/N/enrollment" "/api/courses/$COURSE/enrollment" -s "$T/enroll.lua"
# Reference (not a SPEC row): Flacon's own one prepared primary-key SELECT
# per request, the route that matches the one-query ceiling.
row "reference: GET /api/articles/N (one PK SELECT)" "/api/articles/N" -s "$T/api_article.lua"
# The blog's list, the documented way (its total from a maintained
# counter): with 1 000 articles, where the path (ORM objects, context,
# template) shows;
# then at the data set's size (the rows added by INSERT: no purge left
# running behind the row, as a DELETE would).
ROW_APP=$BLOG_PID ROW_BASE=$BLOG_BASE row "examples/blog: GET /articles, $BLOG_SMALL articles (ORM list, documented way)" /articles
if [ "$BLOG_ARTICLES" -gt "$BLOG_SMALL" ]; then
	S0=$(date +%s.%N)
	blog_articles $((BLOG_SMALL + 1)) "$BLOG_ARTICLES" || exit 1
	SEED_BLOG="$SEED_BLOG, the other $((BLOG_ARTICLES - BLOG_SMALL)) in $(awk -v a="$S0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
	expect "$BLOG_BASE/articles" "$BLOG_ARTICLES articles, page 1" || exit 1
	wrk -t2 -c"$CONNS" -d1s "$BLOG_BASE/articles" >/dev/null 2>&1
	ROW_APP=$BLOG_PID ROW_BASE=$BLOG_BASE row "examples/blog: GET /articles, $BLOG_ARTICLES articles (ORM list, documented way)" /articles
fi
HELLO=$(awk -F'|' '$2=="/_hello" {print $3}' "$ROWS")
CEIL_HELLO=$(awk -F'|' '$2=="/_ceiling/hello" {print $3}' "$ROWS")
CEIL_QUERY=$(awk -F'|' '$2=="/_ceiling/query" {print $3}' "$ROWS")
stop_pids $EXTRA_PIDS
EXTRA_PIDS=""

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
# chunk_secs DONE RATE: seconds of wrk for the requests still to do at RATE
# req/s (1 to 30).
chunk_secs() {
	awk -v left=$((MEM_REQUESTS - $1)) -v r="$2" 'BEGIN {
		s = r > 0 ? int(left / r) + 1 : 30; print (s < 1 ? 1 : s > 30 ? 30 : s) }'
}
wrk -t2 -c"$CONNS" -d3s -H "Cookie: $COOKIE" "$BASE/api/articles?page=1" >/dev/null 2>&1 # warm up
NW=$(workers_of "$MASTER" | wc -l)
WPIDS_BEFORE=$(workers_of "$MASTER")
RSS_BEFORE=$(rss_of_workers)
done_req=0
chunk=$(chunk_secs 0 "$(awk -F'|' '$2=="/api/articles?page=1" {print $3}' "$ROWS")")
for _ in $(seq 1 60); do
	out=$(wrk -t2 -c"$CONNS" -d"${chunk}s" -H "Cookie: $COOKIE" "$BASE/api/articles?page=1" 2>&1)
	got=$(echo "$out" | awk '/requests in/ {print $1}')
	done_req=$((done_req + ${got:-0}))
	[ "$done_req" -ge "$MEM_REQUESTS" ] && break
	chunk=$(chunk_secs "$done_req" "$(awk -v n="${got:-0}" -v s="$chunk" 'BEGIN { print n / s }')")
done
RSS_AFTER=$(rss_of_workers)
WPIDS_AFTER=$(workers_of "$MASTER")
SAME_WORKERS=yes
[ "$WPIDS_BEFORE" = "$WPIDS_AFTER" ] || SAME_WORKERS=no
echo "memory: $NW workers, RSS $RSS_BEFORE KiB before, $RSS_AFTER KiB after $done_req requests (same workers: $SAME_WORKERS)"
ELAPSED=$(($(date +%s) - STARTED))

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else print "-" }'; }
FS_TYPE=$(df -T "$T/db/data" 2>/dev/null | awk 'NR == 2 {print $2}')
mkdir -p bench
{
	echo "# Flacon benchmark"
	echo
	echo "Run of $(date -u +%Y-%m-%dT%H:%MZ) on $CPUS CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $ELAPSED s in all."
	echo "wrk -t2 -c$CONNS -d${SECS}s --latency over loopback; nginx + $CPUS Flacon workers in production mode;"
	echo "data set of SPEC 9: 1 000 users, 100 000 articles, 200 courses, 1 000 students with ~5 courses each"
	echo "(seed: $SEED_MAIN). MariaDB ran with \`innodb_flush_log_at_trx_commit = $FLUSH_AT_COMMIT\`"
	echo "(1 is MariaDB's and a production server's default: every commit waits for its log flush;"
	echo "\`make run\` uses 2), its data on ${FS_TYPE:-?}."
	echo
	echo "- **Ceilings** (not Flacon; the same nginx, measured in this run): \`/_nginx\` is nginx's own"
	echo "  \`return 200\`; *libfcgi hello* (\`bench/ceiling_hello.c\`) and *libfcgi one-query*"
	echo "  (\`bench/ceiling_query.c\`: one prepared \`SELECT id, title, click_num FROM article WHERE id = ?\`"
	echo "  for a random id, answered as a small JSON object) are bare libfcgi programs, $CPUS processes"
	echo "  each on one listen socket (as many as Flacon's workers), each behind a plain \`fastcgi_pass\`"
	echo "  to its own unix socket: no keep-alive, a new FastCGI connection per request."
	echo "- **Ratios**: each row's rate divided by Flacon's \`/_hello\`, by the libfcgi hello and by the"
	echo "  libfcgi one-query of this run."
	echo "- **Hot and random article**: \`/articles/$HOT\` on every request (one row, one lock), and a"
	echo "  random article of 100 000; each view counts a click (a write)."
	echo "- **The idiomatic path**: \`examples/blog\`'s \`GET /articles\`, the tutorial's blog built here"
	echo "  from \`make install\` and pkg-config alone, behind the same nginx (a server of its own on"
	echo "  another port, made from the same template as Flacon's, so it gets whatever Flacon's locations"
	echo "  get) with $CPUS workers on its own socket and database (1 000 users and their articles;"
	echo "  seed: $SEED_BLOG)."
	echo "  It is an application written the documented way (docs/app.md): the page's ORM objects"
	echo "  from \`orm_paginate\`, their authors joined by \`orm_eager_join\` and the total from a maintained"
	echo "  counter (\`orm_page_args.counter\`: no \`COUNT(*)\`) in the same statement, rendered by a template;"
	echo "  what it pays, any application written from the guide pays. Its page lists 5 articles (the"
	echo "  site's 20). It runs twice: with $BLOG_SMALL articles and with $BLOG_ARTICLES, the size of the"
	echo "  site's data set: the same cost at both sizes is what the counter is for. The blog rather than a program of"
	echo "  the bench's own: it is the framework's documented, tested example (the example: suite), so"
	echo "  the row follows the guide."
	echo "- Knobs: BENCH_SECONDS ($SECS), BENCH_CONNECTIONS ($CONNS), BENCH_FLUSH_AT_COMMIT ($FLUSH_AT_COMMIT),"
	echo "  BENCH_HOT_ARTICLE ($HOT), BENCH_BLOG_ARTICLES ($BLOG_ARTICLES), BENCH_BIG_ARTICLES ($BIG),"
	echo "  BENCH_MEMORY_REQUESTS ($MEM_REQUESTS)."
	echo
	echo "| row | path | req/s | p50 | p99 | non-2xx | socket errors | ÷ /_hello | ÷ libfcgi hello | ÷ libfcgi one-query |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	while IFS='|' read -r name path rps p50 p99 non2xx errs; do
		echo "| $name | \`$path\` | $rps | $p50 | $p99 | $non2xx | $errs | $(ratio "$rps" "$HELLO") | $(ratio "$rps" "$CEIL_HELLO") | $(ratio "$rps" "$CEIL_QUERY") |"
	done <"$ROWS"
	echo
	echo "## Where the CPU goes"
	echo
	echo "CPU time per request in microseconds (user + system, from /proc over each row's run): MariaDB,"
	echo "nginx, the workers (the Flacon master and its workers; on the ceiling rows the ceiling's"
	echo "processes, on the blog's row the blog's), the rest (wrk itself, interrupts, other processes),"
	echo "their total, and the machine's idle share. The ratio of two rows is roughly the inverse ratio"
	echo "of their totals."
	echo
	echo "| row | MariaDB | nginx | workers | rest | total | idle % |"
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
		echo "\`$p\`: rate at 10 000 / rate at $BIG = $(ratio "$small" "$big")"
	done
	echo
	grep '^seed' "$SCALE" | sed 's/^seed \([0-9]*\)|/Seeding \1 articles: /'
	echo
	echo "## Memory"
	echo
	echo "$NW workers: RSS $RSS_BEFORE KiB in all before, $RSS_AFTER KiB after $done_req requests to \`/api/articles?page=1\` (growth $((RSS_AFTER - RSS_BEFORE)) KiB; same worker processes throughout: $SAME_WORKERS)."
} >bench/results.md
echo "written bench/results.md ($ELAPSED s)"
