#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A caller who sets the limits of a setuid program gains nothing. An
# unprivileged user runs the real su after `trap '' XFSZ` and a file size
# limit of 0, so that every write fails with EFBIG unless the module lifts
# the limit for its own write. With RATE_LIMIT and DISALLOW_REUSE:
# - soft limit 0 (`ulimit -S -f 0`): the module raises it for the write, so
#   a wrong code is still counted and the right code logs in and is
#   recorded — no unlimited guesses, no "System error" oracle;
# - hard limit 0 too (`ulimit -f 0`): only CAP_SYS_RESOURCE can lift it.
#   With it, the same as above; without it (some containers), no state can
#   be written, and a right and a wrong code must fail alike: the same exit
#   status and the same words to the user, the file unchanged.
# Usage: test_stack_su_limits.sh PATH/TO/pam_baro_auth.so
source "$(dirname "$0")/lib.sh"

stk_init "${1:-}"
stk_need su expect

stk_test_user sulim
TO=$U
SECRET=$WORK/baropam/$TO/.baro_auth
FROM=baro-t-sulimf$$
stk_user "$FROM" "from-$PW"
stk_install_stack su
stk_syslog_start
stk_as "$FROM"

# su_with LIMIT: the real su as FROM, under `ulimit LIMIT -f 0`.
su_with()
{
	# shellcheck disable=SC2016 # run by the caller's and the target's shells
	SU=("${AS[@]}" /bin/bash -c 'ulimit $1 -f 0 && trap "" XFSZ &&
		exec su - "$0" -c "echo su-as=\$(id -un)"' "$TO" "$1")
}

timestamps()
{
	sed -n 's/^RATE_LIMIT 5 300//p' "$SECRET" | wc -w
}

fresh_secret()
{
	stk_secret "$TO" "RATE_LIMIT 5 300
DISALLOW_REUSE
"
}

# The caller's words, without the code typed: what su says.
said()
{
	grep -v -e '^Verification code: ' -e '^Password: ' <<<"$OUT" | sort
}

expect_recorded()
{
	local what=$1 before after

	fresh_secret
	before=$(timestamps)
	stk_converse "$(stk_wrong_code)" "$PW" "${SU[@]}"
	stk_expect_rc "$what, wrong code" 1
	stk_expect_no_line "$what, wrong code" "su-as=$TO"
	stk_log_has su-l "Invalid verification code"
	after=$(timestamps)
	[ "$after" -eq $((before + 1)) ] ||
		stk_fail "$what: the wrong code was not recorded ($before -> $after timestamps)"
	stk_converse right "$PW" "${SU[@]}"
	stk_expect_rc "$what, right code" 0
	stk_expect_line "$what, right code" "su-as=$TO"
	[ "$(timestamps)" -eq $((after + 1)) ] ||
		stk_fail "$what: the right code's attempt was not recorded"
	grep -q '^DISALLOW_REUSE [0-9]' "$SECRET" ||
		stk_fail "$what: the used cycle was not recorded: $(cat "$SECRET")"
	if grep -qF "System error" <<<"$OUT"; then
		stk_fail "$what: su said System error:"$'\n'"$OUT"
	fi
}

su_with -S
expect_recorded "su under ulimit -S -f 0"
stk_ok "su with a soft file size limit of 0 and SIGXFSZ ignored: wrong codes counted, the right code logs in"

su_with ""
if capsh --has-p=cap_sys_resource 2>/dev/null ||
   [ $(( 0x$(awk '/^CapEff/ {print $2}' /proc/self/status) >> 24 & 1 )) -eq 1 ]; then
	expect_recorded "su under ulimit -f 0"
	stk_ok "su with a hard file size limit of 0: lifted (CAP_SYS_RESOURCE), codes counted"
else
	fresh_secret
	before=$(cat "$SECRET")
	stk_converse right "$PW" "${SU[@]}"
	right_rc=$RC right_said=$(said)
	stk_log_has su-l "Failed to create tmp secret file[File too large]"
	stk_converse "$(stk_wrong_code)" "$PW" "${SU[@]}"
	wrong_rc=$RC wrong_said=$(said)
	[ "$right_rc" -eq 1 ] && [ "$wrong_rc" -eq 1 ] ||
		stk_fail "hard limit: right code rc $right_rc, wrong code rc $wrong_rc"
	[ "$right_said" = "$wrong_said" ] ||
		stk_fail "hard limit: su answers a right code differently:"$'\n'"$right_said"$'\n---\n'"$wrong_said"
	[ "$(cat "$SECRET")" = "$before" ] || stk_fail "hard limit: the file changed"
	stk_ok "su with a hard file size limit of 0 (no CAP_SYS_RESOURCE here): right and wrong codes fail alike, file unchanged"
fi
