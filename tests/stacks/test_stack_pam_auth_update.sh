#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The pam-auth-update profile baro-auth (conf/pam-configs/baro-auth, in the
# Debian package /usr/share/pam-configs/baro-auth) with the distribution's
# own stacks, in lib.sh's private /etc; pam-auth-update runs with --root on
# private copies of /etc/pam.d, /var/lib/pam and /usr/share/pam-configs,
# and a private debconf database, so the host's are never written:
# - --enable puts "required pam_baro_auth.so" first in common-auth's
#   Primary block (before pam_unix), "optional pam_baro_auth.so" in the
#   Additional block of common-session and common-session-noninteractive
#   (the "session opened" audit line), nothing in common-account or
#   common-password; the module reads secret= and encrypt= from
#   /etc/security/baro_auth.conf;
# - through Debian's /etc/pam.d/su (pam_rootok, then common-auth), run as
#   an ordinary user: the code is asked first, then the password, both
#   always; the right pair authenticates and the session line is logged,
#   a wrong code or a wrong password is refused; the real su switches user;
# - pam_faillock as docs/INSTALL.md lays it out around the managed block
#   (preauth before it, authfail as the fallback, pam_faillock in
#   common-account), kept by pam-auth-update when it rewrites the block:
#   three wrong passwords lock the account and a locked account is refused
#   before anything is asked; a success resets the tally; a wrong code is
#   refused but not counted;
# - --disable and --remove (the package's prerm) give back common-auth
#   exactly as it was, with no line naming the module.
# Usage: test_stack_pam_auth_update.sh PATH/TO/pam_baro_auth.so [PROFILE]
#   PROFILE: the profile file (default conf/pam-configs/baro-auth)
source "$(dirname "$0")/lib.sh"

# Through the environment: stk_init runs the script again with the module
# path only.
export STK_PROFILE=${STK_PROFILE:-${2:-$STK_CONF/pam-configs/baro-auth}}
stk_init "${1:-}"
PROFILE=$STK_PROFILE
[ -f "$PROFILE" ] || stk_fail "no profile $PROFILE"
stk_need pam-auth-update pamtester faillock expect su
for f in /etc/pam.d/su /etc/pam.d/common-auth /var/lib/pam/auth; do
	[ -f "$f" ] || stk_skip "$f is missing: not a pam-auth-update system"
done

# The root pam-auth-update writes into: $WORK/etc/pam.d (lib.sh's private
# copy), $WORK/var/lib/pam, $WORK/usr/share/pam-configs.
mkdir -p "$WORK/var/lib" "$WORK/usr/share/pam-configs"
cp -a /var/lib/pam "$WORK/var/lib/pam"
cp -a /var/cache/debconf "$WORK/debconf"
for f in /usr/share/pam-configs/*; do
	[ "$(basename "$f")" = baro-auth ] || cp "$f" "$WORK/usr/share/pam-configs/"
done
cp "$PROFILE" "$WORK/usr/share/pam-configs/baro-auth"
mkdir "$WORK/orig"
cp "$PAMD"/common-* "$WORK/orig/"

# pau ARG...: pam-auth-update ARG... on the private root, with a private
# debconf database (it records the chosen profiles there).
pau()
{
	local rc=0

	# shellcheck disable=SC2016 # expanded by that shell
	unshare --mount --propagation private -- /bin/sh -c '
		w=$1
		shift
		mount --bind "$w/debconf" /var/cache/debconf || exit 125
		exec env DEBIAN_FRONTEND=noninteractive \
			pam-auth-update --root "$w" "$@"' pau "$WORK" "$@" \
		>"$WORK/pau.out" 2>&1 || rc=$?
	[ "$rc" = 0 ] || stk_fail "pam-auth-update $*: exit $rc: $(cat "$WORK/pau.out")"
	if grep -q 'Local modifications' "$WORK/pau.out"; then
		stk_skip "the host's /etc/pam.d/common-* are not managed by pam-auth-update"
	fi
}

# The managed Primary block of common-auth, one line each, blanks squeezed.
primary_block()
{
	awk '/^# here are the per-package modules/ { f = 1; next }
	     /^# here.s the fallback/ { f = 0 }
	     f && !/^#/ { $1 = $1; print }' "$PAMD/common-auth"
}

# No file of the private /etc/pam.d names the module.
expect_unmentioned()
{
	local hits

	hits=$(grep -l 'pam_baro_auth' "$PAMD"/* || true)
	[ -z "$hits" ] || stk_fail "$1: still named in: $hits"
}

# --- enable: the position ---
pau --enable baro-auth
block=$(primary_block)
first=$(head -n 1 <<<"$block")
[ "$first" = "auth required pam_baro_auth.so" ] ||
	stk_fail "first line of the Primary block is '$first':"$'\n'"$block"
grep -qx 'auth \[success=1 default=ignore\] pam_unix.so nullok try_first_pass' \
	<<<"$(sed -n 2p <<<"$block")" ||
	stk_fail "pam_unix does not follow the code:"$'\n'"$block"
[ "$(grep -c pam_baro_auth "$PAMD/common-auth")" = 1 ] ||
	stk_fail "the module appears more than once in common-auth"
for t in account password; do
	if grep -q pam_baro_auth "$PAMD/common-$t"; then
		stk_fail "common-$t names the module"
	fi
done
for t in session session-noninteractive; do
	got=$(awk '/^# and here are more per-package modules/ { f = 1; next }
		   /^# end of pam-auth-update config/ { f = 0 }
		   f && /pam_baro_auth/ { $1 = $1; print }' "$PAMD/common-$t")
	[ "$got" = "session optional pam_baro_auth.so" ] ||
		stk_fail "common-$t: '$got' in the Additional block"
	[ "$(grep -c pam_baro_auth "$PAMD/common-$t")" = 1 ] ||
		stk_fail "the module appears more than once in common-$t"
done
stk_ok "pam-auth-update --enable baro-auth: 'required pam_baro_auth.so' first in common-auth's Primary block, before pam_unix; 'optional' in the sessions' Additional blocks; nothing else"

# The module under test stands for the bare name in common-auth, and back
# again before pam-auth-update reads it (it refuses a block it did not
# write). The options come from the private /etc/security/baro_auth.conf
# (lib.sh's copy of conf/baro_auth.conf with the secret under $WORK).
MANAGED=("$PAMD/common-auth" "$PAMD/common-session" "$PAMD/common-session-noninteractive")

use_module()
{
	sed -i "s#\\([[:space:]]\\)pam_baro_auth\\.so#\\1$MODULE#" "${MANAGED[@]}"
}

bare_module()
{
	sed -i "s#\\([[:space:]]\\)$MODULE#\\1pam_baro_auth.so#" "${MANAGED[@]}"
}

use_module
grep -q '^secret=' "$WORK/etc/security/baro_auth.conf" ||
	stk_fail "the private baro_auth.conf has no secret="

stk_test_user pau
TO=$U
FROM=baro-t-paufrom$$
stk_user "$FROM" "from-$PW"
stk_syslog_start

CODE_PROMPT="Verification code: "
PAMTESTER=(setpriv --ruid="$(id -u "$FROM")" pamtester su "$TO" authenticate
	acct_mgmt open_session close_session)
BY_UID="$FROM(uid=$(id -u "$FROM"))"
# What su puts in PAM_RUSER (as in test_stack_su.sh): the login name.
BY_SU=$FROM
if [ "$(cat /proc/self/loginuid 2>/dev/null || echo 4294967295)" != 4294967295 ]; then
	BY_SU=$(getent passwd "$(cat /proc/self/loginuid)" | cut -d: -f1)
fi

# The exchange asked for the code, then the password, once each.
expect_code_then_password()
{
	local asked

	asked=$(grep -E '^(Verification code|Password): ' <<<"$OUT" | sed 's/: .*/:/' | tr '\n' ' ')
	[ "$asked" = "Verification code: Password: " ] ||
		stk_fail "$1: asked '$asked', expected the code then the password:"$'\n'"$OUT"
}

stk_converse right "$PW" "${PAMTESTER[@]}"
stk_expect_rc "right code and password" 0
expect_code_then_password "right code and password"
stk_expect_line "right code and password" "pamtester: successfully authenticated"
stk_log_has su "$(stk_audit_ok "$TO" 0.0.0.0 0.0.0.0 "$BY_UID")"
stk_log_session su "$TO" 0.0.0.0 0.0.0.0 "$BY_UID"
stk_ok "su through common-auth: the code, then the password; the right pair authenticates, common-session logs the session"

stk_converse "$(stk_wrong_code)" "$PW" "${PAMTESTER[@]}"
stk_expect_rc "wrong code, right password" 1
expect_code_then_password "wrong code, right password"
stk_log_has su "Invalid verification code"
stk_log_has su "$(stk_audit_failed "$TO" 0.0.0.0 0.0.0.0 "$BY_UID")"
stk_log_no_session "$TO"
stk_ok "su through common-auth: a wrong code is refused, and the password is still asked"

stk_converse right "wrong-$PW" "${PAMTESTER[@]}"
stk_expect_rc "right code, wrong password" 1
expect_code_then_password "right code, wrong password"
stk_log_has su "$(stk_audit_ok "$TO" 0.0.0.0 0.0.0.0 "$BY_UID")"
stk_log_no_session "$TO"
stk_ok "su through common-auth: the right code with a wrong password is refused"

stk_as "$FROM"
# shellcheck disable=SC2016 # run by the target user's shell
SU=("${AS[@]}" su - "$TO" -c 'echo "su-as=$(id -un)"')
stk_converse right "$PW" "${SU[@]}"
stk_expect_rc "real su" 0
expect_code_then_password "real su"
stk_expect_line "real su" "su-as=$TO"
stk_log_session su-l "$TO" 0.0.0.0 0.0.0.0 "$BY_SU"
stk_converse "$(stk_wrong_code)" "$PW" "${SU[@]}"
stk_expect_rc "real su, wrong code" 1
stk_expect_no_line "real su, wrong code" "su-as=$TO"
stk_ok "the real su through common-auth: right code and password switch user, a wrong code does not"

# --- pam_faillock around the managed block (docs/INSTALL.md) ---
TALLY=$WORK/faillock
mkdir -m 0755 "$TALLY"
FL="dir=$TALLY deny=3 unlock_time=600"
bare_module
pau --disable baro-auth
awk -v fl="$FL" '
	/^# here are the per-package modules/ {
		print "auth\trequisite\t\t\tpam_faillock.so preauth " fl }
	/^auth\trequisite\t+pam_deny\.so/ && !done {
		print "auth\t[default=die]\t\t\tpam_faillock.so authfail " fl
		done = 1; next }
	{ print }' "$PAMD/common-auth" >"$WORK/ca" && cat "$WORK/ca" >"$PAMD/common-auth"
grep -q 'authfail' "$PAMD/common-auth" || stk_fail "no fallback line to replace"
printf 'account\trequired\t\t\tpam_faillock.so %s\n' "dir=$TALLY" >>"$PAMD/common-account"
pau --enable baro-auth
grep -q "pam_faillock.so preauth $FL" "$PAMD/common-auth" &&
	grep -q "pam_faillock.so authfail $FL" "$PAMD/common-auth" &&
	grep -q "pam_faillock.so dir=$TALLY" "$PAMD/common-account" ||
	stk_fail "pam-auth-update dropped the local pam_faillock lines:"$'\n'"$(cat "$PAMD/common-auth")"
got=$(awk '!/^#/ && NF { $1 = $1; print }' "$PAMD/common-auth" | head -n 4)
want="auth requisite pam_faillock.so preauth $FL
auth required pam_baro_auth.so
auth [success=1 default=ignore] pam_unix.so nullok try_first_pass
auth [default=die] pam_faillock.so authfail $FL"
[ "$got" = "$want" ] || stk_fail "common-auth with pam_faillock:"$'\n'"$got"$'\n'"expected:"$'\n'"$want"
stk_ok "pam-auth-update keeps the local pam_faillock lines around the block: preauth, code, password, authfail"
use_module

failures()
{
	faillock --dir "$TALLY" --user "$TO" | grep -c '^[0-9]\{4\}-' || true
}

expect_failures()
{
	local n

	n=$(failures)
	[ "$n" = "$2" ] || stk_fail "$1: $n failures in the tally, expected $2"
}

stk_converse right "wrong-$PW" "${PAMTESTER[@]}"
stk_expect_rc "faillock, wrong password 1" 1
expect_failures "wrong password 1" 1
stk_converse right "wrong-$PW" "${PAMTESTER[@]}"
stk_converse right "$PW" "${PAMTESTER[@]}"
stk_expect_rc "faillock, right pair after two wrong passwords" 0
expect_failures "success after two wrong passwords" 0
stk_ok "faillock: two wrong passwords, then the right code and password succeed and clear the tally"

# As docs/INSTALL.md says: a wrong code with the right password is refused
# but not counted by pam_faillock in this layout (nothing can reach
# authfail after the code without a jump); RATE_LIMIT and fail2ban are
# what limit code guesses here, faillock-baro counts codes per service.
stk_converse "$(stk_wrong_code)" "$PW" "${PAMTESTER[@]}"
stk_expect_rc "faillock, wrong code and right password" 1
expect_failures "wrong code and right password" 0
stk_ok "faillock: a wrong code with the right password is refused (and not counted)"

for i in 1 2 3; do
	stk_converse right "wrong-$PW" "${PAMTESTER[@]}"
	stk_expect_rc "faillock, wrong password $i" 1
done
expect_failures "three wrong passwords" 3
stk_converse right "$PW" "${PAMTESTER[@]}"
stk_expect_rc "faillock, right pair while locked" 1
stk_expect_line "right pair while locked" "The account is locked due to 3 failed logins."
stk_expect_no_line "right pair while locked" "$CODE_PROMPT"
stk_ok "faillock: three wrong passwords lock the account; locked, nothing is asked and the right pair is refused"
[ ! -e "/run/faillock/$TO" ] || stk_fail "the system tally /run/faillock was used"

# --- undo ---
bare_module
pau --disable baro-auth
expect_unmentioned "after --disable"
pau --enable baro-auth
pau --remove baro-auth
expect_unmentioned "after --remove"
cp "$WORK/orig/common-auth" "$WORK/orig/common-account" "$PAMD/"
pau --enable baro-auth
pau --disable baro-auth
for f in "$WORK"/orig/common-*; do
	cmp -s "$f" "$PAMD/$(basename "$f")" ||
		stk_fail "--disable did not give back $(basename "$f"):"$'\n'"$(diff "$f" "$PAMD/$(basename "$f")")"
done
stk_ok "pam-auth-update --disable and --remove baro-auth leave no stack naming the module; common-* are as before"
