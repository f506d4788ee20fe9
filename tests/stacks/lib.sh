# SPDX-License-Identifier: BSD-3-Clause
# Shared by the scripts that prove the shipped stacks (conf/) on the real
# programs (DESIGN.md §9). Sourced; sets -euo pipefail and the EXIT trap.
#
# How a script leaves the machine as it found it:
# - everything it writes is under $WORK (mktemp, 0700 root), removed at exit;
# - the whole script runs in a private mount namespace (stk_init re-executes
#   it under unshare -m) where /etc/passwd, /etc/group, /etc/shadow and
#   /etc/gshadow are bind-mounted private copies; the programs run in a
#   further one (stk_run) where /etc/pam.d, /etc/security and
#   /etc/sudoers.d are private copies with the shipped files installed
#   under their shipped names: the host's /etc is never written, and a
#   killed test leaves nothing behind there;
# - test users exist only in those copies (sshd, su and sudo look them up
#   through NSS and sudo and su are setuid, so nss_wrapper cannot stand
#   in; the bind mounts can): stk_user appends their lines, their homes
#   are under $WORK;
# - daemons are started here, die with the script (pdeathsig) and are
#   killed by pid at exit;
# - /dev/log: with no syslog daemon, a listener binds it for the script's
#   run and removes it; with journald the journal is read instead;
# - one stack test runs at a time on the machine (a flock, and ctest's
#   RESOURCE_LOCK baro_devlog within one run); under the lock, work
#   directories left by a run killed with SIGKILL are removed.
# STK_KEEP=1 in the environment keeps $WORK for a look after a failure;
# STK_LOCK_WAIT=SECONDS bounds the wait for the lock (default 100).

set -euo pipefail

STK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STK_SRC=$(cd "$STK_DIR/../.." && pwd)
STK_CONF=$STK_SRC/conf
STK_NAME=$(basename "$0" .sh)
STK_START=$(date +%s%N)
# The script's arguments, for stk_init's re-execution.
_stk_args=("$@")
STK_LOG_MODE=none
STK_LOG_FROM=0

# --- exit handling: cleanups run last-in first-out, whatever happens ---

_stk_cleanups=()

# Run "$@" at exit.
stk_defer()
{
	_stk_cleanups+=("$(printf '%q ' "$@")")
}

_stk_exit()
{
	local rc=$? i

	set +e
	for ((i = ${#_stk_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_stk_cleanups[i]}"
	done
	printf '%s: runtime %d ms, exit %d\n' "$STK_NAME" \
		$((($(date +%s%N) - STK_START) / 1000000)) "$rc"
	exit "$rc"
}
trap _stk_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

stk_skip()
{
	echo "SKIP ($STK_NAME): $*" >&2
	exit 77
}

stk_fail()
{
	echo "FAIL ($STK_NAME): $*" >&2
	if [ "$STK_LOG_MODE" != none ]; then
		echo "--- syslog (last 30 lines) ---" >&2
		stk_log_all | tail -n 30 >&2
	fi
	exit 1
}

stk_ok()
{
	echo "ok - $*"
}

stk_need()
{
	local c

	for c in "$@"; do
		command -v "$c" >/dev/null || stk_skip "$c is not installed"
	done
}

# --- set-up ---

# stk_init MODULE: root, the tools, $WORK, the private /etc.
stk_init()
{
	[ "$(id -u)" -eq 0 ] || stk_skip "needs root (real users, setuid programs)"
	MODULE=${1:-}
	[ -f "$MODULE" ] || stk_fail "usage: $0 PATH/TO/pam_baro_auth.so"
	MODULE=$(cd "$(dirname "$MODULE")" && pwd)/$(basename "$MODULE")
	stk_need oathtool unshare setpriv flock ps openssl base32 mount
	unshare --mount --propagation private true 2>/dev/null ||
		stk_skip "cannot create a mount namespace (unshare -m)"
	# The rest of the script in a mount namespace of its own: what it
	# mounts there (the user database) vanishes with it.
	if [ -z "${STK_PRIVATE_NS:-}" ]; then
		export STK_PRIVATE_NS=1
		exec unshare --mount --propagation private -- bash "$0" "${_stk_args[@]}"
	fi
	# Traversable, not listable: the test users' homes are in it.
	stk_workdir 0711
	mkdir "$WORK/etc"
	_stk_private_users
	for d in pam.d security sudoers.d; do
		if [ -d "/etc/$d" ]; then
			cp -a "/etc/$d" "$WORK/etc/$d"
		fi
	done
	# shellcheck disable=SC2034 # for the scripts
	PAMD=$WORK/etc/pam.d
	STK_KEY=$(head -c 20 /dev/urandom | base32 | tr -d '=')
	STK_SESSION_LINE=0
	if LC_ALL=C grep -qa pam_sm_open_session "$MODULE"; then
		STK_SESSION_LINE=1
	fi
	stk_install_file baro_auth.conf security/baro_auth.conf
}

# stk_workdir MODE: under the lock, after the sweep, $WORK (mode MODE),
# marked with this script's pid and removed at exit.
stk_workdir()
{
	_stk_lock
	_stk_sweep
	WORK=$(mktemp -d /tmp/baro-stack.XXXXXX)
	chmod "$1" "$WORK"
	echo $$ >"$WORK/owner"
	[ -n "${STK_KEEP:-}" ] || stk_defer rm -rf -- "$WORK"
}

# One stack test at a time on this machine, whichever ctest runs it: they
# share /dev/log and /run/sshd. The lock goes with this process (children
# that could outlive it are started without the descriptor).
_stk_lock()
{
	STK_LOCK=/run/lock/baro-stack-tests.lock
	[ -d /run/lock ] || STK_LOCK=/tmp/baro-stack-tests.lock
	exec {STK_LOCK_FD}>>"$STK_LOCK"
	flock -w "${STK_LOCK_WAIT:-100}" "$STK_LOCK_FD" ||
		stk_skip "another run of the stack tests held $STK_LOCK too long"
}

# What a run killed with SIGKILL (which runs no trap) left: work
# directories of scripts that are gone, the /run/sshd it made. Under the
# lock, so no other stack test is running; a live creator is left alone
# all the same.
_stk_sweep()
{
	local pid dir

	if [ -e "$STK_LOCK.run-sshd" ]; then
		_stk_privsep_remove
	fi

	for dir in /tmp/baro-stack.*; do
		[ -f "$dir/owner" ] || continue
		pid=$(cat "$dir/owner")
		if ! kill -0 "$pid" 2>/dev/null; then
			rm -rf -- "$dir"
		fi
	done
}

# stk_privsep_dir: /run/sshd, which sshd insists on, made if missing and
# then removed at exit (or, through a marker, by the next run's sweep).
stk_privsep_dir()
{
	if [ ! -d /run/sshd ]; then
		: >"$STK_LOCK.run-sshd"
		stk_defer _stk_privsep_remove
		mkdir -m 0755 /run/sshd
	fi
}

# Not while any sshd runs (one started meanwhile may need it); our own
# connections' processes get two seconds to end. Zombies do not count.
_stk_privsep_remove()
{
	local i

	for i in $(seq 20); do
		_stk_sshd_running || break
		sleep 0.1
	done
	if ! _stk_sshd_running; then
		rmdir /run/sshd 2>/dev/null || true
	fi
	rm -f "$STK_LOCK.run-sshd"
}

_stk_sshd_running()
{
	# shellcheck disable=SC2009 # pgrep -r is too recent
	ps -C sshd -o stat= | grep -q '^[^Z]'
}

# stk_run [--exec] CMD [ARG...]: run CMD with the private /etc/pam.d,
# /etc/security and /etc/sudoers.d bound over the real ones, in a mount
# namespace of its own. --exec: in place of this (sub)shell, so that
# "stk_run --exec CMD &" leaves CMD's pid in $!.
stk_run()
{
	local ex=

	if [ "$1" = --exec ]; then
		ex="exec"
		shift
	fi
	# shellcheck disable=SC2016 # expanded by that shell
	$ex unshare --mount --propagation private -- /bin/sh -c '
		w=$1
		shift
		for d in pam.d security sudoers.d; do
			if [ -d "$w/etc/$d" ]; then
				mount --bind "$w/etc/$d" "/etc/$d" || exit 125
			fi
		done
		exec "$@"' stk_run "$WORK" "$@"
}

# The shipped text with this machine's paths: the built module for
# pam_baro_auth.so (bare or with a directory), $WORK/baropam for
# /var/lib/baropam. Nothing else changes.
stk_subst()
{
	sed -e "s#/var/lib/baropam#$WORK/baropam#g" \
	    -e "s#[^[:space:]=]*/pam_baro_auth\\.so#$MODULE#g" \
	    -e "s#\\(^\\|[[:space:]]\\)pam_baro_auth\\.so#\\1$MODULE#g" "$@"
}

# stk_install_file CONF_REL ETC_REL: conf/CONF_REL, substituted, as the
# private /etc/ETC_REL (mode 0644, root).
stk_install_file()
{
	local src=$STK_CONF/$1 dst=$WORK/etc/$2

	[ -f "$src" ] || stk_fail "shipped file conf/$1 is missing"
	mkdir -p "$(dirname "$dst")"
	stk_subst "$src" >"$dst"
	chmod 0644 "$dst"
}

# stk_install_stack NAME: conf/pam.d/NAME as the private /etc/pam.d/NAME.
stk_install_stack()
{
	stk_install_file "pam.d/$1" "pam.d/$1"
}

# The user database of this namespace: copies of the host's files, bound
# over them (the copies keep owner and mode: pam_unix reads /etc/shadow).
# Lines are appended in place: a rename would leave the old inode mounted.
_stk_private_users()
{
	local f

	for f in passwd group shadow gshadow; do
		[ -f "/etc/$f" ] || continue
		cp -a "/etc/$f" "$WORK/etc/$f"
		mount --bind "$WORK/etc/$f" "/etc/$f" ||
			stk_fail "cannot bind a private /etc/$f"
	done
	mkdir -m 0755 "$WORK/home"
}

# An id that neither /etc/passwd nor /etc/group of this namespace uses.
_stk_free_id()
{
	local id=61000

	while getent passwd "$id" >/dev/null || getent group "$id" >/dev/null; do
		id=$((id + 1))
	done
	echo "$id"
}

# stk_user NAME [PASSWORD]: a user of this namespace only (its own group,
# a home under $WORK, bash), with PASSWORD or a locked password.
stk_user()
{
	local name=$1 id hash='!' home=$WORK/home/$1

	if getent passwd "$name" >/dev/null; then
		stk_fail "user $name exists already"
	fi
	id=$(_stk_free_id)
	if [ $# -gt 1 ]; then
		hash=$(printf '%s' "$2" | openssl passwd -6 -stdin) ||
			stk_fail "cannot hash the password of $name"
	fi
	mkdir -m 0700 "$home"
	chown "$id:$id" "$home"
	printf '%s:x:%d:%d::%s:/bin/bash\n' "$name" "$id" "$id" "$home" >>/etc/passwd
	printf '%s:x:%d:\n' "$name" "$id" >>/etc/group
	printf '%s:%s:%d:0:99999:7:::\n' "$name" "$hash" \
		$(($(date +%s) / 86400)) >>/etc/shadow
	if [ -f /etc/gshadow ]; then
		printf '%s:!::\n' "$name" >>/etc/gshadow
	fi
	getent passwd "$name" >/dev/null || stk_fail "user $name was not added"
}

# stk_secret USER [EXTRA_LINES]: USER's secret file at the shipped path
# (/var/lib/baropam/USER/.baro_auth under $WORK): 0400 root in 0700 dirs.
stk_secret()
{
	local dir=$WORK/baropam/$1

	mkdir -p "$dir"
	chmod 0700 "$WORK/baropam" "$dir"
	rm -f "$dir/.baro_auth"
	printf 'SECURE_KEY %s\nCYCLE_TIME 30\nWINDOW_SIZE 3\n%s' \
		"$STK_KEY" "${2:-}" >"$dir/.baro_auth"
	chmod 0400 "$dir/.baro_auth"
}

# stk_test_user TAG: U becomes a real user baro-t-TAG<pid> with the
# password PW and a secret file.
stk_test_user()
{
	U=baro-t-$1$$
	PW=pw-$$-$RANDOM
	stk_user "$U" "$PW"
	stk_secret "$U"
}

# The current code, computed now (WINDOW_SIZE 3 absorbs a cycle boundary).
stk_code()
{
	oathtool --totp -b "$STK_KEY"
}

# A six-digit code that no cycle within three of now accepts.
stk_wrong_code()
{
	local window c

	window=$(oathtool --totp -b -w 6 -N "@$(($(date +%s) - 90))" "$STK_KEY")
	c=$(printf '%06d' $(((10#$(stk_code) + 500000) % 1000000)))
	while grep -qx "$c" <<<"$window"; do
		c=$(printf '%06d' $(((10#$c + 1) % 1000000)))
	done
	echo "$c"
}

# A TCP port free on 127.0.0.1 just now.
stk_free_port()
{
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# --- syslog capture ---

# Capture what the programs send to syslog from now on: our listener on
# /dev/log (it dies with this script and removes the socket), else the
# journal, else nothing (log lines are then not checked).
stk_syslog_start()
{
	local i pid

	STK_LOG=$WORK/syslog
	: >"$STK_LOG"
	setpriv --pdeathsig TERM /usr/bin/python3 "$STK_DIR/syslog_listener.py" \
		/dev/log "$STK_LOG" {STK_LOCK_FD}>&- &
	pid=$!
	for i in $(seq 100); do
		[ -e "$STK_LOG.ready" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if [ -e "$STK_LOG.ready" ]; then
		stk_defer _stk_listener_stop "$pid"
		STK_LOG_MODE=listener
		return 0
	fi
	# A live /dev/log: a syslog daemon's.
	wait "$pid" 2>/dev/null || true
	if command -v journalctl >/dev/null &&
	   journalctl -n 0 --show-cursor -q >/dev/null 2>&1 &&
	   [ -S /run/systemd/journal/dev-log ]; then
		STK_CURSOR=$(journalctl -n 0 --show-cursor -q | sed -n 's/^-- cursor: //p')
		STK_LOG_MODE=journal
	else
		echo "NOTE ($STK_NAME): /dev/log belongs to a syslog daemon" \
		     "that is not journald; log lines are not checked" >&2
		STK_LOG_MODE=none
	fi
}

_stk_listener_stop()
{
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# Everything captured, one message a line ("... ident[pid]: message").
stk_log_all()
{
	case $STK_LOG_MODE in
	listener) cat "$STK_LOG" ;;
	journal) journalctl -q --no-pager -o short --after-cursor="$STK_CURSOR" ;;
	esac
}

# What was captured since the last stk_log_mark.
stk_log()
{
	stk_log_all | tail -n +$((STK_LOG_FROM + 1))
}

stk_log_mark()
{
	STK_LOG_FROM=$(stk_log_all | wc -l)
}

# _stk_log_match SERVICE MSG [wait|nowait] [TYPE]: whether a line since the
# mark ends with "pam_baro_auth(SERVICE:TYPE): MSG" exactly (pam_syslog's
# prefix; TYPE auth unless given), waiting a little for it to arrive.
_stk_log_match()
{
	local want="pam_baro_auth($1:${4:-auth}): $2" i

	for i in $(seq 20); do
		if stk_log | awk -v m="$want" '
			{ n = length($0) - length(m)
			  if (n >= 0 && substr($0, n + 1) == m) f = 1 }
			END { exit !f }'; then
			return 0
		fi
		[ "${3:-wait}" = wait ] || return 1
		sleep 0.1
	done
	return 1
}

# stk_log_has SERVICE MESSAGE [TYPE]: the module logged exactly MESSAGE
# from its TYPE phase (auth unless given).
stk_log_has()
{
	[ "$STK_LOG_MODE" != none ] || return 0
	_stk_log_match "$1" "$2" wait "${3:-auth}" ||
		stk_fail "log lacks \"pam_baro_auth($1:${3:-auth}): $2\""
}

# stk_log_lacks SERVICE MESSAGE [TYPE]: it did not (checked after the
# other lines of the same attempt have been waited for).
stk_log_lacks()
{
	[ "$STK_LOG_MODE" != none ] || return 0
	if _stk_log_match "$1" "$2" nowait "${3:-auth}"; then
		stk_fail "log has \"pam_baro_auth($1:${3:-auth}): $2\""
	fi
}

# The audit lines of DESIGN.md §7: USER LOCAL_IP REMOTE_IP [BY], BY being who
# asked (PAM_RUSER, or "name(uid=N)" of a non-root caller other than the
# user), empty when nobody is named. A module with a session phase
# (STK_SESSION_LINE=1) writes "verification code accepted" when the code
# is right and "session opened" only from pam_sm_open_session; one
# without writes BaroPAM's old "session opened" at the code and no "by"
# in the failure line.
_stk_by()
{
	if [ -n "${1:-}" ]; then
		printf '%s ' "$1"
	fi
}

# _stk_audit NEW OLD USER LOCAL REMOTE [BY]: the line whose text before
# "(local ip=" is NEW (then "by BY ") or OLD, USER put in for the %s.
_stk_audit()
{
	local head

	# shellcheck disable=SC2059 # the formats are ours
	if [ "$STK_SESSION_LINE" = 1 ]; then
		head="$(printf "$1" "$3") by $(_stk_by "${6:-}")"
	else
		head=$(printf "$2" "$3")
	fi
	printf 'authentication key : %s(local ip=%s,Remote ip=%s)' "$head" "$4" "$5"
}

stk_audit_ok()
{
	_stk_audit 'verification code accepted for user %s' \
		'session opened for user %s by ' "$@"
}

stk_audit_failed()
{
	_stk_audit 'User %s authentication failed' \
		'User %s authentication failed ' "$@"
}

stk_audit_session()
{
	printf 'authentication key : session opened for user %s by %s(local ip=%s,Remote ip=%s)' \
		"$1" "$(_stk_by "${4:-}")" "$2" "$3"
}

# stk_log_session SERVICE USER LOCAL REMOTE [BY]: the session phase wrote
# "session opened" (with a module that has one; otherwise noted once).
stk_log_session()
{
	if [ "$STK_SESSION_LINE" != 1 ]; then
		_stk_note_no_session
		return 0
	fi
	stk_log_has "$1" "$(stk_audit_session "${@:2}")" session
}

# stk_log_no_session USER: no line since the mark claims that a session
# opened for USER, from any phase (checked after the other lines of the
# same attempt have been waited for). With a module without a session
# phase the old auth-phase line claims one for every right code: only
# checked with one that has it.
stk_log_no_session()
{
	[ "$STK_LOG_MODE" != none ] || return 0
	if [ "$STK_SESSION_LINE" != 1 ]; then
		_stk_note_no_session
		return 0
	fi
	if stk_log | grep -F "session opened for user $1 by " >&2; then
		stk_fail "a line claims a session opened for $1"
	fi
}

_stk_note_no_session()
{
	if [ -z "${_stk_noted:-}" ]; then
		echo "NOTE ($STK_NAME): the module has no pam_sm_open_session;" \
		     "session lines are not checked" >&2
		_stk_noted=1
	fi
}

# --- driving the programs ---

# stk_converse ANSWER PASSWORD CMD [ARG...]: run CMD in the private /etc
# on a pseudo-terminal through converse.exp, which answers a code prompt
# with ANSWER ("right" or a literal code) and a password prompt with
# PASSWORD. Sets RC (CMD's exit status) and OUT (the exchange, no CRs).
stk_converse()
{
	local answer=$1 password=$2

	shift 2
	stk_log_mark
	RC=0
	OUT=$(stk_run env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C TERM=dumb STK_KEY="$STK_KEY" STK_ANSWER="$answer" \
		STK_PASSWORD="$password" \
		expect -f "$STK_DIR/converse.exp" "$@" 2>&1) || RC=$?
	OUT=${OUT//$'\r'/}
}

# stk_as USER: AS becomes the command prefix that runs the rest as USER,
# groups and all, as a login would.
stk_as()
{
	# shellcheck disable=SC2034 # for the scripts
	AS=(setpriv --reuid="$(id -u "$1")" --regid="$(id -g "$1")" --init-groups)
}

# stk_expect_rc WHAT RC: the last stk_converse ended with RC.
stk_expect_rc()
{
	[ "$RC" = "$2" ] ||
		stk_fail "$1: exit status $RC, expected $2; exchange:"$'\n'"$OUT"
}

# stk_expect_line WHAT TEXT: the exchange has a line that is exactly TEXT.
stk_expect_line()
{
	grep -qxF -- "$2" <<<"$OUT" ||
		stk_fail "$1: no line '$2' in the exchange:"$'\n'"$OUT"
}

stk_expect_no_line()
{
	if grep -qxF -- "$2" <<<"$OUT"; then
		stk_fail "$1: line '$2' in the exchange:"$'\n'"$OUT"
	fi
}

# --- fail2ban ---

# stk_authlog PATTERN FILE: the captured lines that contain PATTERN, as a
# syslog daemon writes them to /var/log/auth.log (timestamp, host name,
# then what syslog(3) sent; journalctl's short output is that already).
stk_authlog()
{
	local host

	host=$(hostname -s)
	if [ "$STK_LOG_MODE" = journal ]; then
		stk_log_all | grep -F -- "$1" >"$2" || true
		return 0
	fi
	stk_log_all | grep -F -- "$1" |
		sed -E -e 's/^<[0-9]+>//' \
		       -e "s/^([A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8}) /\\1 $host /" \
		>"$2" || true
}

# stk_f2b_config: F2B becomes a private copy of /etc/fail2ban holding the
# shipped filter and, as its only jail, the shipped jail reading
# $WORK/auth.log. False when fail2ban is not installed.
stk_f2b_config()
{
	F2B=$WORK/fail2ban
	if ! command -v fail2ban-regex >/dev/null ||
	   [ ! -d /etc/fail2ban/filter.d ]; then
		return 1
	fi
	cp -a /etc/fail2ban "$F2B"
	rm -f "$F2B"/jail.d/*
	cp "$STK_CONF/fail2ban/filter.d/pam_baro_auth.conf" "$F2B/filter.d/" ||
		stk_fail "shipped fail2ban filter is missing"
	sed -e "s#/var/log/auth\\.log#$WORK/auth.log#g" -e "s#%(syslog_authpriv)s#$WORK/auth.log#g" \
		"$STK_CONF/fail2ban/jail.d/pam_baro_auth.local" \
		>"$F2B/jail.d/pam_baro_auth.local" ||
		stk_fail "shipped fail2ban jail is missing"
}

# stk_f2b_ips LOG: the addresses the shipped filter finds in LOG, sorted,
# one a line.
stk_f2b_ips()
{
	fail2ban-regex -o ip "$1" "$F2B/filter.d/pam_baro_auth.conf" | LC_ALL=C sort
}
