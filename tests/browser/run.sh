#!/usr/bin/env bash
# tests/browser/run.sh — the browser suite: one user's visit to Flacon in
# Debian's headless Chromium, driven by playwright-core (flow.mjs).
#
# Called by tests/run.sh as `bash tests/browser/run.sh` from the repository
# root while the stack answers on http://127.0.0.1:$FLACON_TEST_PORT/.
# Prints exactly one line on stdout, "browser: N passed, M failed"; exits
# non-zero on any failure. A missing node, npm or chromium is a failure, never
# a skip. Everything is bounded in time: npm ci 180 s, the visit 240 s (270 s
# hard limit), each click or page load 10–15 s.
#
# Environment: FLACON_TEST_PORT (required), FLACON_BIN (to add a course of
# its own, optional), FLACON_CHROMIUM (default /usr/bin/chromium).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)

result_fail() {
	echo "browser: $*" >&2
	echo "browser: 0 passed, 1 failed"
	exit 1
}

command -v node >/dev/null 2>&1 || result_fail "node not found (Debian: apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 || result_fail "npm not found (Debian: apt-get install npm)"
command -v timeout >/dev/null 2>&1 || result_fail "timeout (coreutils) not found"
CHROMIUM=${FLACON_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || result_fail "chromium not found at $CHROMIUM (Debian: apt-get install chromium)"
[ -n "${FLACON_TEST_PORT:-}" ] || result_fail "FLACON_TEST_PORT is not set (run through tests/run.sh)"
export FLACON_CHROMIUM=$CHROMIUM

cd "$HERE" || result_fail "cannot enter $HERE"

# Node modules: installed from package-lock.json when missing or older than it.
if [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/.package-lock.json ] ||
	[ package-lock.json -nt node_modules/.package-lock.json ]; then
	if ! timeout -k 5 180 npm ci --no-audit --no-fund >&2; then
		result_fail "npm ci failed in tests/browser"
	fi
fi

# A fresh profile directory of our own: Chromium's processes are found by it
# afterwards, so none outlives the suite even if node is killed.
PROFILE=$(mktemp -d /tmp/flacon-browser-profile.XXXXXX) || result_fail "mktemp failed"
OUT=$(mktemp /tmp/flacon-browser-out.XXXXXX) || result_fail "mktemp failed"

kill_profile_processes() {
	local p cmd
	for p in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
		case "$cmd" in
		*"--user-data-dir=$PROFILE"*) kill -KILL "${p#/proc/}" 2>/dev/null ;;
		esac
	done
}
cleanup() {
	kill_profile_processes
	rm -rf "$PROFILE" "$OUT"
}
trap cleanup EXIT

FLACON_BROWSER_PROFILE=$PROFILE FLACON_BROWSER_TIMEOUT_MS=240000 \
	timeout -k 10 270 node "$HERE/flow.mjs" >"$OUT"
rc=$?

line=$(grep -E '^browser: [0-9]+ passed, [0-9]+ failed$' "$OUT" | tail -1)
grep -vE '^browser: [0-9]+ passed, [0-9]+ failed$' "$OUT" >&2
if [ -z "$line" ]; then
	[ $rc -eq 124 ] || [ $rc -eq 137 ] && echo "browser: killed after 270 s" >&2
	result_fail "flow.mjs exited with status $rc without a result line"
fi
echo "$line"
if [ $rc -eq 0 ] && [[ "$line" != *" 0 failed" ]]; then rc=1; fi
exit $rc
