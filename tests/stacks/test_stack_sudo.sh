#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The real sudo, run by an unprivileged test user on a pseudo-terminal,
# with the shipped PAM stack conf/pam.d/sudo as /etc/pam.d/sudo and a
# sudoers rule for that user (both in the private /etc of lib.sh): the
# password and the right code run the command as root; a wrong code, or
# the right code after a wrong password, is refused.
# Usage: test_stack_sudo.sh PATH/TO/pam_baro_auth.so
source "$(dirname "$0")/lib.sh"

stk_init "${1:-}"
stk_need sudo visudo expect
[ -d "$WORK/etc/sudoers.d" ] || stk_skip "no /etc/sudoers.d to include"

stk_test_user sudo
stk_install_stack sudo
stk_syslog_start

# The sudoers rule: the user may run id as root; one try, no mail to root,
# no lecture.
rule=$WORK/etc/sudoers.d/baro-test
cat >"$rule" <<EOF2
Defaults:$U passwd_tries=1, !mail_badpass, lecture=never
$U ALL=(root) /usr/bin/id
EOF2
chmod 0440 "$rule"
visudo -cqf "$rule" || stk_fail "visudo rejects the test rule"
# Should sudo leave a time stamp for the user in /run/sudo/ts (sudo -k
# with a command does not), it goes.
stk_defer rm -f "/run/sudo/ts/$U"

stk_as "$U"
SUDO=("${AS[@]}" sudo -k /usr/bin/id -un)

stk_converse right "$PW" "${SUDO[@]}"
stk_expect_rc "right code" 0
# sudo shows its own prompt for pam_unix's "Password: ", PAM's for the code.
stk_expect_line "right code" "[sudo] password for $U: "
stk_expect_line "right code" "Verification code: "
stk_expect_line "right code" root
stk_log_has sudo "$(stk_audit_ok "$U" 0.0.0.0 0.0.0.0)"
stk_ok "sudo: the right code runs the command as root"

stk_converse "$(stk_wrong_code)" "$PW" "${SUDO[@]}"
stk_expect_rc "wrong code" 1
stk_expect_no_line "wrong code" root
stk_log_has sudo "Invalid verification code"
stk_log_has sudo "$(stk_audit_failed "$U" 0.0.0.0 0.0.0.0)"
stk_log_lacks sudo "$(stk_audit_ok "$U" 0.0.0.0 0.0.0.0)"
stk_ok "sudo: a wrong code is refused"

stk_converse right "wrong-$PW" "${SUDO[@]}"
stk_expect_rc "wrong password" 1
stk_expect_no_line "wrong password" root
stk_ok "sudo: the right code with a wrong password is refused"
