#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Static check: every open(2)/openat(2) in the product asks for O_CLOEXEC
# (no descriptor of a PAM module may survive an exec of the application)
# and, except for "/", O_NOFOLLOW; calls that create descriptors without a
# close-on-exec flag (creat, mkstemp, pipe, dup, dup2, socket without
# SOCK_CLOEXEC, fopen without "e", fdopen, popen) are not used at all.
# The fault-injection module checks the same at run time (fault_wrap.c).
# Usage: check_open_flags.sh DIR...   exit 1 on any finding.
set -eu
[ $# -gt 0 ] || { echo "usage: $0 DIR..." >&2; exit 2; }
files=$(find "$@" -name '*.c' -o -name '*.h' | sort)
[ -n "$files" ] || { echo "check_open_flags: no source in $*" >&2; exit 1; }

# One record per open/openat call: "file:line: call text", the call
# followed over lines until its parentheses close.
calls=$(awk '
	function flush() { if (text != "") print FILENAME ":" start ": " text; text = "" }
	FNR == 1 { depth = 0; text = "" }
	{
		line = $0
		if (depth == 0) {
			if (match(line, /(^|[^_A-Za-z0-9])(open|openat)\(/) == 0)
				next
			line = substr(line, RSTART)
			start = FNR
		}
		for (i = 1; i <= length(line); i++) {
			c = substr(line, i, 1)
			text = text c
			if (c == "(") depth++
			if (c == ")" && --depth == 0) { flush(); break }
		}
		if (depth > 0) text = text " "
	}' $files)

bad=0
count=0
if [ -n "$calls" ]; then
	while IFS= read -r call; do
		count=$((count + 1))
		case "$call" in
		*O_CLOEXEC*) ;;
		*) echo "no O_CLOEXEC: $call"; bad=1 ;;
		esac
		case "$call" in
		*O_NOFOLLOW*|*'open("/",'*) ;;
		*) echo "no O_NOFOLLOW: $call"; bad=1 ;;
		esac
	done <<CALLS
$calls
CALLS
fi
forbidden='(^|[^_A-Za-z0-9])(creat|mkstemp|mkstemps|pipe|dup|dup2|fdopen|popen)\('
if grep -nE "$forbidden" $files; then
	echo "descriptor without close-on-exec: use openat(O_CLOEXEC), mkostemp, pipe2, dup3, F_DUPFD_CLOEXEC"
	bad=1
fi
if grep -nE '(^|[^_A-Za-z0-9])socket\(' $files | grep -v SOCK_CLOEXEC; then
	echo "socket() without SOCK_CLOEXEC"
	bad=1
fi
if grep -nE '(^|[^_A-Za-z0-9])fopen\([^,]*, *"[^"e]*"' $files; then
	echo "fopen() without \"e\" (O_CLOEXEC)"
	bad=1
fi
echo "check_open_flags: $count open calls checked in $(echo "$files" | wc -l) files"
[ "$count" -gt 0 ] || { echo "check_open_flags: found no open call at all" >&2; exit 1; }
exit $bad
