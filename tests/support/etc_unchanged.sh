#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The suite leaves the machine's user database as it found it: no test adds
# or deletes a user (tests/stacks puts its users in private copies).
#   etc_unchanged.sh save STATE   before the suite (a ctest fixture's setup)
#   etc_unchanged.sh check STATE  after it (the fixture's cleanup): exit 1,
#                                 naming what changed, if a file did
# A run of another copy of the suite on the same machine at the same time
# (its own users) shows here too.
set -euo pipefail

FILES=(/etc/passwd /etc/group /etc/shadow /etc/gshadow)

# One line a file: its sha256 (or "absent"/"unreadable") and its path; then
# the names each file holds, for the message.
state()
{
	local f

	for f in "${FILES[@]}"; do
		if [ ! -e "$f" ]; then
			echo "absent $f"
		elif [ ! -r "$f" ]; then
			echo "unreadable $f"
		else
			echo "$(sha256sum <"$f" | cut -d' ' -f1) $f"
		fi
	done
	for f in /etc/passwd /etc/group; do
		if [ -r "$f" ]; then
			cut -d: -f1 "$f" | sed "s#^#name $f #"
		fi
	done
}

case ${1:-}:${2:-} in
save:?*)
	state >"$2"
	;;
check:?*)
	[ -f "$2" ] || { echo "etc_unchanged: no saved state $2" >&2; exit 1; }
	if ! diff -u "$2" <(state) >"$2.diff"; then
		echo "FAIL: the test suite changed the user database:" >&2
		grep '^[-+][^-+]' "$2.diff" >&2
		exit 1
	fi
	echo "ok - ${FILES[*]} unchanged"
	;;
*)
	echo "usage: $0 save|check STATE_FILE" >&2
	exit 2
	;;
esac
