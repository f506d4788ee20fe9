#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# /dev/null that is not the null device (DESIGN.md §12): in a private mount
# namespace a regular file, then /dev/zero, is bind-mounted over
# /dev/null. The setuid helper started with stderr closed must refuse to
# start (status 41, its reason logged, the failure delay, the state
# untouched) rather than put that file on its stderr: its own check when
# root runs it; run by the user, the C library's check of a setuid
# program's descriptors stops it first. The module's spawner must not
# start the helper at all (PAM_SYSTEM_ERR, the reason in its log line)
# and the code stays unused. With the real /dev/null the same calls
# succeed. Nothing on the machine is changed (lib.sh).
# Usage: test_helper_null.sh HELPER TEST_MODULE PAM_AS_USER

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" -eq 0 ] || stk_skip "needs root (a setuid-root copy of the helper)"
[ $# -eq 3 ] || stk_fail "usage: $0 HELPER TEST_MODULE PAM_AS_USER"
h_init "$1" "$2" "$3"

NOT_NULL="/dev/null is not the null device (character device 1:3)"
FAKE=$WORK/not-null
: >"$FAKE"
chmod 0666 "$FAKE"

# stderr_closed RUN CODE: the helper run by RUN (h_as: the user; h_run:
# root) for $HU with stderr closed, so that it opens /dev/null onto it.
# Sets RC and MS.
stderr_closed()
{
	local t0

	stk_log_mark
	t0=$(date +%s%N)
	RC=0
	printf '%s' "$2" | "$1" bash -c 'exec "$0" code "$1" baro-locker 2>&-' \
		"$HELPER" "$HU" || RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
}

unchanged()
{
	[ "$(cat "$SECRET")" = "$before" ] || stk_fail "$1: the state changed"
	[ ! -s "$FAKE" ] || stk_fail "$1: something was written into $FAKE"
}

secret "DISALLOW_REUSE
"
before=$(cat "$SECRET")
for fake in "$FAKE" /dev/zero; do
	H_NS="mount --bind '$fake' /dev/null"

	# Run by root (no secure mode: the C library opens nothing on a
	# closed descriptor), the helper's own check decides.
	stderr_closed h_run "$(stk_code)"
	expect_rc "helper run by root, stderr closed, $fake over /dev/null" 41
	expect_delay "helper run by root, $fake over /dev/null"
	helper_log_has "Refused to start for uid 0: $NOT_NULL"
	unchanged "helper run by root, $fake over /dev/null"

	# Run by the user (setuid: secure mode), the C library's own check
	# of the standard descriptors stops the helper before main (glibc
	# makes it fault); either way nothing is read or written.
	stderr_closed h_as "$(stk_code)"
	if [ "$RC" != 41 ]; then
		[ "$RC" -gt 128 ] ||
			stk_fail "helper run by the user, $fake over /dev/null: exit status $RC"
		helper_log_lacks
	else
		helper_log_has "Refused to start for uid $HU_UID: $NOT_NULL"
	fi
	unchanged "helper run by the user, $fake over /dev/null"

	# The module's spawner, in a program run by the user.
	h_pam baro-locker "$(stk_code)"
	expect_rc "module, $fake over /dev/null" 4
	module_log_has baro-locker "Cannot run the setuid helper $HELPER[$NOT_NULL]"
	helper_log_lacks
	unchanged "module, $fake over /dev/null"
done
H_NS=
stk_ok "a regular file or /dev/zero over /dev/null: the helper refuses to start (41, its line), the spawner does not start it (PAM_SYSTEM_ERR, its line); nothing read or written"

# The same calls with the real /dev/null: root is refused for another
# user's code (40, not 41); the user's code, unused so far, is accepted.
stderr_closed h_run "$(stk_code)"
expect_rc "helper run by root, stderr closed, the real /dev/null" 40
h_pam baro-locker "$(stk_code)"
expect_rc "module, the real /dev/null" 0
[ "$(cat "$SECRET")" != "$before" ] || stk_fail "the accepted code was not recorded"
secret "DISALLOW_REUSE
"
stderr_closed h_as "$(stk_code)"
expect_rc "helper run by the user, stderr closed, the real /dev/null" 0
stk_ok "with the real /dev/null the same calls succeed"
