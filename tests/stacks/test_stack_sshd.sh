#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A real OpenSSH server on 127.0.0.1 (a free port, its own config, host key
# and pid file) with the shipped PAM stack conf/pam.d/sshd and the shipped
# sshd_config drop-ins, driven by the real ssh client through SSH_ASKPASS:
# - code only (keyboard-interactive): the right code logs in and runs a
#   command (the code is logged as accepted), a wrong code is refused and
#   no line claims a session, an unknown user gets the same prompt and is
#   refused;
# - publickey,keyboard-interactive: the key alone and the code alone are
#   refused, the key and the right code log in, the key and a wrong code
#   are refused;
# - the shipped fail2ban filter finds sshd's two failures in its real log
#   lines, from 127.0.0.1.
# With "session" after the module (ctest test_stack_sshd_session): only the
# session line, code only: the right code's login writes "session opened"
# from the session phase of sshd's stack (sshd runs the keyboard-interactive
# authentication in a child process and opens the session in its monitor
# process); a wrong code's writes none.
# Usage: test_stack_sshd.sh PATH/TO/pam_baro_auth.so [session]
source "$(dirname "$0")/lib.sh"

stk_init "${1:-}"
stk_need ssh ssh-keygen
[ -x /usr/sbin/sshd ] || stk_skip "openssh-server is not installed"

stk_test_user ssh
stk_install_stack sshd
stk_syslog_start

stk_privsep_dir

ssh-keygen -q -t ed25519 -N '' -C baro-host -f "$WORK/host_key"
ssh-keygen -q -t ed25519 -N '' -C baro-client -f "$WORK/client_key"
home=$(getent passwd "$U" | cut -d: -f6)
install -d -m 0700 -o "$U" -g "$U" "$home/.ssh"
install -m 0600 -o "$U" -g "$U" "$WORK/client_key.pub" \
	"$home/.ssh/authorized_keys"

SSHD_PID=

# sshd_start DROPIN: sshd with conf/sshd_config.d/DROPIN included first,
# as Debian's /etc/ssh/sshd_config includes /etc/ssh/sshd_config.d/*.conf.
sshd_start()
{
	local cfg=$WORK/sshd_config i

	mkdir -p "$WORK/sshd_config.d"
	stk_subst "$STK_CONF/sshd_config.d/$1" >"$WORK/sshd_config.d/$1" ||
		stk_fail "shipped conf/sshd_config.d/$1 is missing"
	PORT=$(stk_free_port)
	cat >"$cfg" <<-EOF
	Include $WORK/sshd_config.d/$1
	Port $PORT
	ListenAddress 127.0.0.1
	HostKey $WORK/host_key
	PidFile $WORK/sshd.pid
	LogLevel VERBOSE
	PrintMotd no
	PrintLastLog no
	EOF
	printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$WORK/host_key.pub")" \
		>"$WORK/known_hosts"
	stk_run /usr/sbin/sshd -t -f "$cfg" || stk_fail "sshd -t rejects $1"
	rm -f "$WORK/sshd.pid"
	# -D: a child of this script that dies with it (pdeathsig), and
	# writes its pid file once it listens.
	stk_run --exec setpriv --pdeathsig KILL /usr/sbin/sshd -D -f "$cfg" \
		2>"$WORK/sshd.err" {STK_LOCK_FD}>&- &
	SSHD_PID=$!
	for i in $(seq 100); do
		[ -s "$WORK/sshd.pid" ] && break
		kill -0 "$SSHD_PID" 2>/dev/null ||
			stk_fail "sshd did not start: $(cat "$WORK/sshd.err")"
		sleep 0.05
	done
	[ "$(cat "$WORK/sshd.pid" 2>/dev/null)" = "$SSHD_PID" ] ||
		stk_fail "sshd wrote no pid file"
	stk_ok "sshd $SSHD_PID on 127.0.0.1:$PORT with drop-in $1"
}

# Stop the sshd we started (its pid file names it), and any connection it
# still serves.
sshd_stop()
{
	local child

	[ -n "$SSHD_PID" ] || return 0
	for child in $(ps -o pid= --ppid "$SSHD_PID"); do
		kill "$child" 2>/dev/null
	done
	kill "$(cat "$WORK/sshd.pid" 2>/dev/null || echo "$SSHD_PID")" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=
}
stk_defer sshd_stop

# login USER METHODS ANSWER [KEY]: ssh USER@127.0.0.1 'echo ok-baro';
# sets RC, OUT (stdout), ERR (stderr) and PROMPTS (what askpass was asked).
login()
{
	local user=$1 methods=$2 answer=$3 key=${4:-}
	local -a opts=(-F /dev/null -p "$PORT" -l "$user"
		-o UserKnownHostsFile="$WORK/known_hosts"
		-o GlobalKnownHostsFile=/dev/null
		-o StrictHostKeyChecking=yes
		-o PreferredAuthentications="$methods"
		-o NumberOfPasswordPrompts=1
		-o ConnectTimeout=10 -o IdentityAgent=none -o IdentitiesOnly=yes)

	if [ -n "$key" ]; then
		opts+=(-i "$key")
	fi
	: >"$WORK/prompts"
	stk_log_mark
	RC=0
	STK_ANSWER=$answer STK_KEY=$STK_KEY STK_PASSWORD=$PW \
	STK_PROMPTS=$WORK/prompts SSH_ASKPASS="$STK_DIR/askpass.sh" \
	SSH_ASKPASS_REQUIRE=force DISPLAY=none \
		timeout 30 ssh "${opts[@]}" 127.0.0.1 'echo ok-baro' \
		</dev/null >"$WORK/out" 2>"$WORK/err" || RC=$?
	OUT=$(cat "$WORK/out")
	ERR=$(cat "$WORK/err")
	PROMPTS=$(cat "$WORK/prompts")
}

expect_in()
{
	if [ "$RC" != 0 ] || [ "$OUT" != ok-baro ]; then
		stk_fail "$1: not logged in (rc $RC, out '$OUT', err '$ERR')"
	fi
}

expect_out()
{
	if [ "$RC" != 255 ] || [ -n "$OUT" ]; then
		stk_fail "$1: not refused (rc $RC, out '$OUT', err '$ERR')"
	fi
	grep -q 'Permission denied' <<<"$ERR" ||
		stk_fail "$1: no 'Permission denied' from ssh: $ERR"
}

# expect_prompts WHAT USER [PROMPT]: askpass was asked PROMPT once (as
# OpenSSH shows a keyboard-interactive prompt), or nothing.
expect_prompts()
{
	local want=

	if [ $# -gt 2 ]; then
		want="($2@127.0.0.1) $3"
	fi
	[ "$PROMPTS" = "$want" ] ||
		stk_fail "$1: prompts were '$PROMPTS', expected '$want'"
}

# sshd_log_has TEXT: sshd itself logged TEXT (to syslog, as in production).
sshd_log_has()
{
	local i

	[ "$STK_LOG_MODE" != none ] || return 0
	for i in $(seq 20); do
		if stk_log | grep -F 'sshd[' | grep -qF -- "$1"; then
			return 0
		fi
		sleep 0.1
	done
	stk_fail "sshd did not log '$1'"
}

CODE_PROMPT="Verification code: "
LOCAL=127.0.0.1
REMOTE=127.0.0.1

if [ "${2:-}" = session ]; then
	[ "$STK_SESSION_LINE" = 1 ] ||
		stk_skip "the module has no session phase (pam_sm_open_session)"
	sshd_start pam_baro_auth-code-only.conf
	login "$U" keyboard-interactive right
	expect_in "right code"
	stk_log_has sshd "$(stk_audit_ok "$U" $LOCAL $REMOTE)"
	sshd_log_has "Accepted keyboard-interactive/pam for $U from 127.0.0.1"
	stk_log_session sshd "$U" $LOCAL $REMOTE
	stk_ok "sshd: the right code's login writes \"session opened\" from the session phase"
	login "$U" keyboard-interactive "$(stk_wrong_code)"
	expect_out "wrong code"
	sshd_log_has "Failed keyboard-interactive/pam for $U from 127.0.0.1"
	stk_log_no_session "$U"
	stk_ok "sshd: a wrong code's attempt claims no session"
	exit 0
fi

# --- code only: AuthenticationMethods keyboard-interactive ---
sshd_start pam_baro_auth-code-only.conf

login "$U" keyboard-interactive right
expect_in "right code"
expect_prompts "right code" "$U" "$CODE_PROMPT"
stk_log_has sshd "$(stk_audit_ok "$U" $LOCAL $REMOTE)"
sshd_log_has "Accepted keyboard-interactive/pam for $U from 127.0.0.1"
stk_ok "code only: the right code logs in and runs the command"

login "$U" keyboard-interactive "$(stk_wrong_code)"
expect_out "wrong code"
expect_prompts "wrong code" "$U" "$CODE_PROMPT"
stk_log_has sshd "Invalid verification code"
stk_log_has sshd "$(stk_audit_failed "$U" $LOCAL $REMOTE)"
stk_log_lacks sshd "$(stk_audit_ok "$U" $LOCAL $REMOTE)"
stk_log_no_session "$U"
sshd_log_has "Failed keyboard-interactive/pam for $U from 127.0.0.1"
stk_ok "code only: a wrong code is refused"

login "baro-t-nobody$$" keyboard-interactive right
expect_out "unknown user"
expect_prompts "unknown user" "baro-t-nobody$$" "$CODE_PROMPT"
stk_ok "code only: an unknown user is prompted alike and refused"
sshd_stop

# --- publickey,keyboard-interactive ---
sshd_start pam_baro_auth.conf

login "$U" publickey right "$WORK/client_key"
expect_out "key alone"
expect_prompts "key alone" "$U"
sshd_log_has "Partial publickey for $U from 127.0.0.1"
stk_ok "publickey,keyboard-interactive: the key alone is refused"

login "$U" keyboard-interactive right
expect_out "code alone"
expect_prompts "code alone" "$U"
stk_ok "publickey,keyboard-interactive: the code alone is refused, unasked"

login "$U" publickey,keyboard-interactive right "$WORK/client_key"
expect_in "key and right code"
expect_prompts "key and right code" "$U" "$CODE_PROMPT"
stk_log_has sshd "$(stk_audit_ok "$U" $LOCAL $REMOTE)"
sshd_log_has "Accepted keyboard-interactive/pam for $U from 127.0.0.1"
stk_ok "publickey,keyboard-interactive: the key and the right code log in"

login "$U" publickey,keyboard-interactive "$(stk_wrong_code)" "$WORK/client_key"
expect_out "key and wrong code"
expect_prompts "key and wrong code" "$U" "$CODE_PROMPT"
stk_log_has sshd "$(stk_audit_failed "$U" $LOCAL $REMOTE)"
stk_ok "publickey,keyboard-interactive: the key and a wrong code are refused"
sshd_stop

# The real sshd lines, as /var/log/auth.log holds them, through the shipped
# fail2ban filter: the two failures of a known user, from 127.0.0.1.
if [ "$STK_LOG_MODE" != none ] && stk_f2b_config; then
	stk_authlog " $U " "$WORK/auth.log"
	found=$(stk_f2b_ips "$WORK/auth.log" | tr '\n' ' ')
	[ "$found" = "127.0.0.1 127.0.0.1 " ] ||
		stk_fail "fail2ban-regex found '$found' in:"$'\n'"$(cat "$WORK/auth.log")"
	stk_ok "fail2ban: the shipped filter finds sshd's two failures, from 127.0.0.1"
fi

# --- the distribution's own sshd stack, common-auth from the profile ---
# STK_SSHD_COMMON_AUTH=1 (.ci/package.sh, after installing the package and
# "pam-auth-update --enable baro-auth" in its mount namespace): Debian's
# /etc/pam.d/sshd as it is ("@include common-auth"), the module named bare
# as the profile writes it, so libpam loads it from its own directory,
# which must hold MODULE. keyboard-interactive asks the code, then the
# password; common-session writes the session line.
if [ -n "${STK_SSHD_COMMON_AUTH:-}" ]; then
	grep -q '^auth[[:space:]].*[[:space:]]pam_baro_auth\.so' "$PAMD/common-auth" ||
		stk_fail "common-auth does not name pam_baro_auth.so: enable the profile first"
	unix=$(find /lib /usr/lib /lib64 /usr/lib64 -path '*/security/pam_unix.so' 2>/dev/null | head -n 1)
	[ "$(dirname "$unix")/pam_baro_auth.so" -ef "$MODULE" ] ||
		stk_fail "libpam's directory $(dirname "$unix") does not hold $MODULE"
	cp /etc/pam.d/sshd "$PAMD/sshd"
	grep -q '^@include common-auth' "$PAMD/sshd" ||
		stk_fail "/etc/pam.d/sshd does not include common-auth"
	sshd_start pam_baro_auth-code-only.conf
	BOTH="($U@127.0.0.1) $CODE_PROMPT"$'\n'"($U@127.0.0.1) Password: "

	login "$U" keyboard-interactive right
	expect_in "common-auth: right code and password"
	[ "$PROMPTS" = "$BOTH" ] || stk_fail "common-auth: prompts were '$PROMPTS'"
	stk_log_has sshd "$(stk_audit_ok "$U" $LOCAL $REMOTE)"
	stk_log_session sshd "$U" $LOCAL $REMOTE
	sshd_log_has "Accepted keyboard-interactive/pam for $U from 127.0.0.1"
	stk_ok "Debian's sshd stack with the profile: the right code and password log in"

	login "$U" keyboard-interactive "$(stk_wrong_code)"
	expect_out "common-auth: wrong code"
	[ "$PROMPTS" = "$BOTH" ] || stk_fail "common-auth, wrong code: prompts were '$PROMPTS'"
	stk_log_has sshd "$(stk_audit_failed "$U" $LOCAL $REMOTE)"
	stk_log_no_session "$U"
	stk_ok "Debian's sshd stack with the profile: a wrong code is refused, the password still asked"

	right_pw=$PW
	PW=wrong-$PW
	login "$U" keyboard-interactive right
	PW=$right_pw
	expect_out "common-auth: wrong password"
	stk_ok "Debian's sshd stack with the profile: the right code with a wrong password is refused"
	sshd_stop
fi
