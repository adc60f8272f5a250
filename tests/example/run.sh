#!/usr/bin/env bash
# tests/example/run.sh — the example: suite (SPEC section 12): the tutorial's
# blog built from `make install` alone. Installs the framework into a
# temporary prefix, copies examples/blog alone into a temporary directory
# outside the repository (nothing of app/ reachable), builds it there with
# PKG_CONFIG_PATH and the blog's own Makefile, checks that neither the
# installed library nor the blog holds a symbol of the bundled site, then
# runs the blog's own suite (its data layer against a database of its own
# on tests/run.sh's MariaDB, its pages on the in-process test client, a
# smoke test through nginx in front of `blog runserver`), and the test
# client's own tests (tests/example/client/test_client.c, built the same
# way). VALGRIND=1 runs the test programs under valgrind.
# Prints the failures and "example: N passed, M failed".
# Usage: [VERBOSE=1] tests/example/run.sh [BUILD_DIR]
#   (FLACON_TEST_DATABASE_URL names tests/run.sh's MariaDB socket)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${1:-build}
T=$(mktemp -d /tmp/flacon-example.XXXXXX)
SOCK=""
DB=blog_test
cleanup() {
	if [ -n "$SOCK" ]; then
		mariadb --no-defaults --socket="$SOCK" -uroot -e "DROP DATABASE IF EXISTS \`$DB\`" >/dev/null 2>&1
	fi
	if [ -n "${KEEP_TEST_DIR:-}" ]; then echo "example dir kept: $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
SUITE=example
source "$ROOT/tests/lib/checks.sh"

# --- the framework, installed -----------------------------------------------------
P=$T/prefix
if ! make --no-print-directory BUILD="$BUILD" install PREFIX="$P" >"$T/install.log" 2>&1; then
	ko "make install PREFIX=$P"
	cat "$T/install.log" >&2
	finish
fi
ok "make install"
nm "$P/lib/libflacon.a" >"$T/nm-lib.txt" 2>&1
check "nm of the installed libflacon.a shows flacon_main and no site_ symbol" bash -c \
	"grep -q ' T flacon_main\$' '$T/nm-lib.txt' && ! grep -E ' [A-Za-z] site_' '$T/nm-lib.txt'"

# --- the blog, alone, built with pkg-config -------------------------------------------
B=$T/blog
mkdir -p "$B"
cp -R examples/blog/. "$B/"
rm -f "$B/blog" "$B/test_models" "$B/test_routes"
export PKG_CONFIG_PATH=$P/lib/pkgconfig
FLAGS=$(pkg-config --cflags --libs flacon 2>&1)
say "     pkg-config --cflags --libs flacon: $FLAGS"
check "pkg-config --cflags --libs flacon points at the prefix, not at the repository" bash -c \
	"echo '$FLAGS' | grep -qF -- '-I$P/include' && ! echo '$FLAGS' | grep -qF -- '$ROOT'"
# A library built by `make sanitize` needs the sanitizers' runtime in the
# blog too.
SAN=()
if grep -q '__asan_' "$T/nm-lib.txt"; then SAN=(XCFLAGS="-fsanitize=address,undefined" XLDLIBS="-fsanitize=address,undefined"); fi
if (cd "$B" && make "${SAN[@]}" blog test_models test_routes) >"$T/build.log" 2>&1; then
	ok "the copy of examples/blog builds with its Makefile (pkg-config only)"
else
	ko "the copy of examples/blog builds with its Makefile (pkg-config only)"
	cat "$T/build.log" >&2
	finish
fi
check "the blog's compile lines name nothing of the repository" bash -c "! grep -F -- '$ROOT' '$T/build.log'"
check "nm of the blog shows flacon_main and no site_ symbol" bash -c \
	"nm '$B/blog' >'$T/nm-blog.txt' && grep -q ' T flacon_main\$' '$T/nm-blog.txt' && ! grep -E ' [A-Za-z] site_' '$T/nm-blog.txt'"

# --- the test client's own tests, an application outside the repository ------------
C=$T/client
mkdir -p "$C"
cp tests/example/client/test_client.c "$C/"
if (cd "$C" && cc -std=c17 -Wall -Wextra -Werror -O1 -g ${SAN[@]:+-fsanitize=address,undefined} \
	-o test_client test_client.c $(pkg-config --cflags --libs flacon)) >"$T/client-build.log" 2>&1; then
	ok "tests/example/client/test_client.c builds from <flacon.h> with pkg-config only"
else
	ko "tests/example/client/test_client.c builds from <flacon.h> with pkg-config only"
	cat "$T/client-build.log" >&2
fi

# --- docs/app.md shows the blog as it is ----------------------------------------------
# Each block after a line <!-- excerpt: PATH --> must be in the repository's
# PATH word for word, so the guide's code is code that compiles (here).
mkdir -p "$T/excerpts"
awk -v dir="$T/excerpts" '
	/^<!-- excerpt: .* -->$/ { f = $3; next }
	f != "" && /^```/ && !inblock { inblock = 1; n++; out = dir "/" n; print f > (out ".src"); close(out ".src"); printf "" > out; next }
	inblock && /^```$/ { inblock = 0; close(out); f = ""; next }
	inblock { print > out }
' docs/app.md
contains() { # contains FILE NEEDLE: NEEDLE's text is in FILE
	awk 'BEGIN { RS = "\001" } NR == 1 { hay = $0; next } { needle = $0 } END { exit !(needle != "" && index(hay, needle) > 0) }' "$1" "$2"
}
excerpts_ok() {
	local n=0 bad=0 src
	for x in "$T"/excerpts/*.src; do
		[ -e "$x" ] || continue
		n=$((n + 1))
		src=$(cat "$x")
		if [ ! -f "$src" ] || ! contains "$src" "${x%.src}"; then
			echo "docs/app.md's excerpt of $src is not in $src:"
			head -5 "${x%.src}"
			bad=$((bad + 1))
		fi
	done
	[ "$n" -ge 5 ] && [ "$bad" -eq 0 ]
}
check "every excerpt of examples/blog in docs/app.md is word for word in its file" excerpts_ok

# --- a database of its own --------------------------------------------------------------
SOCK=${FLACON_TEST_DATABASE_URL:-}
SOCK=${SOCK##*socket=}
SOCK=${SOCK%%&*}
if [ -z "${FLACON_TEST_DATABASE_URL:-}" ] || [ ! -S "$SOCK" ]; then
	SOCK=""
	ko "a test MariaDB (FLACON_TEST_DATABASE_URL; tests/run.sh starts one)"
	finish
fi
if ! mariadb --no-defaults --socket="$SOCK" -uroot >"$T/sql.log" 2>&1 <<SQL; then
DROP DATABASE IF EXISTS \`$DB\`;
CREATE DATABASE \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'blog'@'localhost';
GRANT ALL PRIVILEGES ON \`blog\\_%\`.* TO 'blog'@'localhost';
SQL
	ko "create the database $DB and the user blog"
	cat "$T/sql.log" >&2
	finish
fi

# --- the test client's own tests (tests/run.sh's database: flacon_test_tc_...) -----------
VG=()
if [ -n "${VALGRIND:-}" ]; then
	VG=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99)
fi
if [ -x "$C/test_client" ]; then
	(cd "$C" && FLACON_CONF=/dev/null "${VG[@]}" ./test_client) >"$T/client.out" 2>"$T/client.err"
	rc=$?
	cat "$T/client.err" >&2
	line=$(grep -E '^client: [0-9]+ passed, [0-9]+ failed$' "$T/client.out" | tail -1)
	if [ -z "$line" ]; then
		ko "test_client printed its result line"
		cat "$T/client.out" >&2
	else
		p=${line#client: }
		f=${p#*passed, }
		PASS=$((PASS + ${p%% passed*}))
		FAIL=$((FAIL + ${f%% failed}))
		[ $rc -ne 0 ] && [ "${f%% failed}" = 0 ] && ko "test_client exits 0 (valgrind or a crash?)"
		say "     $line"
	fi
fi

# --- docs/app.md's command block, run as written in the blog's copy ---------------------
# The block after <!-- docs-test: sh blog -->, with its database URL
# pointing at a database of its own and runserver stopped after 3 s.
DOCDB=blog_docs_$$
awk '/^<!-- docs-test: sh blog -->$/ { f = 1; next } f && /^```sh$/ { b = 1; next } b && /^```$/ { exit } b { print }' \
	docs/app.md >"$T/app-md-commands.sh"
sed -i -e "s|^export FLACON_DATABASE_URL=.*|export FLACON_DATABASE_URL='mariadb://blog@localhost/$DOCDB?socket=$SOCK'|" \
	-e 's|^\./blog runserver |timeout --preserve-status -s TERM 3 ./blog runserver |' "$T/app-md-commands.sh"
app_md_commands() {
	[ -s "$T/app-md-commands.sh" ] || { echo "no block after <!-- docs-test: sh blog --> in docs/app.md"; return 1; }
	mariadb --no-defaults --socket="$SOCK" -uroot -e "CREATE DATABASE \`$DOCDB\`" || return 1
	printf 'right-password\n' >"$B/pw.txt"
	(cd "$B" && rm -f /tmp/blog.sock && FLACON_APP_ENV=development FLACON_APP_SECRET_KEY=example-docs-secret-0123456789abcdef-0123 bash -e "$T/app-md-commands.sh") >"$T/app-md.out" 2>&1
	local rc=$?
	rm -f "$B/pw.txt"
	mariadb --no-defaults --socket="$SOCK" -uroot -e "DROP DATABASE IF EXISTS \`$DOCDB\`"
	# runserver stopped by timeout: 0 after its graceful stop
	[ $rc -eq 0 ] || { echo "exit $rc"; tail -20 "$T/app-md.out"; return 1; }
	grep -q '^Created user alice' "$T/app-md.out" || { echo "createuser said nothing"; tail -20 "$T/app-md.out"; return 1; }
}
check "docs/app.md's command block runs as written (db init ... createuser, runserver)" app_md_commands

# --- the blog's own suite ----------------------------------------------------------------
(cd "$B" && FLACON_DATABASE_URL="mariadb://blog@localhost/$DB?socket=$SOCK" KEEP_TEST_DIR= bash tests/run.sh) \
	>"$T/blog.out" 2>"$T/blog.err"
cat "$T/blog.err" >&2
line=$(grep -E '^blog: [0-9]+ passed, [0-9]+ failed$' "$T/blog.out" | tail -1)
if [ -z "$line" ]; then
	ko "the blog's suite printed its result line"
	cat "$T/blog.out" >&2
else
	p=${line#blog: }
	f=${p#*passed, }
	PASS=$((PASS + ${p%% passed*}))
	FAIL=$((FAIL + ${f%% failed}))
	say "     $line"
fi
finish
