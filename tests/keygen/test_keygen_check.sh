#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# baro-keygen check judges what the module will really do: it reads a
# pam.d directory (a private one here), combines each line's arguments
# with the conf file, checks the user's file against each line's
# effective options, names the service and line, warns about sibling
# services that skip the code, and prints remedies with the real user and
# path (seal/unseal for an encrypt mismatch, never rotate).
# Usage: test_keygen_check.sh BARO_KEYGEN
set -euo pipefail

KG=$(readlink -f "$1")
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
# shellcheck source=tests/keygen/lib.sh
. "$(dirname "$0")/lib.sh"
W=$(mktemp -d /tmp/baro-kgchk.XXXXXX)
trap 'rm -rf "$W"' EXIT
U=nobody

P=$W/pam.d
mkdir -m 0755 "$P" "$W/keys"
"$KG" hostkey --keyfile "$W/keys/host.key" >/dev/null
K=$W/keys/host.key
F=$W/keys/$U/.baro_auth
printf 'secret=%s/keys/${USER}/.baro_auth\nencrypt=yes\nkeyfile=%s\n' "$W" "$K" > "$W/yes.conf"
"$KG" create -u "$U" -c "$W/yes.conf" --qr none >/dev/null

# 1. The shipped-stack trap: the PAM line says encrypt=no, the conf file
# says encrypt=yes and the key is sealed. The line wins, as in the module.
printf 'auth required pam_faillock.so preauth\nauth required pam_baro_auth.so conf=%s encrypt=no\n' "$W/yes.conf" > "$P/sshd"
run check -u "$U" --pam-dir "$P"
check "encrypt=no on the line over a sealed key: exit 1" test "$st" -eq 1
check "the module's message" has "Can't find SECURE_KEY[sealed key but encrypt=no]"
check "names the service and line" has "for: user $U, service sshd ($P/sshd line 2)"
check "remedy: unseal with the real user and path" has "baro-keygen unseal -u $U -f $F --keyfile $K"
check "remedy: or encrypt=yes on the line, which overrides the conf" has "set encrypt=yes keyfile=$K on $P/sshd line 2, which overrides the conf file"
check "never rotate for an encrypt mismatch" hasnt "rotate"
check "no literal placeholder" hasnt "-u USER"

# The same line without encrypt=: the conf file's encrypt=yes holds: OK.
printf 'auth required pam_baro_auth.so conf=%s\n' "$W/yes.conf" > "$P/sshd"
run check -u "$U" --pam-dir "$P"
check "conf file's encrypt=yes with a sealed key: exit 0" test "$st" -eq 0
check "says OK for the service" has "$F: OK for $U, service sshd ($P/sshd line 1)"

# 2. A plain key where a line says encrypt=yes: remedy seal.
printf 'secret=%s/plain/${USER}/.baro_auth\nencrypt=no\n' "$W" > "$W/no.conf"
mkdir -m 0700 "$W/plain"
"$KG" create -u "$U" -c "$W/no.conf" --qr none >/dev/null
PF=$W/plain/$U/.baro_auth
printf 'auth required pam_baro_auth.so conf=%s\n' "$W/no.conf" > "$P/sshd"
printf 'auth required pam_baro_auth.so conf=%s encrypt=yes keyfile=%s\n' "$W/no.conf" "$K" > "$P/sudo"
run check -u "$U" --pam-dir "$P"
check "plain key, encrypt=yes on one line: exit 1" test "$st" -eq 1
check "plain key: the module's message" has "Can't find SECURE_KEY[plain key but encrypt=yes]"
check "plain key: names sudo" has "for: user $U, service sudo ($P/sudo line 1)"
check "plain key: remedy seal with the real user and path" has "baro-keygen seal -u $U -f $PF --keyfile $K"
check "plain key: the other line is OK" has "$PF: OK for $U, service sshd ($P/sshd line 1)"
rm "$P/sudo"

# 3. Includes: @include, include and substack are followed; a line in
# common-auth counts for every service that includes it.
printf 'auth required pam_unix.so\nauth required pam_baro_auth.so conf=%s\n' "$W/no.conf" > "$P/common-auth"
printf '@include common-auth\n' > "$P/sudo"
printf 'auth include common-auth\n' > "$P/login"
printf 'auth substack common-auth\n' > "$P/su"
printf 'auth include su\n' > "$P/su-l"
printf '#%%PAM-1.0\n@include common-auth\n' > "$P/sudo-i"
run check -u "$U" --pam-dir "$P"
check "includes: exit 0" test "$st" -eq 0
check "includes: every service through common-auth" has "service common-auth login su su-l sudo sudo-i ($P/common-auth line 2)"

# 4. Siblings: sudo asks for a code, sudo-i (Debian's sudo -i) only for
# the password: the way around the code.
printf 'auth required pam_unix.so\n' > "$P/common-auth"
printf 'auth required pam_baro_auth.so conf=%s\n@include common-auth\n' "$W/no.conf" > "$P/sudo"
printf '@include common-auth\n' > "$P/sudo-i"
printf 'auth [success=1 default=ignore] pam_unix.so nullok\nauth requisite pam_deny.so\n' > "$P/su"
printf 'auth include su\n' > "$P/su-l"
printf '@include common-auth\n' > "$P/login"
run check -u "$U" --pam-dir "$P"
check "sudo-i without the module: exit 1" test "$st" -eq 1
check "sudo-i named, with sudo" has "warning: service sudo-i ($P/sudo-i) authenticates with a password (pam_unix.so) but not with pam_baro_auth, while sudo asks for a code"
check "sudo-i remedy" has "add \"auth required pam_baro_auth.so\" to $P/sudo-i"
check "su: no sibling uses the module, no warning" hasnt "warning: service su ("
check "su-l: no warning" hasnt "warning: service su-l ("
check "login: no warning" hasnt "warning: service login ("
printf 'auth required pam_baro_auth.so conf=%s\n@include common-auth\n' "$W/no.conf" > "$P/sudo-i"
printf 'auth required pam_baro_auth.so conf=%s\nauth required pam_unix.so\n' "$W/no.conf" > "$P/su"
run check -u "$U" --pam-dir "$P"
check "su-l follows su's include: no warning" hasnt "warning: service su-l"
check "login vs su-l: login warned" has "warning: service login ($P/login) authenticates with a password (pam_unix.so) but not with pam_baro_auth, while su-l asks for a code"
printf 'auth required pam_baro_auth.so conf=%s\n@include common-auth\n' "$W/no.conf" > "$P/login"
run check -u "$U" --pam-dir "$P"
check "every sibling asks: exit 0" test "$st" -eq 0

# 5. A line the module refuses is named; bracketed arguments and
# continued lines are read as libpam reads them.
printf 'auth required pam_baro_auth.so conf=%s bogus_option\n' "$W/no.conf" > "$P/login"
run check -u "$U" --pam-dir "$P"
check "unknown argument on a line: exit 1" test "$st" -eq 1
check "unknown argument: the module's message" has 'Unknown module argument "bogus_option"'
check "unknown argument: the line" has "for: service login ($P/login line 1)"
printf 'auth required pam_baro_auth.so \\\n  conf=%s [prompt=Code please: ]\n' "$W/no.conf" > "$P/login"
run check -u "$U" --pam-dir "$P"
check "bracketed argument and continued line: exit 0" test "$st" -eq 0

# 6. Remedies with the real user and path: a missing file, a bad mode.
rm -f "$P"/*
printf 'auth required pam_baro_auth.so conf=%s\n' "$W/no.conf" > "$P/sshd"
run check -u root --pam-dir "$P"
check "missing file: exit 1" test "$st" -eq 1
check "missing file: the module's message" has "Failed to secret file read $W/plain/root/.baro_auth"
check "missing file: remedy with the real user and path" has "remedy: baro-keygen create -u root -f $W/plain/root/.baro_auth"
chmod 0644 "$PF"
run check -u "$U" --pam-dir "$P"
check "0644: the module's message" has "Secret file $PF must only be accessible by root"
check "0644: remedy with the real path" has "remedy: chown root:root $PF; chmod 0400 $PF"
chmod 0400 "$PF"
printf 'auth required pam_baro_auth.so conf=%s nullok\n' "$W/no.conf" > "$P/sshd"
run check -u root --pam-dir "$P"
check "nullok and no file: exit 0" test "$st" -eq 0
check "nullok and no file: said" has "nullok lets root in without a code"

# The ACL's answer per service, as the module gets it.
printf 'skip : %s : ALL : sshd\n' "$U" > "$W/acl"; chmod 0444 "$W/acl"
printf 'auth required pam_baro_auth.so conf=%s acl=%s\n' "$W/no.conf" "$W/acl" > "$P/sshd"
run check -u "$U" --pam-dir "$P"
check "ACL: exit 0" test "$st" -eq 0
check "ACL skip named per service" has "$W/acl: the ACL skips the code for $U on sshd"
chmod 0666 "$W/acl"
run check -u "$U" --pam-dir "$P"
check "ACL writable by others: exit 1" test "$st" -eq 1
check "ACL writable: the module's message" has "ACL file \"$W/acl\" must only be accessible by user id root"
check "ACL writable: remedy with the real path" has "remedy: chown root:root $W/acl; chmod 0444 $W/acl"
printf 'auth required pam_baro_auth.so conf=%s nullok\n' "$W/no.conf" > "$P/sshd"

# 7. check --all reports the users without a file (a nullok roll-out).
run check --all --pam-dir "$P"
check "--all with nullok: exit 0" test "$st" -eq 0
check "--all counts the files" grep -q '^1 secret file(s) checked, 0 problem(s)$' <<<"$out"
check "--all lists root as without a file, nullok" grep -qE "user\(s\) with a login shell have no secret file for service sshd .*\(nullok: they log in without a code\): (.* )?root( |$)" <<<"$out"
check "--all does not list the user with a file" bash -c "! grep 'have no secret file' <<<'$out' | grep -qw '$U'"

# The shipped stacks (conf/pam.d) on a Debian-like pam.d: every line is
# judged OK, no sibling skips the code; Debian's own sudo-i in their place
# (the password alone: sudo -i would ask no code) is warned about. A
# relative --pam-dir is taken from the current directory.
S=$W/shipped
install -m 0755 -d "$S"
install -m 0644 "$(dirname "$0")"/../../conf/pam.d/* "$S/"
printf 'auth [success=1 default=ignore] pam_unix.so nullok\nauth requisite pam_deny.so\nauth required pam_permit.so\n' > "$S/common-auth"
printf 'auth include su\naccount include su\n' > "$S/su-l"
run check -u "$U" --pam-dir "$S" -c "$W/no.conf"
check "shipped stacks: exit 0" test "$st" -eq 0
check "shipped stacks: sudo-i asks for the code" has "$PF: OK for $U, service sudo-i ($S/sudo-i line"
check "shipped stacks: su-l through su" has "service su su-l ($S/su line"
check "shipped stacks: no warning" hasnt "warning:"
printf '#%%PAM-1.0\nsession required pam_limits.so\n@include common-auth\n@include common-account\n@include common-session\n' > "$S/sudo-i"
out=$(cd "$W" && "$KG" check -u "$U" --pam-dir shipped -c "$W/no.conf" 2>&1) && st=0 || st=$?
check "Debian's sudo-i beside the shipped sudo: exit 1" test "$st" -eq 1
check "Debian's sudo-i: warned, relative --pam-dir resolved" has "warning: service sudo-i ($S/sudo-i) authenticates with a password (pam_unix.so) but not with pam_baro_auth, while sudo asks for a code"

# 8. Without a service that loads the module, the conf file alone; a
# --pam-dir that cannot be read is a problem.
run check -u "$U" --pam-dir "$W/empty-dir-missing" -c "$W/no.conf"
check "unreadable --pam-dir: exit 1" test "$st" -eq 1
mkdir -m 0755 "$W/nopam"
run check -u "$U" --pam-dir "$W/nopam" -c "$W/no.conf"
check "no service: conf file alone, exit 0" test "$st" -eq 0
check "no service: said" has "note: no service in $W/nopam loads pam_baro_auth.so"

finish
