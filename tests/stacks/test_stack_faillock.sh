#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The shipped pam_faillock integration conf/pam.d/faillock-baro (preauth,
# the code, authfail, authsucc; deny=3), deployed as its header and
# docs/INSTALL.md say: included in place of the module's auth line of the
# shipped conf/pam.d/sshd. Through pamtester, with the tally in a private
# directory (dir= added to each pam_faillock line):
# - three wrong codes lock the account (faillock lists three failures) and
#   then the right code is refused;
# - in a fresh tally, two wrong codes and then the right code succeed and
#   authsucc clears the tally;
# - configuration errors are not wrong codes: three logins while the
#   secret file is 0644 (PAM_AUTHINFO_UNAVAIL) leave the tally empty, and
#   once the mode is fixed the right code logs in at once; a wrong code
#   still counts.
# Usage: test_stack_faillock.sh PATH/TO/pam_baro_auth.so
source "$(dirname "$0")/lib.sh"

stk_init "${1:-}"
stk_need pamtester faillock expect

stk_test_user fl
stk_install_stack sshd
stk_install_stack faillock-baro
grep -qx 'auth *required *[^ ]*pam_baro_auth\.so' "$PAMD/sshd" ||
	stk_fail "the shipped sshd stack has no plain auth line to replace"
sed -i 's#^auth *required *[^ ]*pam_baro_auth\.so$#@include faillock-baro#' "$PAMD/sshd"
TALLY=$WORK/faillock
mkdir -m 0755 "$TALLY"
grep -q 'pam_faillock\.so.*dir=' "$PAMD/faillock-baro" &&
	stk_fail "the shipped stack names a tally dir; substitute it here"
sed -i "s#pam_faillock\\.so#pam_faillock.so dir=$TALLY#" "$PAMD/faillock-baro"
stk_syslog_start

RHOST=198.51.100.23
PAMTESTER=(pamtester -I "rhost=$RHOST" sshd "$U" authenticate)
SECRET=$WORK/baropam/$U/.baro_auth

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
	stk_log_has sshd "$(stk_audit_failed "$U" 0.0.0.0 $RHOST)"
	expect_failures "wrong code $1" "$1"
}

right_attempt()
{
	stk_converse right "" "${PAMTESTER[@]}"
	stk_expect_rc "$1" 0
	stk_expect_line "$1" "pamtester: successfully authenticated"
	stk_log_has sshd "$(stk_audit_ok "$U" 0.0.0.0 $RHOST)"
	expect_failures "$1" 0
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

# --- the documented unlock ---
faillock --dir "$TALLY" --user "$U" --reset
expect_failures "reset" 0
right_attempt "right code after faillock --reset"
stk_ok "faillock: faillock --user U --reset unlocks the account"

# --- authsucc: a success before the limit clears the count ---
wrong_attempt 1
wrong_attempt 2
right_attempt "right code after two wrong ones"
stk_ok "faillock: two wrong codes, then the right one succeeds and clears the tally"

# --- a configuration error is not a wrong code ---
chmod 0644 "$SECRET"
for i in 1 2 3; do
	stk_converse right "" "${PAMTESTER[@]}"
	stk_expect_rc "0644 secret file, attempt $i" 1
	stk_expect_line "0644 secret file, attempt $i" \
		"pamtester: Authentication service cannot retrieve authentication info"
	stk_log_has sshd "Secret file $SECRET must only be accessible by root"
	expect_failures "0644 secret file, attempt $i" 0
done
stk_ok "faillock: three logins with a 0644 secret file count no failure"

chmod 0400 "$SECRET"
right_attempt "right code once the mode is fixed"
stk_ok "faillock: once the file is fixed the right code logs in, unlocked"

# After a configuration error, wrong codes still count.
chmod 0644 "$SECRET"
stk_converse right "" "${PAMTESTER[@]}"
stk_expect_rc "0644 secret file again" 1
chmod 0400 "$SECRET"
wrong_attempt 1
stk_ok "faillock: a wrong code after a configuration error still counts"

# The host's tally was not touched.
[ ! -e "/run/faillock/$U" ] || stk_fail "the system tally /run/faillock was used"
