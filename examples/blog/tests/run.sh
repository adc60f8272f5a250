#!/usr/bin/env bash
# tests/run.sh — the blog's test suite (`make check`): the schema by its
# migrations, the data layer (./test_models), then the pages through a
# real nginx in front of `blog runserver` (curl). Needs FLACON_DATABASE_URL
# naming an EMPTY database of its own (the suite creates its tables with
# `blog db upgrade` and fills them), nginx and curl. Listens on 127.0.0.1
# and unix sockets under a temporary directory only; stops what it started.
# Prints the failures and "blog: N passed, M failed".
# Usage: FLACON_DATABASE_URL=mariadb://USER@localhost/DB?socket=PATH [VALGRIND=1] bash tests/run.sh
set -u
cd "$(dirname "$0")/.."
T=$(mktemp -d /tmp/blog-test.XXXXXX)
PASS=0
FAIL=0
MASTER=""
say() { if [ -n "${VERBOSE:-}" ]; then echo "$@"; fi; }
ok() { PASS=$((PASS + 1)); say "ok   $1"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $1" >&2; }
check() { # check NAME CMD... : the command succeeds
	local name=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then ok "$name"; else ko "$name"; sed 's/^/    /' "$T/check.out" | head -20 >&2; fi
}

cleanup() {
	if [ -n "$MASTER" ]; then
		kill -TERM "$MASTER" 2>/dev/null
		for _ in $(seq 1 100); do kill -0 "$MASTER" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$MASTER" 2>/dev/null
	fi
	if [ -s "$T/nginx.pid" ]; then
		local pid
		pid=$(cat "$T/nginx.pid")
		kill -QUIT "$pid" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	fi
	if [ -n "${KEEP_TEST_DIR:-}" ]; then echo "blog test dir kept: $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

finish() {
	echo "blog: $PASS passed, $FAIL failed"
	exit $((FAIL > 0))
}

if [ -z "${FLACON_DATABASE_URL:-}" ]; then
	echo "blog: set FLACON_DATABASE_URL to an empty database of the suite's own" >&2
	FAIL=1
	finish
fi
# Only the environment configures the blog here.
export FLACON_CONF=/dev/null
export FLACON_APP_SECRET_KEY=${FLACON_APP_SECRET_KEY:-blog-test-secret-0123456789abcdef-0123456789}
export FLACON_APP_ENV=production

# --- the command line and the schema ------------------------------------------
check "blog --help says usage: blog and lists createuser and seed" bash -c \
	"./blog --help | grep -q '^usage: blog ' && ./blog --help | grep -qE '^  createuser ' && ./blog --help | grep -qE '^  seed '"
# The whole of `blog routes`, as checked in: a route deleted, renamed or given
# another method fails. After changing the routes on purpose, regenerate it
# (in examples/blog) with: ./blog routes > tests/routes.golden
check "blog routes prints tests/routes.golden exactly" bash -c "./blog routes | diff -u tests/routes.golden -"
check "blog runserver without a secret key refuses under its own name (blog: no secret key)" bash -c \
	"FLACON_APP_SECRET_KEY= ./blog runserver --listen unix:$T/nokey.sock 2>&1 >/dev/null | grep -q '^blog: no secret key'"
check "blog db upgrade applies the blog's migrations" ./blog db upgrade
check "blog db current is the head" bash -c "./blog db current | grep -q '(head)'"
check "blog db migrate finds the migrations in step with the models (No changes)" bash -c \
	"./blog db migrate -m none | grep -qx 'No changes in schema detected.'"

# --- the data layer -------------------------------------------------------------
# VALGRIND=1: under valgrind's memcheck (an error or a leak fails it).
VG=()
if [ -n "${VALGRIND:-}" ]; then
	VG=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99)
fi
"${VG[@]}" ./test_models >"$T/models.out" 2>"$T/models.err"
[ $? -ne 0 ] && ! grep -qE '^models: [0-9]+ passed, [1-9]' "$T/models.out" && ko "test_models exits 0 (valgrind or a crash?)"
cat "$T/models.err" >&2
line=$(grep -E '^models: [0-9]+ passed, [0-9]+ failed$' "$T/models.out" | tail -1)
if [ -z "$line" ]; then
	ko "test_models ran to its result line"
else
	p=${line#models: }
	PASS=$((PASS + ${p%% passed*}))
	f=${p#*passed, }
	FAIL=$((FAIL + ${f%% failed}))
fi

# --- data for the pages -----------------------------------------------------------
check "blog seed --users 3 --articles 12" bash -c "./blog seed --users 3 --articles 12 | grep -qx 'Seeded 3 users, 12 articles, 3 comments'"
check "blog createuser alice (password on stdin)" bash -c "printf 'right-password\n' | ./blog createuser alice | grep -q '^Created user alice'"
check "blog createuser alice again fails (exit 1): the name is taken" bash -c \
	"printf 'x\n' | ./blog createuser alice 2>/dev/null; [ \$? -eq 1 ]"

# --- nginx in front of blog runserver ---------------------------------------------
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return 0; fi
	done
	return 1
}
PORT=$(free_port)
U=http://127.0.0.1:$PORT
./blog runserver --listen "unix:$T/blog.sock" --workers 2 >"$T/blog.log" 2>&1 &
MASTER=$!
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root root;"
mkdir -p "$T/nginx-tmp"
sed -e "s|@USER_LINE@|$user_line|" -e "s|@PORT@|$PORT|" -e "s|@SOCKET@|$T/blog.sock|" \
	-e "s|@HEALTH_SOCKET@|$T/blog-health.sock|" -e "s|@RUNDIR@|$T|g" tests/nginx.conf.in >"$T/nginx.conf"
up=0
if nginx -e "$T/nginx-error.log" -p "$T" -c "$T/nginx.conf"; then
	for _ in $(seq 1 100); do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "$U/healthz")" = 200 ]; then up=1; break; fi
		sleep 0.1
	done
fi
if [ $up = 0 ]; then
	ko "nginx + blog runserver answer /healthz"
	cat "$T/blog.log" "$T/nginx-error.log" >&2 2>/dev/null
	finish
fi
ok "nginx + blog runserver answer /healthz"

# get NAME PATH [CURL ARGS...]: headers into $T/NAME.h, body into $T/NAME.b
get() {
	local name=$1 path=$2
	shift 2
	curl -s -m 10 -D "$T/$name.h" -o "$T/$name.b" "$@" "$U$path"
	tr -d '\r' <"$T/$name.h" >"$T/$name.hh" && mv "$T/$name.hh" "$T/$name.h"
}
status() { head -1 "$T/$1.h" | awk '{print $2}'; }
has() { grep -qF -- "$2" "$T/$1.b"; }
hdr() { grep -qiE -- "$2" "$T/$1.h"; }
count() { grep -oF -- "$2" "$T/$1.b" | wc -l; }

# --- the article list, paginated -------------------------------------------------
# The data layer's tests left the tables empty; seed made 12 articles.
get p1 /articles
n1=$(count p1 '<li><a href="/articles/')
check "GET /articles answers 200 with five articles (per page), newest first" bash -c \
	"[ $(status p1) = 200 ] && [ $n1 = 5 ] && grep -q 'Article 12</a>' '$T/p1.b'"
check "GET /articles page 1 of 3: a next link to page 2, no previous link" bash -c \
	"grep -qF '12 articles, page 1 of 3' '$T/p1.b' && grep -qF 'rel=\"next\" href=\"/articles?page=2\"' '$T/p1.b' && ! grep -qF 'rel=\"prev\"' '$T/p1.b'"
get p2 "/articles?page=2"
check "GET /articles?page=2: previous page 1, next page 3, page 2 current" bash -c \
	"[ $(status p2) = 200 ] && grep -qF 'rel=\"prev\" href=\"/articles?page=1\"' '$T/p2.b' && grep -qF 'rel=\"next\" href=\"/articles?page=3\"' '$T/p2.b' && grep -qF '<strong>2</strong>' '$T/p2.b'"
get p3 "/articles?page=3"
n3=$(count p3 '<li><a href="/articles/')
check "GET /articles?page=3: the last two articles, no next link" bash -c \
	"[ $(status p3) = 200 ] && [ $n3 = 2 ] && grep -q 'Article 1</a>' '$T/p3.b' && ! grep -qF 'rel=\"next\"' '$T/p3.b'"
for bad in 4 0 x; do
	get pbad "/articles?page=$bad"
	check "GET /articles?page=$bad is a 404 page" bash -c "[ $(status pbad) = 404 ] && grep -qF '<h1>404 Not Found</h1>' '$T/pbad.b'"
done

# --- an article: first_or_404 ----------------------------------------------------
id=$(grep -oE 'href="/articles/[0-9]+">Article 12<' "$T/p1.b" | grep -oE '[0-9]+' | head -1)
get art "/articles/${id:-0}"
check "GET /articles/ID shows the article with its author (article.user)" bash -c \
	"[ $(status art) = 200 ] && grep -qF '<h1>Article 12</h1>' '$T/art.b' && grep -qF 'The text of article 12.' '$T/art.b' && grep -qF 'class=\"author\">user3<' '$T/art.b'"
get miss "/articles/999999"
check "GET /articles/999999 (no such id) is a 404 page" bash -c "[ $(status miss) = 404 ] && grep -qF '<h1>404 Not Found</h1>' '$T/miss.b'"
get nan "/articles/abc"
check "GET /articles/abc is a 404" test "$(status nan)" = 404
get nowhere "/no/such/page"
check "an unknown path is the blog's 404 page, with the security headers" bash -c \
	"[ $(status nowhere) = 404 ] && grep -qF '<h1>404 Not Found</h1>' '$T/nowhere.b' && grep -qi '^X-Content-Type-Options: nosniff' '$T/nowhere.h'"

# --- login, the session, logout ----------------------------------------------------
J=$T/jar
token() { grep -oE 'name="csrf_token" value="[^"]+"' "$T/$1.b" | head -1 | sed 's/.*value="//; s/"$//'; }
get lf /login -c "$J" -b "$J"
TOK=$(token lf)
check "GET /login renders the form with a CSRF token" bash -c "[ $(status lf) = 200 ] && [ -n '$TOK' ]"
get nocsrf /login -c "$J" -b "$J" --data-urlencode username=alice --data-urlencode password=right-password
check "POST /login without the CSRF token is refused (403), no session" bash -c \
	"[ $(status nocsrf) = 403 ] && ! grep -qi '^Set-Cookie: session=' '$T/nocsrf.h'"
get wrong /login -c "$J" -b "$J" --data-urlencode "csrf_token=$TOK" --data-urlencode username=alice --data-urlencode password=wrong-password
check "POST /login with a wrong password is refused (401, message), no session cookie" bash -c \
	"[ $(status wrong) = 401 ] && grep -qF 'Wrong username or password.' '$T/wrong.b' && ! grep -qi '^Set-Cookie: session=' '$T/wrong.h'"
get anon /me -c "$J" -b "$J"
check "GET /me while anonymous goes to /login (303)" bash -c "[ $(status anon) = 303 ] && grep -qix 'Location: /login?next=/me' '$T/anon.h'"
get right /login -c "$J" -b "$J" --data-urlencode "csrf_token=$TOK" --data-urlencode username=alice --data-urlencode password=right-password
check "POST /login with the right password: 303 to /me and a session cookie (HttpOnly, Max-Age)" bash -c \
	"[ $(status right) = 303 ] && grep -qix 'Location: /me' '$T/right.h' && grep -qiE '^Set-Cookie: session=[^;]+;.*Max-Age=[1-9][0-9]*;.*HttpOnly' '$T/right.h'"
SESSION=$(grep -i '^Set-Cookie: session=' "$T/right.h" | sed 's/^[^=]*=//; s/;.*//')
get me /me -c "$J" -b "$J"
check "GET /me with the session cookie shows the logged-in user" bash -c \
	"[ $(status me) = 200 ] && grep -qF 'Logged in as <span class=\"username\">alice</span>' '$T/me.b'"
MTOK=$(token me)
get cadd /comments -c "$J" -b "$J" --data-urlencode "csrf_token=$MTOK" --data-urlencode "content=Nice <b>blog</b>"
get me2 /me -c "$J" -b "$J"
check "POST /comments adds a comment to the user (user.comments), shown escaped on /me" bash -c \
	"[ $(status cadd) = 303 ] && grep -qF '<li>Nice &lt;b&gt;blog&lt;/b&gt; <time>' '$T/me2.b'"
get cnotok /comments -c "$J" -b "$J" --data-urlencode "content=forged"
get me3 /me -c "$J" -b "$J"
check "POST /comments without the CSRF token is refused (403) and adds nothing" bash -c \
	"[ $(status cnotok) = 403 ] && ! grep -qF 'forged' '$T/me3.b'"
get out /logout -c "$J" -b "$J" --data-urlencode "csrf_token=$MTOK"
check "POST /logout clears the session: 303 and the session cookie deleted (Max-Age=0)" bash -c \
	"[ $(status out) = 303 ] && grep -qiE '^Set-Cookie: session=;.*Max-Age=0' '$T/out.h'"
get after /me -c "$J" -b "$J"
check "GET /me after logout goes to /login" test "$(status after)" = 303
get replay /me -H "Cookie: session=$SESSION"
check "the old session cookie is dead after logout (GET /me with it: 303)" bash -c \
	"[ -n '$SESSION' ] && [ $(status replay) = 303 ]"

# --- register -------------------------------------------------------------------------
J2=$T/jar2
get rf /register -c "$J2" -b "$J2"
RTOK=$(token rf)
get reg /register -c "$J2" -b "$J2" --data-urlencode "csrf_token=$RTOK" --data-urlencode username=bob \
	--data-urlencode password=bobs-password
get regme /me -c "$J2" -b "$J2"
check "POST /register makes the user and logs them in (303 to /me, /me shows bob)" bash -c \
	"[ $(status reg) = 303 ] && grep -qiE '^Set-Cookie: session=[^;]+;' '$T/reg.h' && grep -qF 'Logged in as <span class=\"username\">bob</span>' '$T/regme.b'"
# another visitor, anonymous: a jar and a token of their own
J3=$T/jar3
get rf3 /register -c "$J3" -b "$J3"
RTOK3=$(token rf3)
get reg2 /register -b "$J3" --data-urlencode "csrf_token=$RTOK3" --data-urlencode username=bob \
	--data-urlencode password=other-password
check "POST /register with a taken name is a 409 with the form again" bash -c \
	"[ $(status reg2) = 409 ] && grep -qF 'That username is taken.' '$T/reg2.b'"
get reg3 /register -b "$J3" --data-urlencode "csrf_token=$RTOK3" --data-urlencode username=carol \
	--data-urlencode password=short
check "POST /register with a password under 8 characters is a 422" test "$(status reg3)" = 422

# --- cookies -------------------------------------------------------------------------
get cset "/cookie/set?value=hello"
expires_ok() {
	local line e t now
	line=$(grep -i '^Set-Cookie: blog_visitor=' "$T/cset.h") || return 1
	e=$(echo "$line" | grep -oE 'Expires=[^;]+' | sed 's/Expires=//')
	t=$(date -d "$e" +%s) || return 1
	now=$(date +%s)
	[ $((t - now)) -ge 3500 ] && [ $((t - now)) -le 3700 ]
}
check "GET /cookie/set sets blog_visitor=hello with Max-Age=3600" bash -c \
	"[ $(status cset) = 200 ] && grep -qiE '^Set-Cookie: blog_visitor=hello;.*Max-Age=3600' '$T/cset.h'"
check "GET /cookie/set's cookie has an Expires one hour ahead (GMT)" expires_ok
get cread /cookie -H "Cookie: blog_visitor=hello"
check "GET /cookie reads the cookie's value" bash -c "[ $(status cread) = 200 ] && grep -qF '<code class=\"value\">hello</code>' '$T/cread.b'"
get cnone /cookie
check "GET /cookie without it says there is none" bash -c "grep -qF 'There is no cookie.' '$T/cnone.b' && ! grep -qF 'class=\"value\"' '$T/cnone.b'"
get cdel /cookie/delete -H "Cookie: blog_visitor=hello"
check "GET /cookie/delete deletes it: empty value, Max-Age=0, Expires in 1970" bash -c \
	"grep -qiE '^Set-Cookie: blog_visitor=;.*Max-Age=0' '$T/cdel.h' && grep -qiE '^Set-Cookie: blog_visitor=;.*Expires=Thu, 01 Jan 1970' '$T/cdel.h'"

# --- stop -------------------------------------------------------------------------------
kill -TERM "$MASTER" 2>/dev/null
for _ in $(seq 1 100); do kill -0 "$MASTER" 2>/dev/null || break; sleep 0.1; done
check "blog runserver stops on SIGTERM" bash -c "! kill -0 $MASTER 2>/dev/null"
MASTER=""
if grep -qE 'AddressSanitizer|runtime error:' "$T/blog.log"; then
	ko "no sanitizer report in the server's log"
	grep -E -A20 'AddressSanitizer|runtime error:' "$T/blog.log" | head -40 >&2
fi
finish
