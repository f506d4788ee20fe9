#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The shipped pam_faillock integration conf/pam.d/faillock-baro (preauth,
# the code, authfail, authsucc; deny=3) through pamtester, with the tally
# in a private directory (dir= added to each pam_faillock line):
# - three wrong codes lock the account (faillock lists three failures) and
#   then the right code is refused;
# - in a fresh tally, two wrong codes and then the right code succeed and
#   authsucc clears the tally.
# Usage: test_stack_faillock.sh PATH/TO/pam_baro_auth.so
source "$(dirname "$0")/lib.sh"

stk_init "${1:-}"
stk_need pamtester faillock expect

stk_test_user fl
stk_install_stack faillock-baro
TALLY=$WORK/faillock
mkdir -m 0755 "$TALLY"
grep -q 'pam_faillock\.so.*dir=' "$PAMD/faillock-baro" &&
	stk_fail "the shipped stack names a tally dir; substitute it here"
sed -i "s#pam_faillock\\.so#pam_faillock.so dir=$TALLY#" "$PAMD/faillock-baro"
stk_syslog_start

RHOST=198.51.100.23
PAMTESTER=(pamtester -I "rhost=$RHOST" faillock-baro "$U" authenticate)

# The failures pam_faillock holds for the user.
failures()
{
	faillock --dir "$TALLY" --user "$U" | grep -c '^[0-9]\{4\}-' || true
}

expect_failures()
{
	local n

	n=$(failures)
	[ "$n" = "$2" ] ||
		stk_fail "$1: $n failures in the tally, expected $2:"$'\n'"$(faillock --dir "$TALLY" --user "$U")"
}

wrong_attempt()
{
	stk_converse "$(stk_wrong_code)" "" "${PAMTESTER[@]}"
	stk_expect_rc "wrong code $1" 1
	stk_expect_line "wrong code $1" "Verification code: "
	stk_log_has faillock-baro "$(stk_audit_failed "$U" 0.0.0.0 $RHOST)"
	expect_failures "wrong code $1" "$1"
}

# --- deny=3: locked after three wrong codes ---
wrong_attempt 1
wrong_attempt 2
wrong_attempt 3
stk_ok "faillock: three wrong codes are three failures in the tally"

stk_converse right "" "${PAMTESTER[@]}"
stk_expect_rc "right code while locked" 1
stk_expect_line "right code while locked" \
	"The account is locked due to 3 failed logins."
stk_expect_line "right code while locked" "pamtester: Authentication failure"
expect_failures "right code while locked" 3
stk_ok "faillock: the right code is refused while the account is locked"

# --- authsucc: a success before the limit clears the count ---
faillock --dir "$TALLY" --user "$U" --reset
expect_failures "reset" 0
wrong_attempt 1
wrong_attempt 2
stk_converse right "" "${PAMTESTER[@]}"
stk_expect_rc "right code after two wrong ones" 0
stk_expect_line "right code after two wrong ones" \
	"pamtester: successfully authenticated"
stk_log_has faillock-baro "$(stk_audit_ok "$U" 0.0.0.0 $RHOST)"
expect_failures "right code after two wrong ones" 0
stk_ok "faillock: two wrong codes, then the right one succeeds and clears the tally"

# The host's tally was not touched.
[ ! -e "/run/faillock/$U" ] || stk_fail "the system tally /run/faillock was used"
