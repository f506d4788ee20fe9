# SPDX-License-Identifier: BSD-3-Clause
# Shared by the setuid helper's tests (DESIGN.md §12): a root-owned setuid
# copy of the built helper, the module and the PAM program where an
# ordinary user can reach them, two ordinary users who exist only in a
# private mount namespace (bind-mounted copies of /etc/passwd, /etc/group,
# /etc/shadow, /etc/security and /etc/pam.d), root's conf file and a
# secret file under $WORK, and the syslog capture of the stack tests.
# Nothing on the machine is changed (stacks/lib.sh: $WORK under /tmp,
# removed at exit). Sourced; sets -euo pipefail and the EXIT trap.

# shellcheck source=../stacks/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../stacks/lib.sh"

free_uid()
{
	local u=$1

	while getent passwd "$u" >/dev/null || getent group "$u" >/dev/null; do
		u=$((u + 1))
	done
	echo "$u"
}

# Root's settings: the conf file (secret files under $WORK/baropam) with
# the extra lines given.
write_conf()
{
	printf 'secret=%s/baropam/${USER}/.baro_auth\nencrypt=no\n%s' \
		"$WORK" "${1:-}" >"$CONF"
	chmod 0644 "$CONF"
}

secret()
{
	stk_secret "$HU" "${1:-}"
}

# h_run CMD...: as root, in a namespace where /etc/passwd, group, shadow,
# security and pam.d are the private copies; H_NS, if set, is a shell
# snippet run there before CMD (more mounts), with $w the work directory.
H_NS=
h_run()
{
	# shellcheck disable=SC2016 # expanded by that shell
	unshare --mount --propagation private -- /bin/sh -c '
		w=$1
		ns=$2
		shift 2
		for f in passwd group shadow; do
			mount --bind "$w/etc/$f" "/etc/$f" || exit 125
		done
		mount --bind "$w/etc/security" /etc/security || exit 125
		mount --bind "$w/etc/pam.d" /etc/pam.d || exit 125
		eval "$ns" || exit 125
		exec "$@"' h_run "$WORK" "$H_NS" "$@"
}

# h_as CMD...: the same, as the ordinary user $HU, with a clean
# environment plus H_ENV (an array of NAME=VALUE).
H_ENV=()
h_as()
{
	h_run setpriv --reuid="$HU_UID" --regid="$HU_UID" --init-groups -- \
		env -i PATH=/usr/bin:/bin LANG=C "${H_ENV[@]}" "$@"
}

# h_pam SERVICE ANSWER...: the PAM program as the user, the test module
# finding the helper at $H_HELPER. Sets RC and OUT.
h_pam()
{
	local svc=$1

	shift
	stk_log_mark
	RC=0
	OUT=$(h_as BARO_TEST_CHKCODE="$H_HELPER" "$DRIVER" /etc/pam.d "$svc" "$HU" \
		"$@" 2>&1) || RC=$?
}

# h_direct USER INPUT [MODE]: the helper run directly by the user with
# INPUT on a pipe. Sets RC, MS (milliseconds it took) and ERR (what it
# wrote to stderr).
h_direct()
{
	local t0

	stk_log_mark
	t0=$(date +%s%N)
	RC=0
	printf '%s' "$2" | h_as "$HELPER" "${3:-code}" "$1" baro-locker \
		2>"$WORK/direct.err" || RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
	ERR=$(cat "$WORK/direct.err")
}

expect_rc()
{
	[ "$RC" = "$2" ] || stk_fail "$1: exit status $RC, expected $2; output:"$'\n'"${OUT:-}"
}

# The helper's own log lines: "baro_chkcode[PID]: MESSAGE".
helper_log_has()
{
	local i

	[ "$STK_LOG_MODE" != none ] || return 0
	for i in $(seq 100); do
		stk_log | grep -qF -- "baro_chkcode[" &&
			stk_log | grep -F -- "baro_chkcode[" | grep -qF -- "]: $1" &&
			return 0
		sleep 0.1
	done
	stk_fail "log lacks \"baro_chkcode[PID]: $1\""
}

# No line of the helper since the mark (after the caller's own lines have
# been waited for).
helper_log_lacks()
{
	[ "$STK_LOG_MODE" != none ] || return 0
	! stk_log | grep -qE -- 'baro_chkcode\[[0-9]+\]: ' ||
		stk_fail "the helper logged:"$'\n'"$(stk_log | grep -E -- 'baro_chkcode\[[0-9]+\]: ')"
}

module_log_has()
{
	stk_log_has "$1" "$2"
}

expect_delay()
{
	[ "$MS" -ge 1900 ] || stk_fail "$1: answered in $MS ms, without the failure delay"
}

# h_init HELPER TEST_MODULE PAM_AS_USER: the private world above, the
# syslog capture, and a check that the setuid bit works here. Sets WORK,
# HELPER, MODULE, DRIVER, HU/HV (names), HU_UID/HV_UID, HU_PW, CONF,
# PAMD, STK_KEY, SECRET, H_HELPER; the service baro-locker uses MODULE.
h_init()
{
	[ "$(id -u)" -eq 0 ] || stk_skip "needs root (a setuid-root copy of the helper)"
	stk_need oathtool unshare setpriv flock base32 stat openssl timeout
	unshare --mount --propagation private true 2>/dev/null ||
		stk_skip "cannot create a mount namespace (unshare -m)"
	stk_workdir 0755

	# Binaries where the test user can reach them; the helper root's,
	# setuid, under the installed name (which its log lines carry).
	mkdir -m 0755 "$WORK/bin" "$WORK/bin/test"
	HELPER=$WORK/bin/baro_chkcode
	install -o root -g root -m 4755 "$1" "$HELPER"
	install -o root -g root -m 0644 "$2" "$WORK/bin/test/pam_baro_auth.so"
	install -o root -g root -m 0755 "$3" "$WORK/bin/pam_as_user"
	MODULE=$WORK/bin/test/pam_baro_auth.so
	DRIVER=$WORK/bin/pam_as_user
	H_HELPER=$HELPER

	# Two ordinary users, known only inside the namespace.
	HU=baro-alice
	HV=baro-bob
	for n in "$HU" "$HV"; do
		if getent passwd "$n" >/dev/null; then
			stk_fail "user $n exists on this machine"
		fi
	done
	HU_UID=$(free_uid 47000)
	HV_UID=$(free_uid $((HU_UID + 1)))
	HU_PW=pw-$$-$RANDOM
	mkdir -p "$WORK/etc"
	cp -a /etc/passwd /etc/group /etc/shadow "$WORK/etc/"
	cp -a /etc/security "$WORK/etc/security"
	cp -a /etc/pam.d "$WORK/etc/pam.d"
	printf '%s:x:%s:%s::/nonexistent:/bin/sh\n' "$HU" "$HU_UID" "$HU_UID" \
		"$HV" "$HV_UID" "$HV_UID" >>"$WORK/etc/passwd"
	printf '%s:x:%s:\n' "$HU" "$HU_UID" "$HV" "$HV_UID" >>"$WORK/etc/group"
	printf '%s:%s:19000:0:99999:7:::\n' "$HU" "$(openssl passwd -6 "$HU_PW")" \
		"$HV" '!' >>"$WORK/etc/shadow"

	CONF=$WORK/etc/security/baro_auth.conf
	write_conf
	STK_KEY=$(head -c 20 /dev/urandom | base32 | tr -d '=')
	SECRET=$WORK/baropam/$HU/.baro_auth
	secret

	# The services the user's PAM program names (the private /etc/pam.d;
	# a user could as well bring a directory of their own with any
	# module arguments: pam_start_confdir).
	PAMD=$WORK/etc/pam.d
	printf 'auth required %s\n' "$MODULE" >"$PAMD/baro-locker"

	stk_syslog_start

	# The setuid bit must work here (not a nosuid mount).
	RC=0
	h_as "$HELPER" code "$HU" x </dev/null >/dev/null 2>&1 || RC=$?
	[ "$RC" != 41 ] || stk_skip "the setuid copy does not run as root (nosuid /tmp?)"
}
