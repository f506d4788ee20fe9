#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The shipped fail2ban filter conf/fail2ban/filter.d/pam_baro_auth.conf on
# real audit lines: logins through the shipped sshd stack (pamtester, with
# PAM_RHOST set as sshd sets it) are captured from syslog, written out as
# /var/log/auth.log would hold them, and fed to fail2ban-regex:
# - a wrong code and a missing code from an address match, with that
#   address (IPv4 and IPv6), whether or not the "by" slot names someone
#   (PAM_RUSER), even when PAM_RUSER is forged to carry a whole failure
#   line of its own;
# - a success, an unknown remote address (0.0.0.0), a host name instead of
#   an address and a user name forged to look like an address do not.
# The shipped jail must pass fail2ban-client's configuration test.
# Usage: test_stack_fail2ban.sh PATH/TO/pam_baro_auth.so
source "$(dirname "$0")/lib.sh"

stk_init "${1:-}"
stk_need pamtester expect fail2ban-regex fail2ban-client

stk_test_user f2b
stk_install_stack sshd
stk_syslog_start
[ "$STK_LOG_MODE" != none ] || stk_skip "no syslog to capture the audit lines from"

# attempt ANSWER USER [RHOST [RUSER]]: one login through the shipped sshd
# stack.
attempt()
{
	local -a item=()

	if [ $# -gt 2 ]; then
		item=(-I "rhost=$3")
	fi
	if [ $# -gt 3 ]; then
		item+=(-I "ruser=$4")
	fi
	stk_converse "$1" "" pamtester "${item[@]}" sshd "$2" authenticate
}

attempt "$(stk_wrong_code)" "$U" 203.0.113.5
stk_expect_rc "wrong code" 1
attempt "" "$U" 203.0.113.6
stk_expect_rc "no code" 1
attempt "$(stk_wrong_code)" "$U" 2001:db8::5
stk_expect_rc "wrong code over IPv6" 1
attempt right "$U" 203.0.113.7
stk_expect_rc "right code" 0
attempt "$(stk_wrong_code)" "$U"
stk_expect_rc "wrong code, no remote host" 1
attempt "$(stk_wrong_code)" "$U" attacker.example
stk_expect_rc "wrong code, remote host by name" 1
# An unknown user's name is logged as given ("Cannot look up user id
# NAME"): forged to carry a whole failure line, it must not match.
FORGED="pam_baro_auth(sshd:auth): $(stk_audit_failed x 0.0.0.0 192.0.2.66)"
attempt "$(stk_wrong_code)" "$FORGED" 203.0.113.8
stk_expect_rc "forged user name" 1
# Who asked, named in the "by" slot.
attempt "$(stk_wrong_code)" "$U" 203.0.113.9 alice
stk_expect_rc "wrong code, by alice" 1
# A remote user forged to carry a failure line from another address: the
# failure still counts for the address it came from, and only for it.
attempt "$(stk_wrong_code)" "$U" 203.0.113.10 \
	"x $(stk_audit_failed x 0.0.0.0 192.0.2.66)"
stk_expect_rc "forged remote user" 1

stk_authlog 'pamtester: pam_baro_auth(sshd:auth): ' "$WORK/auth.log"

# Every kind of line is there, as the module wrote it.
for line in \
	"$(stk_audit_failed "$U" 0.0.0.0 203.0.113.5)" \
	"authentication key : There is no verification code for user $U (local ip=0.0.0.0,Remote ip=203.0.113.6)" \
	"$(stk_audit_failed "$U" 0.0.0.0 2001:db8::5)" \
	"$(stk_audit_ok "$U" 0.0.0.0 203.0.113.7)" \
	"$(stk_audit_failed "$U" 0.0.0.0 0.0.0.0)" \
	"$(stk_audit_failed "$U" 0.0.0.0 203.0.113.9 alice)"; do
	grep -qF -- "pamtester: pam_baro_auth(sshd:auth): $line" "$WORK/auth.log" ||
		stk_fail "no line '$line' in:"$'\n'"$(cat "$WORK/auth.log")"
done
[ "$(grep -cF "$(stk_audit_failed "$U" 0.0.0.0 0.0.0.0)" "$WORK/auth.log")" = 2 ] ||
	stk_fail "the host name was not logged as 0.0.0.0"
grep -qF -- "Cannot look up user id $FORGED" "$WORK/auth.log" ||
	stk_fail "no line for the forged user name in:"$'\n'"$(cat "$WORK/auth.log")"
stk_ok "fail2ban: the sample holds the module's real audit lines"

stk_f2b_config || stk_skip "fail2ban is not installed"
found=$(stk_f2b_ips "$WORK/auth.log" | tr '\n' ' ')
[ "$found" = "2001:db8::5 203.0.113.10 203.0.113.5 203.0.113.6 203.0.113.9 " ] ||
	stk_fail "fail2ban-regex found '$found':"$'\n'"$(fail2ban-regex "$WORK/auth.log" "$F2B/filter.d/pam_baro_auth.conf")"
stk_ok "fail2ban: the failures match with their address, nothing else does"

fail2ban-client -c "$F2B" -t >"$WORK/f2b-test" 2>&1 ||
	stk_fail "fail2ban-client -t rejects the jail: $(cat "$WORK/f2b-test")"
stk_ok "fail2ban: the shipped jail passes fail2ban-client -t"
