#!/usr/bin/env bash
# tests/tutorial/run.sh — the tutorial: suite (SPEC section 12, "every
# command and code block in the docs is run by a test"):
#  - docs/tutorial.md run as written: a HOME of its own under a temporary
#    directory, then each marked block in order — <!-- tutorial: run -->
#    (a shell block; cd and export carry over to the next one), "run,
#    fails: TEXT" (must fail and say TEXT), "serve" (started in the
#    background, as in a second terminal, until its /healthz answers),
#    "ctrl-c" (SIGINT to it; it must exit 0 and leave no process behind),
#    "file PATH" (the block is PATH's whole content), "patch" (applied
#    with patch -p1), "output" (each line is a line of the last run's
#    output), "excerpt PATH" (word for word in PATH). A fenced block
#    without a mark fails the suite. The only substitutions: port 8080 is
#    FLACON_PORT (a free one), $PWD/build is $PWD/$BUILD. So `flacon new`
#    in an empty directory, the build against a fresh `make install`,
#    `make check` on the test client (FLACON_TEST_DATABASE_URL, tests/run.sh's
#    MariaDB), `APP dev` on a free port with its embedded MariaDB, SIGINT
#    and no process left are all steps of it.
#  - docs/orm.md: each C block marked <!-- docs-test: c file --> (at file
#    scope) or <!-- docs-test: c body; given: DECLS --> (in a function that
#    declares DECLS; a line "..." alone ends the file-scope part, a line
#    "... words ..." is left out) is compiled against the installed
#    headers, after a prelude that declares the models the page names; a
#    relationship entry shown alone ("/* on user: */ X(...)") is compiled
#    as a relationship descriptor. Every C block must be marked.
# Prints the failures and "tutorial: N passed, M failed".
# Usage: [VERBOSE=1] [KEEP_TEST_DIR=1] tests/tutorial/run.sh [BUILD_DIR]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${1:-build}
T=$(mktemp -d /tmp/flacon-tutorial.XXXXXX)
SUITE=tutorial
source "$ROOT/tests/lib/checks.sh"
source "$ROOT/scripts/stack.sh" # free_port
SERVE_PID=""
SERVE_DIR=""

# The processes whose working directory or command line is under $1 (the
# tutorial's application: dev's MariaDB, nginx, masters and workers).
procs_under() {
	local p pid cwd
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" = $$ ] && continue
		cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
		if [[ "$cwd" == "$1"* ]] || tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$1"; then
			echo "$pid $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null | cut -c1-120)"
		fi
	done
}

stop_serve() { # SIGINT, as Ctrl-C; $1 seconds to end. 0 when it ended.
	local i
	[ -n "$SERVE_PID" ] || return 0
	kill -INT "$SERVE_PID" 2>/dev/null
	for ((i = 0; i < $1 * 10; i++)); do
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SERVE_PID" 2>/dev/null; then
		return 1
	fi
	wait "$SERVE_PID" 2>/dev/null
	SERVE_RC=$?
	SERVE_PID=""
	return 0
}

cleanup() {
	if [ -n "$SERVE_PID" ] && ! stop_serve 60; then
		kill -KILL -- "-$SERVE_PID" 2>/dev/null
	fi
	# what dev started, should it have left something (a failure says so)
	if [ -n "$SERVE_DIR" ]; then
		procs_under "$SERVE_DIR" | while read -r pid _; do kill -KILL "$pid" 2>/dev/null; done
	fi
	if [ -n "${KEEP_TEST_DIR:-}" ]; then echo "tutorial dir kept: $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SAN=0
if nm "$BUILD/libflacon.a" 2>/dev/null | grep -q '__asan_'; then SAN=1; fi
if [ ! -x "$BUILD/flacon" ] || [ ! -f "$BUILD/libflacon.a" ]; then
	ko "$BUILD/flacon and $BUILD/libflacon.a are built (make $BUILD/flacon)"
	finish
fi

# ---- docs/orm.md: its C blocks compile ---------------------------------------
P=$T/prefix
if make --no-print-directory BUILD="$BUILD" install PREFIX="$P" >"$T/install.log" 2>&1; then
	ok "make install PREFIX=$P"
else
	ko "make install PREFIX=$P"
	cat "$T/install.log" >&2
	finish
fi
CFLAGS_FLACON=$(PKG_CONFIG_PATH=$P/lib/pkgconfig pkg-config --cflags flacon)
mkdir -p "$T/orm"
# Block N of docs/orm.md into $T/orm/N.{mark,txt,line}; unmarked C blocks
# into $T/orm/unmarked.
awk -v dir="$T/orm" '
	/^<!-- docs-test: .* -->$/ { mark = $0; sub(/^<!-- docs-test: /, "", mark); sub(/ -->$/, "", mark); next }
	/^```/ && !inblock {
		inblock = 1; lang = substr($0, 4)
		if (lang == "c") {
			n++; out = dir "/" n
			if (mark == "") print NR > (dir "/unmarked")
			print mark > (out ".mark"); print NR > (out ".line"); printf "" > (out ".txt")
		}
		mark = ""; next
	}
	inblock && /^```$/ { inblock = 0; out = ""; next }
	inblock && lang == "c" { print > (out ".txt") }
	!inblock && !/^[[:space:]]*$/ { mark = "" }
' docs/orm.md
cat >"$T/orm/prelude.h" <<'PRELUDE'
/* The models docs/orm.md's excerpts name, declared as its tables show. */
#include <stdio.h>
#include <stdlib.h>
#include <flacon.h>
struct user;
struct article;
struct comment;
struct student;
struct course;
#define USER_COLUMNS(X)                                         \
	X(user, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC) \
	X(user, username, ORM_STRING, .length = 32, .flags = ORM_NOT_NULL | ORM_UNIQUE)
#define USER_RELS(X) X(user, articles, ORM_ONE_TO_MANY, article, .back_populates = "user")
ORM_MODEL_DECLARE(user, USER_COLUMNS, USER_RELS)
#define ARTICLE_COLUMNS(X)                                                          \
	X(article, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                  \
	X(article, title, ORM_STRING, .length = 128, .flags = ORM_NOT_NULL)         \
	X(article, content, ORM_TEXT, .flags = ORM_NOT_NULL)                        \
	X(article, pdatetime, ORM_DATETIME, .flags = ORM_NOT_NULL)                  \
	X(article, click_num, ORM_INTEGER, .flags = ORM_NOT_NULL)                   \
	X(article, isdelete, ORM_BOOLEAN, .flags = ORM_NOT_NULL)                    \
	X(article, user_id, ORM_INTEGER, .flags = ORM_NOT_NULL, .fk = "user.id")
#define ARTICLE_RELS(X) X(article, user, ORM_MANY_TO_ONE, user, .back_populates = "articles")
ORM_MODEL_DECLARE(article, ARTICLE_COLUMNS, ARTICLE_RELS)
#define COMMENT_COLUMNS(X)                                         \
	X(comment, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC) \
	X(comment, content, ORM_STRING, .length = 255, .flags = ORM_NOT_NULL)
ORM_MODEL_DECLARE(comment, COMMENT_COLUMNS, ORM_NO_RELS)
#define STUDENT_COLUMNS(X) X(student, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)
ORM_MODEL_DECLARE(student, STUDENT_COLUMNS, ORM_NO_RELS)
#define COURSE_COLUMNS(X)                                         \
	X(course, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC) \
	X(course, enrolled, ORM_INTEGER, .flags = ORM_NOT_NULL)   \
	X(course, capacity, ORM_INTEGER, .flags = ORM_NOT_NULL)
ORM_MODEL_DECLARE(course, COURSE_COLUMNS, ORM_NO_RELS)
#ifndef ORM_MD_OWN_COMMENT_USER /* the block declares it itself */
#define COMMENT_USER_COLUMNS(X)                                                       \
	X(comment_user, comment_id, ORM_INTEGER, .flags = ORM_PK, .fk = "comment.id") \
	X(comment_user, user_id, ORM_INTEGER, .flags = ORM_PK, .fk = "user.id")
ORM_TABLE_DECLARE(comment_user, COMMENT_USER_COLUMNS)
#endif
static struct orm_registry my_registry;
static inline void die(const char *why)
{
	fprintf(stderr, "%s\n", why);
	exit(1);
}
/* "on MODEL: X(...)": one entry of a relationship list, as a descriptor. */
#define ORM_MD_REL(m, rname, rkind, rtarget, ...) \
	{.name = #rname, .kind = rkind, .target = &rtarget##_model, __VA_ARGS__}
PRELUDE
orm_block_ok() { # orm_block_ok N: block N compiles as its mark says
	local n=$1 mark given src=$T/orm/$1.c
	mark=$(cat "$T/orm/$n.mark")
	{
		if grep -q 'ORM_TABLE_DECLARE(comment_user' "$T/orm/$n.txt"; then echo '#define ORM_MD_OWN_COMMENT_USER'; fi
		echo '#include "prelude.h"'
		# relationship entries shown alone become descriptors
		awk -v n="$n" '
			/^\/\* on [a-z_]+: \*\/[[:space:]]+X\(.*\)$/ {
				sub(/^\/\* on [a-z_]+: \*\/[[:space:]]+X\(/, "static const struct orm_relationship orm_md_rel_" n "_" NR " = ORM_MD_REL(")
				sub(/\)$/, ");"); print; next
			}
			{ print }
		' "$T/orm/$n.txt" >"$T/orm/$n.rel"
		case "$mark" in
		"c file")
			cat "$T/orm/$n.rel"
			;;
		"c body; given: "*)
			given=${mark#c body; given: }
			# before a line "..." alone: file scope; "... words ..." lines: left out
			awk '/^\.\.\.$/ { exit } { print }' "$T/orm/$n.rel" >"$T/orm/$n.head"
			if grep -qx '\.\.\.' "$T/orm/$n.rel"; then
				cat "$T/orm/$n.head"
				echo "void orm_md_block(void) { $given"
				awk 'f { print } /^\.\.\.$/ { f = 1 }' "$T/orm/$n.rel" | grep -vE '^[[:space:]]*\.\.\. .* \.\.\.$'
			else
				echo "void orm_md_block(void) { $given"
				grep -vE '^[[:space:]]*\.\.\. .* \.\.\.$' "$T/orm/$n.rel"
			fi
			echo "}"
			;;
		*)
			echo "unknown mark: $mark"
			return 1
			;;
		esac
	} >"$src"
	cc -std=c17 -fsyntax-only -Wall -Wextra -Werror -Wno-unused-variable -Wno-unused-but-set-variable \
		-Wno-unused-parameter -Wno-unused-function -Wno-missing-field-initializers -Wno-uninitialized \
		-Wno-maybe-uninitialized -I"$T/orm" $CFLAGS_FLACON "$src"
}
norm=0
for m in "$T"/orm/[0-9]*.mark; do
	[ -e "$m" ] || continue
	n=$(basename "$m" .mark)
	norm=$((norm + 1))
	check "docs/orm.md:$(cat "$T/orm/$n.line"): the C block compiles ($(cat "$m"))" orm_block_ok "$n"
done
check "docs/orm.md: every C block is marked <!-- docs-test: ... --> ($norm blocks)" \
	bash -c "[ ! -s '$T/orm/unmarked' ] || { echo 'unmarked C blocks at lines:'; cat '$T/orm/unmarked'; exit 1; }"

# ---- docs/app.md: its C blocks are run, compared or compiled ---------------------------
# Every C block of docs/app.md carries a mark: <!-- excerpt: PATH --> (the
# example: suite compares it with the file), <!-- install-test: FILE -->
# (the install: suite compiles and runs it) or <!-- docs-test: c file -->
# (compiled here, as docs/orm.md's).
mkdir -p "$T/app"
awk -v dir="$T/app" '
	/^<!-- (docs-test|excerpt|install-test): .* -->$/ { mark = $0; next }
	/^```/ && !inblock {
		inblock = 1; lang = substr($0, 4)
		if (lang == "c") {
			if (mark == "") print NR > (dir "/unmarked")
			if (mark == "<!-- docs-test: c file -->") { n++; out = dir "/" n; print NR > (out ".line"); printf "" > (out ".txt") }
		}
		mark = ""; next
	}
	inblock && /^```$/ { inblock = 0; out = ""; next }
	inblock && out != "" { print > (out ".txt") }
	!inblock && !/^[[:space:]]*$/ { mark = "" }
' docs/app.md
app_block_ok() { # app_block_ok N: block N of docs/app.md compiles on its own
	{ echo '#include <flacon.h>'; cat "$T/app/$1.txt"; } >"$T/app/$1.c"
	cc -std=c17 -fsyntax-only -Wall -Wextra -Werror -Wno-unused-function $CFLAGS_FLACON "$T/app/$1.c"
}
napp=0
for t in "$T"/app/[0-9]*.txt; do
	[ -e "$t" ] || continue
	n=$(basename "$t" .txt)
	napp=$((napp + 1))
	check "docs/app.md:$(cat "$T/app/$n.line"): the C block compiles" app_block_ok "$n"
done
check "docs/app.md: every C block is an excerpt, an install test or a docs test ($napp compiled here)" \
	bash -c "[ ! -s '$T/app/unmarked' ] || { echo 'unmarked C blocks at lines:'; cat '$T/app/unmarked'; exit 1; }"

# docs/app.md's install block, run as written: HOME a temporary one, make
# the checkout's (with this run's BUILD), notes.c the page's own.
app_md_install() {
	local H=$T/apphome
	mkdir -p "$H/notes"
	awk '/^<!-- install-test: notes.c -->$/ { f = 1; next } f && /^```c$/ { b = 1; next } b && /^```$/ { exit } b { print }' \
		docs/app.md >"$H/notes/notes.c"
	awk '/^<!-- docs-test: sh install -->$/ { f = 1; next } f && /^```sh$/ { b = 1; next } b && /^```$/ { exit } b { print }' \
		docs/app.md >"$T/app-install.sh"
	[ -s "$H/notes/notes.c" ] && [ -s "$T/app-install.sh" ] || { echo "block or notes.c missing"; return 1; }
	local san=""
	[ "$SAN" = 1 ] && san="-fsanitize=address,undefined"
	(export HOME=$H; make() { command make --no-print-directory BUILD="$BUILD" "$@"; }
	 cc() { command cc $san "$@"; }
	 set -e; source "$T/app-install.sh") >"$T/app-install.out" 2>&1 || { tail -20 "$T/app-install.out"; return 1; }
	[ -x "$H/notes/notes" ] && "$H/notes/notes" routes | grep -qE '^GET +/notes +notes_index$'
}
check "docs/app.md's install block runs as written and builds notes.c" app_md_install

# ---- flacon new: what it refuses, what it writes ------------------------------------
N=$T/new
mkdir -p "$N/empty" "$N/full"
touch "$N/full/keep"
FLACON="$ROOT/$BUILD/flacon"
new_refuses() { # new_refuses ARG TEXT STATUS: exit STATUS, TEXT on stderr
	(cd "$N" && FLACON_CONF=/dev/null "$FLACON" new "$1") >"$T/new.out" 2>"$T/new.err"
	local rc=$?
	[ $rc -eq "$3" ] || { echo "exit $rc, not $3"; cat "$T/new.err"; return 1; }
	grep -qF -- "$2" "$T/new.err" || { echo "stderr:"; cat "$T/new.err"; return 1; }
}
check "flacon new refuses a directory that is not empty (full/: exists and is not empty, exit 1, left as it was)" \
	bash -c "$(declare -f new_refuses); N='$N' T='$T' FLACON='$FLACON'; new_refuses full 'exists and is not empty' 1 && [ \"\$(ls -A '$N/full')\" = keep ]"
check "flacon new refuses a name that is no C identifier (my-app), exit 2" \
	bash -c "$(declare -f new_refuses); N='$N' T='$T' FLACON='$FLACON'; new_refuses my-app 'lowercase letters, digits and underscores' 2 && [ ! -e '$N/my-app' ]"
check "flacon new refuses a name that is a target of its Makefile (check), exit 2" \
	bash -c "$(declare -f new_refuses); N='$N' T='$T' FLACON='$FLACON'; new_refuses check 'Makefile' 2"
check "flacon new refuses a prefix of the framework's names (web: web_app would clash), exit 2" \
	bash -c "$(declare -f new_refuses); N='$N' T='$T' FLACON='$FLACON'; new_refuses web 'prefix of the framework' 2"
new_writes() {
	(cd "$N" && FLACON_CONF=/dev/null "$FLACON" new empty) >"$T/new.out" 2>&1 || { cat "$T/new.out"; return 1; }
	local f
	for f in Makefile main.c app.h app.c templates/layout.mustache templates/index.mustache static/style.css \
		tests/test_pages.c conf/flacon.conf README.md .gitignore; do
		[ -s "$N/empty/$f" ] || { echo "no $f"; return 1; }
	done
	! grep -rq '@NAME@' "$N/empty" || { echo "a placeholder is left"; return 1; }
	grep -q '^empty: main.c' "$N/empty/Makefile" && grep -q 'mariadb://empty@localhost/empty?socket=var/run/mysqld.sock' "$N/empty/conf/flacon.conf"
}
check "flacon new writes into an existing empty directory, named after it (empty)" new_writes
new_builds() { # the application `empty` builds with its Makefile (pkg-config only) and lists its routes
	local san=()
	[ $SAN = 1 ] && san=(XCFLAGS=-fsanitize=address,undefined XLDLIBS=-fsanitize=address,undefined)
	(cd "$N/empty" && PKG_CONFIG_PATH="$P/lib/pkgconfig" make "${san[@]}" empty test_pages) || return 1
	(cd "$N/empty" && ./empty routes) >"$T/routes.out" || return 1
	grep -qE '^GET +/ +index$' "$T/routes.out" && grep -qE '^POST +/notes +add_note$' "$T/routes.out"
}
check "the application flacon new wrote (empty) builds from the installed library and lists GET / and POST /notes" new_builds
check "what flacon new writes holds no secret key (conf/flacon.conf: no secret_key)" \
	bash -c "! grep -rqiE '^[[:space:]]*secret_key[[:space:]]*=' '$N/empty'"
check "flacon help new prints its usage" bash -c "FLACON_CONF=/dev/null '$FLACON' help new | grep -q '^usage: flacon new NAME'"

# ---- docs/tutorial.md, as a reader runs it -------------------------------------
S=$T/steps
mkdir -p "$S" "$T/home"
# Step N: $S/N.kind (the mark's words), $S/N.line, $S/N.txt (its block,
# empty for ctrl-c). A fenced block without a mark: $S/unmarked.
awk -v dir="$S" '
	function step(kind) { n++; out = dir "/" sprintf("%03d", n); print kind > (out ".kind"); print NR > (out ".line"); printf "" > (out ".txt"); close(out ".kind"); close(out ".line") }
	/^<!-- tutorial: .* -->$/ && !inblock {
		mark = $0; sub(/^<!-- tutorial: /, "", mark); sub(/ -->$/, "", mark)
		if (mark == "ctrl-c") { step(mark); mark = "" }
		next
	}
	/^```/ && !inblock { inblock = 1; if (mark == "") { print NR > (dir "/unmarked"); out = "" } else step(mark); mark = ""; next }
	inblock && /^```$/ { inblock = 0; if (out != "") close(out ".txt"); out = ""; next }
	inblock { if (out != "") print > (out ".txt"); next }
	!/^[[:space:]]*$/ { mark = "" }
' docs/tutorial.md
check "docs/tutorial.md: every fenced block is marked <!-- tutorial: ... -->" \
	bash -c "[ ! -s '$S/unmarked' ] || { echo 'unmarked blocks at lines:'; cat '$S/unmarked'; exit 1; }"

PORT=$(free_port)
# The reader's shell: a clean environment, the state of the last block.
{
	printf 'export PATH=%q HOME=%q LANG=C.UTF-8 TUTORIAL_CWD=%q\n' "$PATH" "$T/home" "$ROOT"
	printf 'export FLACON_PORT=%q BUILD=%q\n' "$PORT" "$BUILD"
	[ -n "${FLACON_TEST_DATABASE_URL:-}" ] && printf 'export FLACON_TEST_DATABASE_URL=%q\n' "$FLACON_TEST_DATABASE_URL"
	[ $SAN = 1 ] && printf 'export XCFLAGS=%q XLDLIBS=%q\n' "-fsanitize=address,undefined" "-fsanitize=address,undefined"
	for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		[ -n "${!v:-}" ] && printf 'export %s=%q\n' "$v" "${!v}"
	done
} >"$T/state.sh"
# The block as the reader's shell runs it.
script_of() {
	echo "source '$T/state.sh'"
	echo 'cd "$TUTORIAL_CWD"'
	sed -e 's#127\.0\.0\.1:8080#127.0.0.1:$FLACON_PORT#g' -e 's#\$PWD/build:#$PWD/$BUILD:#g' "$1"
}
run_step() { # run_step FILE: the block's status; its output in $T/last.out
	{
		echo 'set -e -o pipefail'
		script_of "$1"
		echo 'export TUTORIAL_CWD="$PWD"'
		echo "export -p >'$T/state.new'"
	} >"$T/block.sh"
	env -i bash "$T/block.sh" </dev/null >"$T/last.out" 2>&1
}
step_run() {
	run_step "$1" || { echo "exit status $?; output:"; tail -40 "$T/last.out"; return 1; }
	mv "$T/state.new" "$T/state.sh"
}
step_fails() { # step_fails FILE TEXT
	if run_step "$1"; then
		echo "it succeeded; output:"
		tail -20 "$T/last.out"
		return 1
	fi
	grep -qF -- "$2" "$T/last.out" || { echo "no '$2' in:"; tail -20 "$T/last.out"; return 1; }
}
step_output() {
	local line
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		grep -qxF -- "$line" "$T/last.out" || { echo "no line '$line' in:"; tail -30 "$T/last.out"; return 1; }
	done <"$1"
}
step_file() { # step_file FILE PATH
	local dst
	dst=$(source "$T/state.sh" && cd "$TUTORIAL_CWD" && mkdir -p "$(dirname "$2")" && echo "$PWD/$2") || return 1
	cp "$1" "$dst"
}
step_patch() {
	(source "$T/state.sh" && cd "$TUTORIAL_CWD" && patch -p1 --forward --no-backup-if-mismatch) <"$1"
}
step_excerpt() { # step_excerpt FILE PATH: FILE's text is in PATH
	local src
	src=$(source "$T/state.sh" && echo "$TUTORIAL_CWD/$2")
	awk 'BEGIN { RS = "\001" } NR == 1 { hay = $0; next } { needle = $0 } END { exit !(needle != "" && index(hay, needle) > 0) }' "$src" "$1" ||
		{ echo "not word for word in $src"; return 1; }
}
step_serve() {
	SERVE_DIR=$(source "$T/state.sh" && echo "$TUTORIAL_CWD")
	{
		script_of "$1" | sed '$ s/^/exec /'
	} >"$T/serve.sh"
	setsid env -i bash "$T/serve.sh" </dev/null >>"$T/serve.log" 2>&1 &
	SERVE_PID=$!
	local i
	for ((i = 0; i < 1800; i++)); do
		if ! kill -0 "$SERVE_PID" 2>/dev/null; then
			echo "it ended; its output:"
			tail -30 "$T/serve.log"
			SERVE_PID=""
			return 1
		fi
		curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && return 0
		sleep 0.1
	done
	echo "no answer on 127.0.0.1:$PORT/healthz within 180 s; its output:"
	tail -30 "$T/serve.log"
	return 1
}
step_ctrl_c() {
	[ -n "$SERVE_PID" ] || { echo "nothing is serving"; return 1; }
	SERVE_RC=""
	if ! stop_serve 90; then
		echo "still running 90 s after SIGINT; its output:"
		tail -30 "$T/serve.log"
		return 1
	fi
	[ "$SERVE_RC" = 0 ] || { echo "it exited with status $SERVE_RC"; tail -30 "$T/serve.log"; return 1; }
	local left
	left=$(procs_under "$SERVE_DIR")
	[ -z "$left" ] || { echo "processes left under $SERVE_DIR:"; echo "$left"; return 1; }
	! curl -s -o /dev/null "http://127.0.0.1:$PORT/" || { echo "127.0.0.1:$PORT still answers"; return 1; }
}

t0=$SECONDS
nsteps=0
for k in "$S"/[0-9]*.kind; do
	[ -e "$k" ] || continue
	base=${k%.kind}
	kind=$(cat "$k")
	where="docs/tutorial.md:$(cat "$base.line")"
	txt=$base.txt
	nsteps=$((nsteps + 1))
	case "$kind" in
	run) name="$where: runs ($(head -1 "$txt"))"; cmd=(step_run "$txt") ;;
	"run, fails: "*) name="$where: fails saying '${kind#run, fails: }' ($(head -1 "$txt"))"
		cmd=(step_fails "$txt" "${kind#run, fails: }") ;;
	output) name="$where: the output has $(grep -c . "$txt") line(s) shown"; cmd=(step_output "$txt") ;;
	"file "*) name="$where: writes ${kind#file }"; cmd=(step_file "$txt" "${kind#file }") ;;
	patch) name="$where: the patch applies"; cmd=(step_patch "$txt") ;;
	"excerpt "*) name="$where: the excerpt is in ${kind#excerpt }"; cmd=(step_excerpt "$txt" "${kind#excerpt }") ;;
	serve) name="$where: serves ($(head -1 "$txt")) on 127.0.0.1:$PORT"; cmd=(step_serve "$txt") ;;
	ctrl-c) name="$where: Ctrl-C (SIGINT) stops it, exit 0, no process left under the application"; cmd=(step_ctrl_c) ;;
	*) name="$where: a known mark ($kind)"; cmd=(false) ;;
	esac
	before=$FAIL
	check "$name" "${cmd[@]}"
	if [ "$FAIL" -gt "$before" ]; then
		echo "tutorial: the steps after $where were not run" >&2
		break
	fi
done
say "     tutorial: $nsteps steps in $((SECONDS - t0)) s"
# The acceptance of issue 23 rests on these: the suite fails if the page loses them.
has_steps() {
	[ "$nsteps" -ge 10 ] || { echo "$nsteps steps"; return 1; }
	grep -qx serve "$S"/*.kind && grep -qx ctrl-c "$S"/*.kind || { echo "no serve or no ctrl-c step"; return 1; }
	grep -qx 'flacon new notes' "$S"/*.txt && grep -qx 'make check' "$S"/*.txt ||
		{ echo "no 'flacon new notes' or no 'make check' step"; return 1; }
}
check "docs/tutorial.md has its steps: flacon new, make check, serve (dev), ctrl-c ($nsteps in all)" has_steps
finish
