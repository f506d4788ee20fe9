#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The setuid helper baro_chkcode as a screen locker meets it (DESIGN.md §12): a
# root-owned setuid copy of the built helper, an ordinary user who exists
# only in a private mount namespace (bind-mounted copies of /etc/passwd,
# /etc/group, /etc/shadow and /etc/security), a PAM program run as that
# user (setpriv) against services that use the module, and the helper run
# directly by that user with hostile descriptors, limits, signals and
# environment. The helper reads the real clock: codes come from oathtool
# at the real time. Nothing on the machine is changed (lib.sh: $WORK under
# /tmp, removed at exit; the syslog capture of the stack tests).
# Usage: test_helper.sh HELPER TEST_MODULE PROD_MODULE PAM_AS_USER EVIL_SO
#                       KEYGEN_TEST

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" -eq 0 ] || stk_skip "needs root (a setuid-root copy of the helper)"
[ $# -eq 6 ] ||
	stk_fail "usage: $0 HELPER TEST_MODULE PROD_MODULE PAM_AS_USER EVIL_SO KEYGEN_TEST"
h_init "$1" "$2" "$4"

# The production module, baro-keygen, and what a hostile caller would
# have the loader put into the helper.
mkdir -m 0755 "$WORK/bin/prod"
install -o root -g root -m 0644 "$3" "$WORK/bin/prod/pam_baro_auth.so"
install -o root -g root -m 0755 "$6" "$WORK/bin/baro-keygen"
KEYGEN=$WORK/bin/baro-keygen
mkdir -m 0755 "$WORK/evil"
install -o root -g root -m 0755 "$5" "$WORK/evil/evil.so"
install -o root -g root -m 0755 "$5" "$WORK/evil/libcrypto.so.3"
PROD_MODULE=$WORK/bin/prod/pam_baro_auth.so
printf 'auth required %s\n' "$PROD_MODULE" >"$PAMD/baro-locker-prod"

# A code for a key, at the real time (or at @SECONDS).
code_for()
{
	if [ $# -gt 1 ]; then
		oathtool --totp -b -N "$2" "$1"
	else
		oathtool --totp -b "$1"
	fi
}

secret_line()
{
	grep "^$1" "$SECRET" || true
}

# The state is root's file, as the module writes it: 0400, owner and
# group root, no temporary file left, the lock file root's 0600.
expect_root_state()
{
	local what=$1

	[ "$(stat -c '%u %g %a' "$SECRET")" = "0 0 400" ] ||
		stk_fail "$what: secret file is $(stat -c '%u %g %a' "$SECRET"), not 0 0 400"
	[ ! -e "$SECRET~" ] || stk_fail "$what: temporary file left"
	[ "$(stat -c '%u %g %a' "$SECRET.lock")" = "0 0 600" ] ||
		stk_fail "$what: lock file is $(stat -c '%u %g %a' "$SECRET.lock")"
}

# ===================== a PAM program as the user =====================

H_HELPER=$HELPER
h_pam baro-locker "$(stk_code)"
expect_rc "right code through the helper" 0
module_log_has baro-locker "Not running as root (uid $HU_UID): checking the code of $HU through the setuid helper $HELPER"
helper_log_has "authentication key : verification code accepted for user $HU by (local ip=0.0.0.0,Remote ip=0.0.0.0)"
if [ "$STK_LOG_MODE" = listener ]; then
	# facility authpriv (10): priorities 80..87
	stk_log | grep -F "baro_chkcode[" | grep -q '^<8[0-7]>' ||
		stk_fail "the helper does not log to authpriv"
fi
stk_ok "as the user, the right code succeeds through the helper (its own ident, authpriv)"

h_pam baro-locker "$(stk_wrong_code)"
expect_rc "wrong code through the helper" 7
helper_log_has "Invalid verification code"
helper_log_has "authentication key : User $HU authentication failed by (local ip=0.0.0.0,Remote ip=0.0.0.0)"
stk_ok "as the user, a wrong code fails (PAM_AUTH_ERR)"

# The caller's own service may name any file, ACL and option: the
# helper takes root's conf file only.
EVIL=$WORK/home-alice
mkdir -m 0700 "$EVIL"
EVIL_KEY=$(head -c 20 /dev/urandom | base32 | tr -d '=')
printf 'SECURE_KEY %s\nCYCLE_TIME 30\n' "$EVIL_KEY" >"$EVIL/.baro_auth"
printf 'skip : ALL : ALL : ALL\n' >"$EVIL/acl"
chmod 0400 "$EVIL/.baro_auth" "$EVIL/acl"
chown -R "$HU_UID:$HU_UID" "$EVIL"
printf 'auth required %s secret=%s/.baro_auth encrypt=no acl=%s/acl nullok\n' \
	"$MODULE" "$EVIL" "$EVIL" >"$PAMD/baro-evil"
h_pam baro-evil "$(code_for "$EVIL_KEY")"
expect_rc "a code of the caller's own secret= file" 7
h_pam baro-evil "$(stk_wrong_code)"
expect_rc "a wrong code with the caller's skip ACL and nullok" 7
h_pam baro-evil "$(stk_code)"
expect_rc "the right code with the caller's arguments" 0
stk_ok "the caller's module arguments (secret=, acl=, nullok) are ignored by the helper"

# RATE_LIMIT counts the attempts made through the helper, and the state
# is written as root's file.
secret "RATE_LIMIT 2 30
"
h_pam baro-locker "$(stk_wrong_code)"
expect_rc "rate limit, attempt 1" 7
h_pam baro-locker "$(stk_wrong_code)"
expect_rc "rate limit, attempt 2" 7
[ "$(secret_line RATE_LIMIT | wc -w)" = 5 ] ||
	stk_fail "RATE_LIMIT does not hold two attempts: $(secret_line RATE_LIMIT)"
expect_root_state "rate limit"
h_pam baro-locker "$(stk_code)"
expect_rc "rate limit, attempt 3 (right code)" 7
grep -qxF "ERROR: Too many concurrent login attempts. Please try again." <<<"$OUT" ||
	stk_fail "the user was not told about the rate limit: $OUT"
helper_log_has "Too many concurrent login attempts. Please try again."
stk_ok "RATE_LIMIT counts attempts made through the helper; state root's 0400"

secret "DISALLOW_REUSE
"
C=$(stk_code)
h_pam baro-locker "$C"
expect_rc "first use of a code" 0
expect_root_state "disallow reuse"
h_pam baro-locker "$C"
expect_rc "second use of the same code" 7
helper_log_has "Trying to reuse a previously used time-based code. Retry again in"
stk_ok "DISALLOW_REUSE holds through the helper"
secret

# Root's ACL: evaluated for a local login whatever PAM_RHOST says; skip
# is not honoured (the code is still required), deny is.
printf 'skip : %s : ALL : ALL\n' "$HU" >"$WORK/acl"
chmod 0444 "$WORK/acl"
write_conf "acl=$WORK/acl
"
H_ENV=(PAM_AS_USER_RHOST=10.1.2.3)
h_pam baro-locker "$(stk_wrong_code)"
expect_rc "a skip rule through the helper, wrong code" 7
h_pam baro-locker "$(stk_code)"
expect_rc "a skip rule through the helper, right code" 0
printf 'deny : %s : ALL : ALL\n' "$HU" >"$WORK/acl"
h_pam baro-locker "$(stk_code)"
expect_rc "a deny rule through the helper" 6
H_ENV=()
write_conf
stk_ok "root's ACL: skip treated as require, deny honoured (PAM_PERM_DENIED)"

# The shipped one-prompt stack (common-auth-baro: forward_pass, then
# pam_unix use_first_pass) as Debian's /etc/pam.d/xscreensaver uses it
# ("@include common-auth"): pam_unix runs unix_chkpwd, the code goes to
# the helper, the password never does.
stk_subst "$STK_CONF/pam.d/common-auth-baro" >"$PAMD/common-auth"
# Debian 12's /etc/pam.d/xscreensaver (package xscreensaver 6.06), as
# shipped.
printf '#\n# /etc/pam.d/xscreensaver - PAM behavior for xscreensaver\n#\n\n@include common-auth\n@include common-account\n' \
	>"$PAMD/xscreensaver"
h_pam xscreensaver "$HU_PW$(stk_code)"
expect_rc "xscreensaver: password and right code" 0
grep -qxF "PROMPT: Password & verification code: " <<<"$OUT" ||
	stk_fail "xscreensaver: not the one-prompt stack: $OUT"
h_pam xscreensaver "$HU_PW$(stk_wrong_code)"
expect_rc "xscreensaver: password and wrong code" 7
h_pam xscreensaver "wrong-$HU_PW$(stk_code)"
expect_rc "xscreensaver: wrong password and right code" 7
stk_ok "xscreensaver's service (@include common-auth = common-auth-baro) unlocks as the user"

# The helper says how long the accepted code was, so the password is cut
# where it ends: an 8-digit TOTP code, and an emergency code.
secret "DIGITS 8
"
h_pam xscreensaver "$HU_PW$(oathtool --totp -d 8 -b "$STK_KEY")"
expect_rc "xscreensaver: password and an 8-digit code" 0
ECODE=48151623
EHASH=$(printf '%s' "$ECODE" | openssl dgst -sha256 -mac HMAC -macopt \
	"hexkey:$(printf '%s' "$STK_KEY" | base32 -d | od -An -v -tx1 | tr -d ' \n')" |
	sed 's/^.*= //')
secret "EMERGENCY_KEY $EHASH
"
h_pam xscreensaver "$HU_PW$ECODE"
expect_rc "xscreensaver: password and an emergency code" 0
helper_log_has "emergency authentication key : verification code accepted for user $HU by (local ip=0.0.0.0,Remote ip=0.0.0.0)"
h_pam xscreensaver "$HU_PW$ECODE"
expect_rc "xscreensaver: the emergency code again" 7
secret
stk_ok "forward_pass through the helper: 8-digit and emergency codes, the password cut where the code begins"

# The helper must be root's and setuid, or the module says what to do.
install -o root -g root -m 0755 "$HELPER" "$WORK/bin/not_setuid"
H_HELPER=$WORK/bin/not_setuid
h_pam baro-locker "$(stk_code)"
expect_rc "a helper without its setuid bit" 9
module_log_has baro-locker "Cannot check the code as uid $HU_UID: the setuid helper $H_HELPER is unusable[not setuid]; install it owned by root with mode 4755 (chown root:root $H_HELPER; chmod 4755 $H_HELPER)"
H_HELPER=$WORK/bin/missing
h_pam baro-locker "$(stk_code)"
expect_rc "a missing helper" 9
module_log_has baro-locker "Cannot check the code as uid $HU_UID: the setuid helper $H_HELPER is unusable[No such file or directory]; install it owned by root with mode 4755 (chown root:root $H_HELPER; chmod 4755 $H_HELPER)"
H_HELPER=$HELPER
stk_ok "a missing or non-setuid helper: PAM_AUTHINFO_UNAVAIL with the remedy in the log"

# Only the test build of the module takes the helper's path from the
# environment.
h_pam baro-locker-prod "$(stk_code)"
if [ "$STK_LOG_MODE" != none ]; then
	sleep 0.3
	! stk_log | grep -qF -- "$HELPER" ||
		stk_fail "the production module used BARO_TEST_CHKCODE"
	stk_log | grep -qF "the setuid helper /" ||
		stk_fail "the production module did not name its helper"
fi
stk_ok "the production module ignores BARO_TEST_CHKCODE"

# ===================== the helper run directly =====================

h_direct "$HV" "$(stk_code)"
expect_rc "the helper asked for another user" 40
helper_log_has "Refused: uid $HU_UID ($HU) asked to check a code for user $HV"
expect_delay "refused request"
RC=0
printf '%s' "$(stk_code)" | h_run "$HELPER" code "$HU" baro-locker || RC=$?
expect_rc "root asking for another user's code" 40
stk_ok "the helper refuses (and logs) any user but the caller's, root's too"

RC=0
h_as "$HELPER" </dev/null || RC=$?
expect_rc "the helper without arguments" 41
stk_ok "the helper refuses a bad invocation"

# Resource limits and signals the caller chose: the state rewrite still
# happens (a soft limit is raised), and where a limit cannot be raised
# the helper refuses before reading the code.
secret "RATE_LIMIT 5 30
DISALLOW_REUSE
"
C=$(stk_code)
RC=0
printf '%s' "$C" | h_as bash -c 'ulimit -S -f 0; trap "" XFSZ PIPE
	exec "$0" code "$1" baro-locker' "$HELPER" "$HU" || RC=$?
expect_rc "ulimit -S -f 0, SIGXFSZ ignored, right code" 0
[ "$(secret_line RATE_LIMIT | wc -w)" = 4 ] ||
	stk_fail "the state was not written under ulimit -S -f 0: $(secret_line RATE_LIMIT)"
[ "$(secret_line DISALLOW_REUSE | wc -w)" = 2 ] ||
	stk_fail "the used code was not recorded: $(secret_line DISALLOW_REUSE)"
expect_root_state "ulimit -S -f 0"
stk_ok "ulimit -S -f 0 with SIGXFSZ ignored: the state is written, same verdict"

secret "DISALLOW_REUSE
"
before=$(cat "$SECRET")
hard_limit()
{
	local t0

	t0=$(date +%s%N)
	RC=0
	printf '%s' "$1" | h_as bash -c 'ulimit -f 0; trap "" XFSZ
		exec "$0" code "$1" baro-locker' "$HELPER" "$HU" || RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
}
hard_limit "$(stk_code)"
RIGHT_RC=$RC RIGHT_MS=$MS
hard_limit "$(stk_wrong_code)"
if grep -q '^CapBnd:' /proc/self/status &&
   [ $((0x$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status) >> 24 & 1)) = 1 ]; then
	# Root may raise a hard limit here (CAP_SYS_RESOURCE).
	[ "$RIGHT_RC" = 0 ] && [ "$RC" = 10 ] ||
		stk_fail "ulimit -f 0: verdicts $RIGHT_RC/$RC, expected 0/10"
	stk_ok "ulimit -f 0: the hard limit is raised, same verdicts"
else
	[ "$RIGHT_RC" = "$RC" ] ||
		stk_fail "ulimit -f 0: right code $RIGHT_RC, wrong code $RC: an oracle"
	[ "$RC" = 41 ] || stk_fail "ulimit -f 0: exit status $RC, expected 41"
	[ "$RIGHT_MS" -ge 1900 ] && [ "$MS" -ge 1900 ] ||
		stk_fail "ulimit -f 0: delays $RIGHT_MS/$MS ms"
	[ "$(cat "$SECRET")" = "$before" ] || stk_fail "ulimit -f 0: the file changed"
	helper_log_has "Refused to start for uid $HU_UID: a resource limit (ulimit) is too low and cannot be raised"
	stk_ok "ulimit -f 0 (no CAP_SYS_RESOURCE here): refused before the code is read, same status and delay for right and wrong"
fi

# A state that cannot be written (a read-only file system under the
# secret): the same answer and delay for the right code as for a wrong
# one, and the use is not counted.
h_ro()
{
	local t0

	t0=$(date +%s%N)
	RC=0
	# shellcheck disable=SC2016 # expanded by that shell
	printf '%s' "$1" | h_run sh -c '
		mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 125
		shift
		exec "$@"' ro "$WORK/baropam/$HU" \
		setpriv --reuid="$HU_UID" --regid="$HU_UID" --init-groups -- \
		env -i PATH=/usr/bin:/bin "$HELPER" code "$HU" baro-locker || RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
}
secret "DISALLOW_REUSE
"
before=$(cat "$SECRET")
stk_log_mark
h_ro "$(stk_code)"
RIGHT_RC=$RC RIGHT_MS=$MS
helper_log_has "Failed to"
h_ro "$(stk_wrong_code)"
[ "$RIGHT_RC" = 10 ] && [ "$RC" = 10 ] ||
	stk_fail "read-only state: right code $RIGHT_RC, wrong code $RC (expected 10 for both)"
[ "$RIGHT_MS" -ge 1900 ] && [ "$MS" -ge 1900 ] ||
	stk_fail "read-only state: delays $RIGHT_MS/$MS ms"
[ "$(cat "$SECRET")" = "$before" ] || stk_fail "read-only state: the file changed"
stk_ok "state not writable: the right code answers like a wrong one (10, same delay)"
secret

# Inherited descriptors: none survives into the helper. Root looks at
# the helper's descriptors while it waits out its failure delay.
MARK=$WORK/marker
: >"$MARK"
chmod 0644 "$MARK"
printf '%s' "$(stk_wrong_code)" | h_as bash -c '
	exec 5<"$2" 7<"$2" 9<"$2" 42<"$2"
	exec "$0" code "$1" baro-locker' "$HELPER" "$HU" "$MARK" &
bg=$!
pid=
for i in $(seq 50); do
	for p in $(pgrep -x baro_chkcode || true); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$HELPER" ] && pid=$p
	done
	# (past exec: the effective uid is root's)
	[ -n "$pid" ] && [ "$(awk '/^Uid:/ { print $3 }' "/proc/$pid/status" 2>/dev/null)" = 0 ] && break
	sleep 0.05
done
[ -n "$pid" ] || stk_fail "could not find the running helper"
sleep 0.5
fds=$(ls -l "/proc/$pid/fd" 2>/dev/null | awk 'NR > 1 { print $(NF - 2), $NF }')
wait "$bg" || true
grep -qF "$MARK" <<<"$fds" && stk_fail "an inherited descriptor is open in the helper:"$'\n'"$fds"
extra=$(awk '$1 > 2 && $2 !~ /^socket:/' <<<"$fds")
[ -z "$extra" ] || stk_fail "unexpected descriptors in the helper:"$'\n'"$fds"
stk_ok "inherited descriptors above 2 are closed"

RC=0
h_as bash -c 'exec "$0" code "$1" baro-locker <&- >&- 2>&-' "$HELPER" "$HU" || RC=$?
expect_rc "stdin, stdout and stderr closed" 12
helper_log_has "Did not receive verification code from user"
secret "DISALLOW_REUSE
"
RC=0
printf '%s' "$(stk_code)" | h_as bash -c 'exec "$0" code "$1" baro-locker >&- 2>&-' \
	"$HELPER" "$HU" || RC=$?
expect_rc "stdout and stderr closed, right code" 0
[ "$(secret_line DISALLOW_REUSE | wc -w)" = 2 ] ||
	stk_fail "stdout/stderr closed: state not written: $(cat "$SECRET")"
grep -q '^SECURE_KEY ' "$SECRET" || stk_fail "stdout/stderr closed: secret file damaged"
secret
stk_ok "closed standard descriptors: no code read from nowhere, nothing written into the file"

# A caller who never closes the pipe: the helper waits a bounded time
# for the code, then answers as for no code.
mkfifo -m 0600 "$WORK/fifo"
exec {FIFO_FD}<>"$WORK/fifo"
t0=$(date +%s%N)
RC=0
h_as "$HELPER" code "$HU" baro-locker <&"$FIFO_FD" || RC=$?
MS=$((($(date +%s%N) - t0) / 1000000))
exec {FIFO_FD}>&-
expect_rc "a pipe that never ends" 12
[ "$MS" -ge 11500 ] && [ "$MS" -lt 20000 ] ||
	stk_fail "a pipe that never ends: answered after $MS ms, expected 10 s + the delay"
stk_ok "a pipe that never ends: the helper stops waiting after 10 s"

# A hostile environment: loader variables, libpq's, the test clock, time
# zone and locale. The helper loads nothing, reads the real clock, and
# gives the same verdicts.
PAST=$(($(date +%s) - 86400 * 365))
H_ENV=(LD_PRELOAD="$WORK/evil/evil.so" LD_LIBRARY_PATH="$WORK/evil"
       BARO_EVIL_MARK="$WORK/evil/loaded" PGHOST=/nonexistent
       PGSERVICEFILE="$EVIL/pg_service.conf" PGSSLMODE=disable
       BARO_TEST_NOW="$PAST" BARO_TEST_CHKCODE=/nonexistent
       TZ=Etc/GMT+12 LC_ALL=tr_TR.UTF-8 LANG=tr_TR.UTF-8
       MALLOC_PERTURB_=165 GCONV_PATH="$WORK/evil")
h_direct "$HU" "$(code_for "$STK_KEY" "@$PAST")"
expect_rc "hostile environment, a code for BARO_TEST_NOW's time" 10
expect_delay "hostile environment, wrong code"
h_direct "$HU" "$(stk_code)"
expect_rc "hostile environment, right code" 0
h_direct "$HU" "$(stk_wrong_code)"
expect_rc "hostile environment, wrong code" 10
[ ! -e "$WORK/evil/loaded" ] || stk_fail "LD_PRELOAD/LD_LIBRARY_PATH reached the helper"
# (the caller's own process does load what LD_PRELOAD and LD_LIBRARY_PATH
# name: its own business; the module starts the helper with no environment)
H_ENV=("${H_ENV[@]:2}")
h_pam baro-locker "$(stk_code)"
expect_rc "hostile environment, through the module" 0
H_ENV=()
stk_ok "hostile environment (LD_*, PG*, BARO_TEST_NOW, TZ, LC_ALL): no bypass, same verdicts"

# ===================== self-enrolment =====================

# fifo_start CMD...: CMD in the background, talking through FIFOs: w
# writes to its stdin, r reads its stdout and stderr; fifo_end closes r,
# waits, and sets RC.
fifo_start()
{
	rm -f "$WORK/enr.in" "$WORK/enr.out" "$WORK/enr.rc"
	mkfifo -m 0600 "$WORK/enr.in" "$WORK/enr.out"
	(
		rc=0
		"$@" <"$WORK/enr.in" >"$WORK/enr.out" 2>&1 || rc=$?
		echo "$rc" >"$WORK/enr.rc"
	) &
	pid=$!
	exec {w}>"$WORK/enr.in" {r}<"$WORK/enr.out"
}

fifo_end()
{
	exec {r}<&-
	wait "$pid" || true
	RC=$(cat "$WORK/enr.rc")
}

# h_enrol USER [CODE...]: `baro_chkcode enrol USER baro-keygen` run by
# $HU; each CODE is sent after the key is shown ("right" for the key's
# current code, "wrong" for another one), checking the file is still
# absent before each. Sets RC, KEY (base32, "" if none shown) and EOUT
# (everything the helper printed).
h_enrol()
{
	local who=$1 line c w r pid

	shift
	stk_log_mark
	KEY=
	EOUT=
	fifo_start h_as "$HELPER" enrol "$who" baro-keygen
	if read -r -t 20 line <&"$r"; then
		EOUT=$line
		case $line in SECRET\ *) KEY=$(awk '{ print $2 }' <<<"$line") ;; esac
	fi
	for c in "$@"; do
		[ -n "$KEY" ] || break
		[ ! -e "$WORK/baropam/$who/.baro_auth" ] ||
			stk_fail "self-enrolment: the file exists before a right code"
		if [ "$c" = right ]; then
			c=$(code_for "$KEY")
		else
			c=$(printf '%06d' $(((10#$(code_for "$KEY") + 500000) % 1000000)))
			printf '%s\n' "$c" >&"$w" 2>/dev/null || true
			read -r -t 20 line <&"$r" && EOUT+=$'\n'$line
			continue
		fi
		printf '%s\n' "$c" >&"$w" 2>/dev/null || true
	done
	exec {w}>&-
	while read -r -t 60 line <&"$r"; do
		EOUT+=$'\n'$line
	done
	fifo_end
}

USER_DIR=$WORK/baropam/$HU
rm -rf "$USER_DIR"
h_enrol "$HU" right
[ "$RC" = 42 ] || stk_fail "self-enrolment while off: exit status $RC; output:"$'\n'"$EOUT"
[ -z "$KEY" ] || stk_fail "self-enrolment while off showed a key"
[ ! -e "$USER_DIR" ] || stk_fail "self-enrolment while off created $USER_DIR"
helper_log_has "Self-enrolment refused for $HU: self_enrol is not set in the conf file"
stk_ok "self-enrolment is refused while self_enrol is off (the default)"

write_conf "self_enrol
"
h_enrol "$HV" right
[ "$RC" = 40 ] || stk_fail "self-enrolment for another user: exit status $RC"
[ -z "$KEY" ] && [ ! -e "$WORK/baropam/$HV" ] ||
	stk_fail "self-enrolment for another user went ahead"
helper_log_has "Refused: uid $HU_UID ($HU) asked to check a code for user $HV"
stk_ok "self-enrolment only for the caller"

h_enrol "$HU"
[ "$RC" = 12 ] && [ -n "$KEY" ] || stk_fail "self-enrolment without a code: exit status $RC"
[ ! -e "$USER_DIR/.baro_auth" ] || stk_fail "self-enrolment without a code wrote the file"
h_enrol "$HU" wrong wrong wrong
[ "$RC" = 10 ] || stk_fail "self-enrolment, three wrong codes: exit status $RC"
[ "$(grep -c '^WRONG$' <<<"$EOUT")" = 3 ] || stk_fail "self-enrolment: $EOUT"
[ ! -e "$USER_DIR/.baro_auth" ] || stk_fail "self-enrolment with wrong codes wrote the file"
helper_log_has "Self-enrolment for $HU: invalid verification code"
stk_ok "self-enrolment writes nothing without a right first code"

h_enrol "$HU" wrong right
[ "$RC" = 0 ] || stk_fail "self-enrolment, wrong then right: exit status $RC; output:"$'\n'"$EOUT"
[ "$(stat -c '%u %g %a' "$USER_DIR")" = "0 0 700" ] ||
	stk_fail "self-enrolment: directory is $(stat -c '%u %g %a' "$USER_DIR")"
expect_root_state_at()
{
	[ "$(stat -c '%u %g %a' "$1")" = "0 0 400" ] ||
		stk_fail "self-enrolment: file is $(stat -c '%u %g %a' "$1")"
}
expect_root_state_at "$USER_DIR/.baro_auth"
grep -qx "SECURE_KEY $KEY" "$USER_DIR/.baro_auth" ||
	stk_fail "self-enrolment: not the key shown"
[ "$(grep -c '^DISALLOW_REUSE [0-9]*$' "$USER_DIR/.baro_auth")" = 1 ] ||
	stk_fail "self-enrolment: the first code's cycle is not recorded"
helper_log_has "Self-enrolment: $HU created $USER_DIR/.baro_auth"
# The first code is used; the next cycle's code logs in (through the module).
STK_KEY=$KEY
h_pam baro-locker "$(code_for "$KEY" "@$(($(date +%s) + 30))")"
expect_rc "a login with the enrolled key" 0
stk_ok "self-enrolment: a right first code writes the file (root's 0400, dir 0700), which then serves logins"

h_enrol "$HU" right
[ "$RC" = 43 ] && [ -z "$KEY" ] || stk_fail "self-enrolment over an existing file: exit status $RC"
helper_log_has "Self-enrolment refused for $HU: a secret file exists (or its path is unusable)"
stk_ok "self-enrolment only when no file exists"

# baro-keygen enrol, as the user: the URI from the helper's key, the code
# typed on its standard input, the file written.
h_enrol_cli()
{
	local line w r pid

	stk_log_mark
	KEY=
	EOUT=
	fifo_start h_as BARO_TEST_CHKCODE="$HELPER" "$KEYGEN" enrol --qr none
	while read -r -t 20 line <&"$r"; do
		EOUT+=$line$'\n'
		case $line in
		otpauth://*)
			KEY=$(sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' <<<"$line")
			break
			;;
		esac
	done
	[ -z "$KEY" ] || printf '%s\n' "$(code_for "$KEY")" >&"$w"
	exec {w}>&-
	while read -r -t 60 line <&"$r"; do
		EOUT+=$line$'\n'
	done
	fifo_end
}

write_conf
rm -rf "$USER_DIR"
h_enrol_cli
[ "$RC" = 1 ] && [ -z "$KEY" ] ||
	stk_fail "baro-keygen enrol while off: exit $RC; output:"$'\n'"$EOUT"
grep -qF "baro-keygen: self-enrolment is off on this host" <<<"$EOUT" ||
	stk_fail "baro-keygen enrol while off: $EOUT"
write_conf "self_enrol
"
h_enrol_cli
[ "$RC" = 0 ] && [ -n "$KEY" ] ||
	stk_fail "baro-keygen enrol: exit $RC; output:"$'\n'"$EOUT"
grep -qF "Enrolled: your secret file is written" <<<"$EOUT" ||
	stk_fail "baro-keygen enrol: $EOUT"
grep -qx "SECURE_KEY $KEY" "$USER_DIR/.baro_auth" ||
	stk_fail "baro-keygen enrol: not the key of the URI"
expect_root_state_at "$USER_DIR/.baro_auth"
write_conf
stk_ok "baro-keygen enrol as the user: the URI shown, a right code, the file written"
