# checks.sh — sourced by the shell suites (tests/install, tests/example):
# counting checks and the suite's line. Set SUITE and T (a temporary
# directory) first. Quiet as the C suites: only failures, unless VERBOSE=1.
PASS=0
FAIL=0
say() { if [ -n "${VERBOSE:-}" ]; then echo "$@"; fi; }
ok() { PASS=$((PASS + 1)); say "ok   $1"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $1" >&2; }
check() { # check NAME CMD... : the command succeeds
	local name=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then ok "$name"; else ko "$name"; sed 's/^/    /' "$T/check.out" | head -30 >&2; fi
}
finish() {
	echo "$SUITE: $PASS passed, $FAIL failed"
	exit $((FAIL > 0))
}
