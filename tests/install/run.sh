#!/usr/bin/env bash
# tests/install/run.sh — the framework as a library (SPEC section 12):
# `make install PREFIX=...` into a temporary directory, no symbol of the
# bundled site in the installed libflacon.a, and a tiny application of its
# own (one model, one route, its own command, a main calling flacon_main)
# built with nothing but `pkg-config --cflags --libs flacon`, whose routes,
# --help, help and (with the test database) create-all work.
# Usage: [VERBOSE=1] tests/install/run.sh [BUILD_DIR]
# prints the failures and "install: N passed, M failed".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${1:-${FLACON_INSTALL_BUILD:-build}}
T=$(mktemp -d /tmp/flacon-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
SUITE=install
source "$ROOT/tests/lib/checks.sh"

P=$T/prefix
# --- make install -----------------------------------------------------------
if ! make --no-print-directory BUILD="$BUILD" install PREFIX="$P" >"$T/install.log" 2>&1; then
	ko "make install PREFIX=$P"
	cat "$T/install.log" >&2
	finish
fi
ok "make install"
check "installs lib/libflacon.a" test -f "$P/lib/libflacon.a"
check "installs lib/pkgconfig/flacon.pc" test -f "$P/lib/pkgconfig/flacon.pc"
check "installs include/flacon.h and include/flacon/{core,db,orm,tmpl,web,cli}.h" \
	test -f "$P/include/flacon.h" -a -f "$P/include/flacon/core.h" -a -f "$P/include/flacon/db.h" \
	-a -f "$P/include/flacon/orm.h" -a -f "$P/include/flacon/tmpl.h" -a -f "$P/include/flacon/web.h" \
	-a -f "$P/include/flacon/cli.h"
check "installs no header of the site" test ! -e "$P/include/flacon/site"

# --- nm: the framework only ---------------------------------------------------
nm "$P/lib/libflacon.a" >"$T/nm.txt" 2>&1
check "nm reads the installed library" grep -q ' T flacon_main$' "$T/nm.txt"
no_site_symbols() {
	! grep -E ' [A-Za-z] (site_[A-Za-z0-9_]*|[A-Za-z0-9_]*(seed|createuser|deleteuser|createcourse)[A-Za-z0-9_]*)$' "$T/nm.txt"
}
check "nm shows no symbol of the site (site_*, seed, createuser, deleteuser, createcourse)" no_site_symbols
# every object file app/site builds whose name no framework file shares
# (app/site/render.c and app/tmpl/render.c are both render.o)
SITE_OBJS=$(comm -23 <(ls app/site/*.c | xargs -n1 basename | sort) \
	<(ls app/core/*.c app/db/*.c app/orm/*.c app/tmpl/*.c app/web/*.c app/cli/*.c | xargs -n1 basename | sort -u) |
	sed 's/\.c$//' | paste -sd'|')
check "nm shows no object file of the site ($SITE_OBJS)" bash -c "! grep -E '^($SITE_OBJS)\.o:' '$T/nm.txt'"

# --- an application of its own ----------------------------------------------
A=$T/app
# No templates/ directory: an application that renders nothing needs none.
mkdir -p "$A"
cat >"$A/app.c" <<'APP'
/* A tiny application on the installed framework: one model, one route,
 * one command of its own, no templates. */
#include <stdio.h>
#include <flacon.h>
#include <flacon/orm.h>

struct note;
#define NOTE_COLUMNS(X)                                                     \
	X(note, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)             \
	X(note, body, ORM_STRING, .length = 200, .flags = ORM_NOT_NULL)
ORM_MODEL_DECLARE(note, NOTE_COLUMNS, ORM_NO_RELS)
ORM_MODEL_DEFINE(note, NOTE_COLUMNS, ORM_NO_RELS);

static struct orm_model *models[] = {&note_model};
static struct orm_registry registry = {.models = models, .nmodels = 1};

static int hello(struct http_request *req, struct http_response *resp)
{
	(void)req;
	return http_resp_text(resp, 200, "text/plain; charset=utf-8", "hello from notes\n");
}

static const struct http_route routes[] = {
	{"GET", "/notes/hello", hello, 0, "notes_hello"},
};
static const struct web_app notes_web = {.routes = routes, .nroutes = 1, .process_name = "notes-worker"};

static int count_notes(struct config *cfg, int argc, char **argv)
{
	(void)cfg;
	(void)argv;
	if (argc)
		return cli_usage_error("count-notes", "takes no arguments");
	printf("notes: %zu model\n", registry.nmodels);
	return CLI_OK;
}

static const struct cli_command cmd_count_notes = {
	.name = "count-notes", .usage = "count-notes", .help = "say how many models notes has",
	.run = count_notes,
};
static const struct cli_command *const commands[] = {&cmd_count_notes, NULL};

int main(int argc, char **argv)
{
	static const struct flacon_app app = {
		.registry = &registry,
		.web = &notes_web,
		.templates_dir = "templates",
		.commands = commands,
	};
	return flacon_main(argc, argv, &app);
}
APP
export PKG_CONFIG_PATH=$P/lib/pkgconfig
check "pkg-config knows flacon" pkg-config --exists flacon
# The dependencies come from their own .pc files (Requires), not from
# include paths written into flacon.pc.
pc_requires_ok() {
	grep -qE '^Requires:.*libmariadb.*json-c' "$P/lib/pkgconfig/flacon.pc" || return 1
	! grep -qE '^Cflags:.*/usr/include' "$P/lib/pkgconfig/flacon.pc"
}
check "flacon.pc names its dependencies in Requires and hard-codes no include path" pc_requires_ok
check "pkg-config --cflags flacon carries the dependencies' include paths (libmariadb's)" \
	bash -c "pkg-config --cflags flacon | grep -qF -- \"\$(pkg-config --cflags-only-I libmariadb | awk '{print \$1}')\""
FLAGS=$(pkg-config --cflags --libs flacon 2>&1)
say "     pkg-config --cflags --libs flacon: $FLAGS"
# No -I into the source tree, nothing but the pkg-config line.
# A library built by `make sanitize` needs the sanitizers' runtime too.
SAN=""
if grep -q '__asan_' "$T/nm.txt"; then SAN="-fsanitize=address,undefined"; fi
if (cd "$A" && cc -std=c17 -Wall -Wextra -Werror $SAN -o notes app.c $FLAGS) >"$T/cc.log" 2>&1; then
	ok "cc app.c \$(pkg-config --cflags --libs flacon) builds the application"
else
	ko "cc app.c \$(pkg-config --cflags --libs flacon) builds the application"
	cat "$T/cc.log" >&2
	finish
fi
check "the application links no symbol of the site" bash -c "! nm '$A/notes' | grep -E ' [A-Za-z] site_'"

cd "$A"
# No configuration of the repository: the application's own directory.
export FLACON_CONF=/dev/null
routes_ok() {
	./notes routes >"$T/routes.out" 2>&1 || return 1
	grep -qE '^GET +/notes/hello +notes_hello$' "$T/routes.out" || return 1
	[ "$(wc -l <"$T/routes.out")" -eq 1 ]
}
check "notes routes lists its one route (GET /notes/hello notes_hello) and nothing else" routes_ok
help_ok() {
	./notes --help >"$T/help.out" 2>&1 || return 1
	for c in runserver db create-all drop-all session-gc routes count-notes; do
		grep -qE "^  $c +" "$T/help.out" || { echo "no $c in --help"; return 1; }
	done
	! grep -qE '^  (seed|createuser|deleteuser|createcourse) ' "$T/help.out"
}
check "notes --help lists the generic commands and count-notes, none of the site's" help_ok
check "notes help count-notes prints its usage under the program's name (usage: notes count-notes)" \
	bash -c "./notes help count-notes | grep -q '^usage: notes count-notes'"
check "notes --help names the program notes, not flacon" \
	bash -c "./notes --help >'$T/h.out' && grep -q '^usage: notes \[--config FILE\]' '$T/h.out' && ! grep -q flacon '$T/h.out'"
check "an unknown command's message starts with notes: and points at notes --help" \
	bash -c "./notes nosuch 2>&1 >/dev/null | grep -qx \"notes: unknown command 'nosuch' (notes --help lists them)\""
check "a usage error names the program: notes: count-notes: ... (notes help count-notes)" \
	bash -c "./notes count-notes x 2>&1 >/dev/null | grep -qx 'notes: count-notes: takes no arguments (notes help count-notes)'"
check "notes count-notes runs the application's command" bash -c "./notes count-notes | grep -qx 'notes: 1 model'"
check "notes seed is an unknown command (exit 2)" bash -c "./notes seed 2>/dev/null; [ \$? -eq 2 ]"

# --- the guide's application: docs/app.md, compiled and run as written ----
G=$T/guide
mkdir -p "$G"
# Each block after a line <!-- install-test: FILE --> becomes $G/FILE.
awk -v dir="$G" '
	/^<!-- install-test: .* -->$/ { f = $3; next }
	f != "" && /^```/ && !inblock { inblock = 1; out = dir "/" f; system("mkdir -p \"$(dirname " out ")\""); printf "" > out; next }
	inblock && /^```$/ { inblock = 0; close(out); f = ""; next }
	inblock { print > out }
' "$ROOT/docs/app.md"
if (cd "$G" && cc -std=c17 -Wall -Wextra -Werror $SAN -o notes notes.c $FLAGS) >"$T/cc-guide.log" 2>&1; then
	ok "docs/app.md's notes.c builds with the pkg-config line"
	GUIDE=1
else
	ko "docs/app.md's notes.c builds with the pkg-config line"
	cat "$T/cc-guide.log" >&2
	GUIDE=0
fi
check "docs/app.md's template is there" test -s "$G/templates/notes.mustache"
if [ $GUIDE = 1 ]; then
	check "the guide's notes routes lists GET /notes and GET /healthz" bash -c \
		"cd '$G' && ./notes routes | grep -qE '^GET +/notes +notes_index\$' && ./notes routes | grep -qE '^GET +/healthz +healthz\$'"
	check "the guide's notes --help lists add-note" bash -c "cd '$G' && ./notes --help | grep -qE '^  add-note +add a note\$'"
fi

# --- runserver answers the application's route (FastCGI, cgi-fcgi) ---------
if command -v cgi-fcgi >/dev/null; then
	export FLACON_APP_ENV=development FLACON_APP_SECRET_KEY=install-test-secret-0123456789abcdef-0123
	./notes runserver --listen "unix:$T/n.sock" --workers 1 >"$T/runserver.log" 2>&1 &
	RS=$!
	for _ in $(seq 1 100); do [ -S "$T/n.sock" ] && break; sleep 0.1; done
	fcgi_get() { REQUEST_METHOD=GET REQUEST_URI=$1 DOCUMENT_URI=$1 SCRIPT_NAME=$1 SERVER_PROTOCOL=HTTP/1.1 \
		timeout 10 cgi-fcgi -bind -connect "$T/n.sock"; }
	check "notes runserver (a web_app without a templates directory) answers GET /notes/hello" bash -c \
		"$(declare -f fcgi_get); T='$T'; fcgi_get /notes/hello | tr -d '\r' >'$T/hello.out'; grep -qx 'Status: 200 OK' '$T/hello.out' && grep -qx 'hello from notes' '$T/hello.out'"
	check "notes runserver answers 404 for a route it does not have (/articles)" bash -c \
		"$(declare -f fcgi_get); T='$T'; fcgi_get /articles | tr -d '\r' | grep -qx 'Status: 404 Not Found'"
	kill -TERM "$RS" 2>/dev/null
	wait "$RS" 2>/dev/null
	check "notes runserver stops on SIGTERM and says so" grep -q 'master stopped' "$T/runserver.log"
else
	echo "install: no cgi-fcgi, runserver not tried" >&2
fi

# --- create-all against a throw-away database ----------------------------------
# The socket of tests/run.sh's MariaDB, from FLACON_TEST_DATABASE_URL.
SOCK=${FLACON_TEST_DATABASE_URL:-}
SOCK=${SOCK##*socket=}
SOCK=${SOCK%%&*}
if [ -n "${FLACON_TEST_DATABASE_URL:-}" ] && [ -S "$SOCK" ]; then
	DB=flacon_install_$$
	sql() { mariadb --no-defaults --socket="$SOCK" -uroot -N -B -e "$1"; }
	if sql "CREATE DATABASE \`$DB\`; GRANT ALL ON \`$DB\`.* TO 'flacon'@'localhost'" >"$T/sql.log" 2>&1; then
		export FLACON_DATABASE_URL="mariadb://flacon@localhost/$DB?socket=$SOCK"
		check "notes create-all says Tables created." bash -c "./notes create-all | grep -qx 'Tables created.'"
		check "create-all made table note (and the framework's session table)" bash -c \
			"[ \"\$(mariadb --no-defaults --socket='$SOCK' -uroot -N -B -e \"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='$DB' AND TABLE_NAME IN ('note','session')\")\" = 2 ]"
		check "create-all made no table of the site" bash -c \
			"[ \"\$(mariadb --no-defaults --socket='$SOCK' -uroot -N -B -e \"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='$DB' AND TABLE_NAME IN ('user','article','course')\")\" = 0 ]"
		if [ $GUIDE = 1 ] && command -v cgi-fcgi >/dev/null; then
			check "the guide's notes create-all and add-note" bash -c \
				"cd '$G' && ./notes create-all >/dev/null && ./notes add-note 'buy <milk>' | grep -qx 'Added note 1'"
			(cd "$G" && exec ./notes runserver --listen "unix:$T/g.sock" --workers 1 >"$T/guide-runserver.log" 2>&1) &
			GS=$!
			for _ in $(seq 1 100); do [ -S "$T/g.sock" ] && break; sleep 0.1; done
			check "the guide's GET /notes renders the note through its template, escaped" bash -c \
				"REQUEST_METHOD=GET REQUEST_URI=/notes DOCUMENT_URI=/notes SCRIPT_NAME=/notes SERVER_PROTOCOL=HTTP/1.1 timeout 10 cgi-fcgi -bind -connect '$T/g.sock' | tr -d '\r' | grep -qF '<li>buy &lt;milk&gt;</li>'"
			kill -TERM "$GS" 2>/dev/null
			wait "$GS" 2>/dev/null
		fi
		check "notes drop-all drops note" bash -c "./notes drop-all | grep -qx 'Tables dropped.' && [ \"\$(mariadb --no-defaults --socket='$SOCK' -uroot -N -B -e \"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='$DB'\")\" = 0 ]"
		sql "DROP DATABASE \`$DB\`" >/dev/null 2>&1
	else
		ko "create a throw-away database"
		cat "$T/sql.log" >&2
	fi
else
	say "     (no test database: create-all not tried; tests/run.sh provides one)"
fi
finish
