#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The shipped PAM stack conf/pam.d/su, as /etc/pam.d/su in the private
# /etc of lib.sh:
# - through pamtester, as a setuid su calls it (real uid of the caller,
#   effective uid root): the right code authenticates and the session
#   opens, a wrong code does not, and root is let through without a code
#   (pam_rootok); the audit lines name the caller ("name(uid=N)");
# - through the real su, run by an unprivileged user on a pseudo-terminal:
#   the right code switches user, a wrong code is refused; the audit lines
#   name the caller as su does in PAM_RUSER (the login name: loginuid's
#   user, else the caller's).
# Usage: test_stack_su.sh PATH/TO/pam_baro_auth.so
source "$(dirname "$0")/lib.sh"

stk_init "${1:-}"
stk_need pamtester su expect

stk_test_user suto
TO=$U
FROM=baro-t-sufrom$$
stk_user "$FROM" "from-$PW"
stk_install_stack su
stk_syslog_start

RHOST=192.0.2.7
PAMTESTER=(setpriv --ruid="$(id -u "$FROM")" pamtester -I "rhost=$RHOST"
	su "$TO" authenticate open_session close_session)
BY_UID="$FROM(uid=$(id -u "$FROM"))"
# What su puts in PAM_RUSER: getlogin(), which reads /proc/self/loginuid
# (set when this test runs from a login session), else the caller's name.
BY_SU=$FROM
if [ "$(cat /proc/self/loginuid 2>/dev/null || echo 4294967295)" != 4294967295 ]; then
	BY_SU=$(getent passwd "$(cat /proc/self/loginuid)" | cut -d: -f1)
fi

CODE_PROMPT="Verification code: "

stk_converse right "$PW" "${PAMTESTER[@]}"
stk_expect_rc "pamtester, right code" 0
stk_expect_line "pamtester, right code" "$CODE_PROMPT"
stk_expect_line "pamtester, right code" "pamtester: successfully authenticated"
stk_log_has su "$(stk_audit_ok "$TO" 0.0.0.0 $RHOST "$BY_UID")"
stk_log_session su "$TO" 0.0.0.0 $RHOST "$BY_UID"
stk_ok "su stack (pamtester): the right code authenticates, the session opens"

stk_converse "$(stk_wrong_code)" "$PW" "${PAMTESTER[@]}"
stk_expect_rc "pamtester, wrong code" 1
stk_expect_line "pamtester, wrong code" "$CODE_PROMPT"
stk_log_has su "Invalid verification code"
stk_log_has su "$(stk_audit_failed "$TO" 0.0.0.0 $RHOST "$BY_UID")"
stk_log_lacks su "$(stk_audit_ok "$TO" 0.0.0.0 $RHOST "$BY_UID")"
stk_log_no_session "$TO"
stk_ok "su stack (pamtester): a wrong code is refused"

# Root (real uid 0) needs neither password nor code: pam_rootok first.
stk_converse "$(stk_wrong_code)" "wrong-$PW" pamtester su "$TO" authenticate
stk_expect_rc "pamtester as root" 0
if grep -qF "$CODE_PROMPT" <<<"$OUT"; then
	stk_fail "pamtester as root: prompted for a code:"$'\n'"$OUT"
fi
stk_ok "su stack (pamtester): root is let through by pam_rootok, unasked"

# The real su, setuid root, run by an unprivileged user. "su -" uses the
# service su-l, whose stack includes su (Debian's /etc/pam.d/su-l, as
# RHEL's), so the shipped su stack answers under that name.
stk_as "$FROM"
# shellcheck disable=SC2016 # run by the target user's shell
SU=("${AS[@]}" su - "$TO" -c 'echo "su-as=$(id -un)"')

stk_converse right "$PW" "${SU[@]}"
stk_expect_rc "su, right code" 0
stk_expect_line "su, right code" "$CODE_PROMPT"
stk_expect_line "su, right code" "su-as=$TO"
stk_log_has su-l "$(stk_audit_ok "$TO" 0.0.0.0 0.0.0.0 "$BY_SU")"
stk_log_session su-l "$TO" 0.0.0.0 0.0.0.0 "$BY_SU"
stk_ok "su: the right code switches to the user"

stk_converse "$(stk_wrong_code)" "$PW" "${SU[@]}"
stk_expect_rc "su, wrong code" 1
stk_expect_line "su, wrong code" "$CODE_PROMPT"
stk_expect_line "su, wrong code" "su: Authentication failure"
stk_expect_no_line "su, wrong code" "su-as=$TO"
stk_log_has su-l "$(stk_audit_failed "$TO" 0.0.0.0 0.0.0.0 "$BY_SU")"
stk_log_no_session "$TO"
stk_ok "su: a wrong code is refused"
