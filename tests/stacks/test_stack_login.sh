#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The shipped console stack conf/pam.d/login (the password through
# common-auth, then the code) through pamtester, as /etc/pam.d/login in
# the private /etc of lib.sh. (The real login(1) is not run: it would
# write wtmp and lastlog records for the test user.)
# - the right code and password authenticate, asked in that order (the
#   code first, so a wrong code does not stop the password prompt), and
#   the session phase writes "session opened" (by nobody: root asked);
# - a wrong code after the right password is refused;
# - the right code after a wrong password is refused: the code is logged
#   as accepted, and no line claims that a session opened.
# Usage: test_stack_login.sh PATH/TO/pam_baro_auth.so
source "$(dirname "$0")/lib.sh"

stk_init "${1:-}"
stk_need pamtester expect

stk_test_user login
stk_install_stack login
stk_syslog_start

LOGIN=(pamtester -I tty=tty9 login "$U" authenticate open_session close_session)

stk_converse right "$PW" "${LOGIN[@]}"
stk_expect_rc "password and code" 0
[ "$(grep -x -e 'Password: ' -e 'Verification code: ' <<<"$OUT" | tr '\n' '|')" = \
  "Verification code: |Password: |" ] ||
	stk_fail "code and password: not asked in that order:"$'\n'"$OUT"
stk_log_has login "$(stk_audit_ok "$U" 0.0.0.0 0.0.0.0)"
stk_log_session login "$U" 0.0.0.0 0.0.0.0
stk_ok "login: the right code, then the right password, authenticate"

stk_converse "$(stk_wrong_code)" "$PW" "${LOGIN[@]}"
stk_expect_rc "wrong code" 1
stk_expect_line "wrong code" "pamtester: Authentication failure"
stk_log_has login "$(stk_audit_failed "$U" 0.0.0.0 0.0.0.0)"
stk_log_no_session "$U"
stk_ok "login: a wrong code after the right password is refused"

# (Debian's common-auth ends the stack at a wrong password with "requisite
# pam_deny.so", so the code is not asked then.)
stk_converse right "wrong-$PW" "${LOGIN[@]}"
stk_expect_rc "wrong password" 1
stk_expect_line "wrong password" "pamtester: Authentication failure"
stk_log_has login "$(stk_audit_ok "$U" 0.0.0.0 0.0.0.0)"
stk_log_no_session "$U"
stk_ok "login: the right code after a wrong password is refused"
