#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# forward_pass with the real pam_unix: the shipped display-manager stacks
# conf/pam.d/lightdm and gdm-password, and conf/pam.d/common-auth-baro
# included as its comment says, through pamtester. One prompt "Password &
# verification code: " takes the password and the code together; the code
# is checked and the password goes on to pam_unix use_first_pass:
# - the right password and code log in, with no second prompt, and the
#   session phase writes "session opened";
# - the right code with a wrong password is refused, and no line claims
#   that a session opened;
# - the right password with a wrong code is refused.
# Usage: test_stack_forward_pass.sh PATH/TO/pam_baro_auth.so
source "$(dirname "$0")/lib.sh"

stk_init "${1:-}"
stk_need pamtester expect

stk_test_user fwd
stk_install_stack lightdm
stk_install_stack gdm-password
stk_install_stack common-auth-baro
# A service that uses common-auth-baro the way its comment says.
printf '@include common-auth-baro\n' >"$PAMD/baro-test-common-auth"
stk_syslog_start

PROMPT="Password & verification code: "

# login SERVICE ANSWER PASSWORD: pamtester SERVICE (authentication, then
# the session), answering the one prompt with PASSWORD and the code
# (ANSWER: right or a literal code).
login()
{
	stk_converse "$2" "$3" pamtester "$1" "$U" authenticate open_session close_session
}

# expect_one_prompt WHAT: the exchange asked exactly one question.
expect_one_prompt()
{
	stk_expect_line "$1" "$PROMPT"
	[ "$(grep -c ': $' <<<"$OUT")" = 1 ] ||
		stk_fail "$1: more than one prompt:"$'\n'"$OUT"
}

for svc in lightdm gdm-password baro-test-common-auth; do
	login "$svc" right "$PW"
	stk_expect_rc "$svc, password and code" 0
	expect_one_prompt "$svc, password and code"
	stk_expect_line "$svc, password and code" \
		"pamtester: successfully authenticated"
	stk_log_has "$svc" "$(stk_audit_ok "$U" 0.0.0.0 0.0.0.0)"
	# common-auth-baro is an auth snippet: the session line is the
	# service's.
	if [ "$svc" != baro-test-common-auth ]; then
		stk_log_session "$svc" "$U" 0.0.0.0 0.0.0.0
	fi
	stk_ok "$svc: the password and the code in one answer log in"
done

login lightdm right "wrong-$PW"
stk_expect_rc "wrong password" 1
expect_one_prompt "wrong password"
stk_expect_line "wrong password" "pamtester: Authentication failure"
# The code was right: pam_unix refused the password it was handed.
stk_log_has lightdm "$(stk_audit_ok "$U" 0.0.0.0 0.0.0.0)"
if [ "$STK_LOG_MODE" != none ]; then
	for i in $(seq 20); do
		stk_log | grep -q "pam_unix(lightdm:auth): authentication failure;.* user=$U\$" &&
			break
		[ "$i" != 20 ] || stk_fail "wrong password: pam_unix logged no failure"
		sleep 0.1
	done
fi
stk_log_no_session "$U"
stk_ok "lightdm: the right code with a wrong password is refused, no session claimed"

login lightdm "$(stk_wrong_code)" "$PW"
stk_expect_rc "wrong code" 1
expect_one_prompt "wrong code"
stk_expect_line "wrong code" "pamtester: Authentication failure"
stk_log_has lightdm "Invalid verification code"
stk_log_has lightdm "$(stk_audit_failed "$U" 0.0.0.0 0.0.0.0)"
stk_ok "lightdm: the right password with a wrong code is refused"

login baro-test-common-auth "$(stk_wrong_code)" "$PW"
stk_expect_rc "common-auth-baro, wrong code" 1
stk_log_has baro-test-common-auth "$(stk_audit_failed "$U" 0.0.0.0 0.0.0.0)"
stk_ok "common-auth-baro: the right password with a wrong code is refused"
