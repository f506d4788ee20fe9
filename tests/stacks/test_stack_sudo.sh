#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The real sudo, run by an unprivileged test user on a pseudo-terminal,
# with the shipped PAM stacks conf/pam.d/sudo and conf/pam.d/sudo-i as
# /etc/pam.d/sudo and /etc/pam.d/sudo-i and a sudoers rule for that user
# (all in the private /etc of lib.sh), for "sudo CMD" (service sudo) and
# "sudo -i CMD" (a login shell: service sudo-i on Debian):
# - with the shipped sudo stack alone, "sudo -i" runs on the password alone
#   when the host's own sudo-i lacks the module (the hole sudo-i closes,
#   and the proof that "sudo -i" really uses another service);
# - the password and the right code run the command as root; the audit
#   lines name the user who asked (sudo sets PAM_RUSER), and the session
#   phase writes "session opened" for root (sudo sets PAM_USER to the
#   target user before it opens the session) by that user;
# - a wrong code is refused; the right code after a wrong password is
#   refused, and no line claims that a session opened.
# Usage: test_stack_sudo.sh PATH/TO/pam_baro_auth.so
source "$(dirname "$0")/lib.sh"

stk_init "${1:-}"
stk_need sudo visudo expect
[ -d "$WORK/etc/sudoers.d" ] || stk_skip "no /etc/sudoers.d to include"
sudo -V | grep -q 'PAM service name to use for login shells: sudo-i' ||
	stk_skip "this sudo does not use the sudo-i service for login shells"

stk_test_user sudo
stk_install_stack sudo
stk_syslog_start

# The sudoers rule: the user may run anything as root (with -i sudo checks
# the login shell); one try, no mail to root, no lecture.
rule=$WORK/etc/sudoers.d/baro-test
cat >"$rule" <<EOF2
Defaults:$U passwd_tries=1, !mail_badpass, lecture=never
$U ALL=(root) ALL
EOF2
chmod 0440 "$rule"
visudo -cqf "$rule" || stk_fail "visudo rejects the test rule"
# Should sudo leave a time stamp for the user in /run/sudo/ts (sudo -k
# with a command does not), it goes.
stk_defer rm -f "/run/sudo/ts/$U"

stk_as "$U"
# shellcheck disable=SC2034 # used through a name reference
SUDO=("${AS[@]}" sudo -k /usr/bin/id -un)
# shellcheck disable=SC2034
SUDO_I=("${AS[@]}" sudo -k -i /usr/bin/id -un)

# --- the hole: sudo -i with the host's sudo-i and the shipped sudo ---
if [ -f "$PAMD/sudo-i" ] && ! grep -q pam_baro_auth "$PAMD/sudo-i"; then
	stk_converse "$(stk_wrong_code)" "$PW" "${SUDO_I[@]}"
	stk_expect_rc "sudo -i, host's sudo-i" 0
	stk_expect_line "sudo -i, host's sudo-i" root
	stk_expect_no_line "sudo -i, host's sudo-i" "Verification code: "
	stk_ok "sudo -i: with the host's sudo-i the password alone is enough (the hole)"
fi
stk_install_stack sudo-i

# check SERVICE ARRAY: the three cases through "${ARRAY[@]}".
check()
{
	local svc=$1
	local -n cmd=$2

	stk_converse right "$PW" "${cmd[@]}"
	stk_expect_rc "$svc, right code" 0
	# sudo shows its own prompt for pam_unix's "Password: ", PAM's for
	# the code.
	stk_expect_line "$svc, right code" "[sudo] password for $U: "
	stk_expect_line "$svc, right code" "Verification code: "
	stk_expect_line "$svc, right code" root
	stk_log_has "$svc" "$(stk_audit_ok "$U" 0.0.0.0 0.0.0.0 "$U")"
	stk_log_session "$svc" root 0.0.0.0 0.0.0.0 "$U"
	stk_ok "$svc: the right code runs the command as root"

	stk_converse "$(stk_wrong_code)" "$PW" "${cmd[@]}"
	stk_expect_rc "$svc, wrong code" 1
	stk_expect_no_line "$svc, wrong code" root
	stk_log_has "$svc" "Invalid verification code"
	stk_log_has "$svc" "$(stk_audit_failed "$U" 0.0.0.0 0.0.0.0 "$U")"
	stk_log_lacks "$svc" "$(stk_audit_ok "$U" 0.0.0.0 0.0.0.0 "$U")"
	stk_log_no_session "$U"
	stk_log_no_session root
	stk_ok "$svc: a wrong code is refused"

	stk_converse right "wrong-$PW" "${cmd[@]}"
	stk_expect_rc "$svc, wrong password" 1
	stk_expect_no_line "$svc, wrong password" root
	stk_log_has "$svc" "$(stk_audit_ok "$U" 0.0.0.0 0.0.0.0 "$U")"
	stk_log_no_session "$U"
	stk_log_no_session root
	stk_ok "$svc: the right code with a wrong password is refused, no session claimed"
}

check sudo SUDO
check sudo-i SUDO_I
