#!/usr/bin/env bash
# scripts/long-functions.sh — list the C functions longer than N lines, to
# keep a function to a screen or two (STYLE.md).
# Usage: scripts/long-functions.sh [-n N] [DIR_OR_FILE...]   (N: 120; app)
# Prints "file:line: name: L lines", longest first; exit 0 either way.
# A function counts from the first line of its signature to its closing
# brace, laid out as this tree writes them: the signature at column 0, the
# body's '{' and '}' alone at column 0 (or '{' ending the signature line).
set -eu
max=120
if [ "${1:-}" = "-n" ]; then
	max=$2
	shift 2
fi
[ $# -gt 0 ] || set -- app
find "$@" -name '*.c' -type f | sort | xargs -r awk -v max="$max" '
FNR == 1 { sig = 0; name = ""; inside = 0 }
inside && /^\}/ {
	inside = 0
	len = FNR - sig + 1
	if (len > max)
		printf "%d\t%s:%d: %s: %d lines\n", len, FILENAME, sig, name, len
	sig = 0
	next
}
inside { next }
# A line at column 0 that opens a parameter list and is no declaration,
# preprocessor line or comment: a signature starts here.
/^[A-Za-z_][^;=]*\(/ && !/^(typedef|#)/ {
	sig = FNR
	line = $0
	sub(/\(.*/, "", line)
	n = split(line, w, /[ \t*]+/)
	name = w[n]
}
/^[A-Za-z_].*;[ \t]*$/ { sig = 0 }
sig && (/^\{/ || (FNR == sig && /\)[ \t]*\{[ \t]*$/)) { inside = 1 }
' | sort -t"$(printf '\t')" -k1,1nr -k2 | cut -f2-
