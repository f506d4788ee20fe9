#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# baro-keygen end to end, as root, in a private directory: the files it
# writes log in through the built module (libpam, pam_start_confdir) with
# codes that oathtool computes from the printed URI.
# Usage: test_keygen.sh BARO_KEYGEN BARO_DEMO TEST_MODULE
set -euo pipefail

KG=$(readlink -f "$1") DEMO=$(readlink -f "$2") MODULE=$(readlink -f "$3")
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
W=$(mktemp -d /tmp/baro-kg.XXXXXX)
MNT=
cleanup() {
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -m 0755 "$W/pam.d"
U=nobody
T=1700000000
export BARO_TEST_NOW=$T
fails=0
ok()   { echo "ok   - $*"; }
bad()  { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

service() { # service ARGS...: the test module alone
	echo "auth required $MODULE conf=$W/empty.conf $*" > "$W/pam.d/kg"
}
: > "$W/empty.conf"
login() { # login CODE: exit status of one libpam login as $U
	"$DEMO" -d "$W/pam.d" -s kg -u "$U" --code "$1" >/dev/null
}
uri_secret() { sed -n 's/^otpauth:.*[?&]secret=\([A-Z2-7]*\).*/\1/p' "$1"; }
refused() { ! login "$1"; }
key_bytes() { echo $(( ${#1} * 5 / 8 )); }
code_at() { oathtool --totp="$1" -d "${3:-6}" -N "@$4" -b "$2"; }

# 1. create → login with an oathtool code, for each hash.
for h in SHA1 SHA256 SHA512; do
	f=$W/s-$h/$U/.baro_auth
	mkdir -m 0700 "$W/s-$h"
	"$KG" create -u "$U" -f "$f" --hash "$h" --qr none --issuer "Test Co" >"$W/out-$h"
	key=$(uri_secret "$W/out-$h")
	service secret="$f" encrypt=no
	check "create $h: right oathtool code logs in" login "$(code_at "$h" "$key" 6 $T)"
	check "create $h: wrong code refused" refused 000000
	case $h in SHA1) n=20;; SHA256) n=32;; SHA512) n=64;; esac
	check "create $h: key of $n bytes" test "$(key_bytes "$key")" -eq $n
done
f=$W/s-SHA1/$U/.baro_auth
check "URI labels percent-encoded" grep -q '^otpauth://totp/Test%20Co:nobody?secret=' "$W/out-SHA1"
check "file is 0400 root" test "$(stat -c '%a %u %g' "$f")" = "400 0 0"
check "directory is 0700 root" test "$(stat -c '%a %u' "$(dirname "$f")")" = "700 0"

# 2. refuse to overwrite; --force replaces.
sum=$(sha256sum "$f")
check "create refuses to overwrite" bash -c "! '$KG' create -u $U -f '$f' --qr none >/dev/null 2>&1"
check "refused create leaves the file" test "$(sha256sum "$f")" = "$sum"
"$KG" create -u "$U" -f "$f" --qr none --force >"$W/out-force"
check "--force replaces the key" test "$(sha256sum "$f")" != "$sum"
key=$(uri_secret "$W/out-force")

# 3. QR carries exactly the URI.
"$KG" create -u "$U" -f "$W/qr/$U/.baro_auth" --qr none --qr-file "$W/q.pbm" >"$W/out-qr" 2>/dev/null || mkdir -m 0700 "$W/qr"
[ -f "$W/q.pbm" ] || "$KG" create -u "$U" -f "$W/qr/$U/.baro_auth" --qr none --qr-file "$W/q.pbm" >"$W/out-qr"
check "QR decodes to the URI" test "$(zbarimg --raw -q "$W/q.pbm" 2>/dev/null | head -n1)" = "$(head -n1 "$W/out-qr")"

# 4. show never prints the key.
"$KG" show -u "$U" -f "$f" >"$W/show" 2>&1
check "show prints the settings" grep -q 'key method:     SHA1' "$W/show"
check "show never prints the key" bash -c "! grep -q '$key' '$W/show'"

# 5. emergency codes work once.
service secret="$f" encrypt=no
ecode=$(sed -n '/^Emergency codes/{n;s/^ *//;p;q}' "$W/out-force")
check "emergency code works" login "$ecode"
check "emergency code works only once" refused $ecode

# 6. reset clears what locks the user out (the RATE_LIMIT attempts), as
# faillock --reset does, and keeps the DISALLOW_REUSE history.
export BARO_TEST_NOW=$((T + 300))
c300=$(code_at SHA1 "$key" 6 $((T + 300)))
login "$c300"
check "a login records state" grep -qE '^DISALLOW_REUSE [0-9]+' "$f"
check "a login records the attempt" grep -qE '^RATE_LIMIT 3 30 [0-9]+' "$f"
"$KG" reset -u "$U" -f "$f" >"$W/out-reset"
check "reset clears RATE_LIMIT timestamps" grep -qx 'RATE_LIMIT 3 30' "$f"
check "reset keeps the DISALLOW_REUSE cycles" grep -qE '^DISALLOW_REUSE [0-9]+' "$f"
check "reset says what it cleared and kept" grep -qF "$f: RATE_LIMIT attempts of $U cleared; the DISALLOW_REUSE history is kept" "$W/out-reset"
check "after reset the used code is still refused" refused "$c300"

# 7. rotate invalidates the old key and keeps the options.
"$KG" rotate -u "$U" -f "$f" --qr none >"$W/out-rot"
new=$(uri_secret "$W/out-rot")
export BARO_TEST_NOW=$((T + 600))
check "rotate: old key refused" refused "$(code_at SHA1 "$key" 6 $((T + 600)))"
check "rotate: new key logs in" login "$(code_at SHA1 "$new" 6 $((T + 600)))"
check "rotate keeps the options" grep -qE '^RATE_LIMIT 3 30( |$)' "$f"

# 8. check: a good host passes, each broken case fails with its message.
# check reads the conf file and a pam.d directory as the module would: a
# private empty one here, and a conf file that says encrypt=no.
mkdir -m 0755 "$W/pam-none"
printf 'encrypt=no\n' > "$W/plain.conf"
CK=(-c "$W/plain.conf" --pam-dir "$W/pam-none")
check "check passes a good file" "$KG" check -u "$U" -f "$f" "${CK[@]}"
chmod 0644 "$f"
out=$("$KG" check -u "$U" -f "$f" "${CK[@]}" 2>&1) && bad "check 0644 exits 1" || ok "check 0644 exits 1"
check "check 0644 names the §7 message" grep -qF "Secret file $f must only be accessible by root" <<<"$out"
chmod 0400 "$f"; chown 1:1 "$f"
out=$("$KG" check -u "$U" -f "$f" "${CK[@]}" 2>&1) && bad "check wrong owner exits 1" || ok "check wrong owner exits 1"
chown 0:0 "$f"
printf 'SECURE_KEY !!!\nCYCLE_TIME 30\n' > "$W/badc"; chmod 0400 "$W/badc"
out=$("$KG" check -u "$U" -f "$W/badc" "${CK[@]}" 2>&1) && bad "check bad contents exits 1" || ok "check bad contents exits 1"
check "check bad contents message" grep -qF "Invalid file contents in $W/badc" <<<"$out"
printf 'secret=%s\nencrypt=no\nacl=%s/missing_acl\n' "$f" "$W" > "$W/acl.conf"
out=$("$KG" check -u "$U" -c "$W/acl.conf" --pam-dir "$W/pam-none" 2>&1) && bad "check missing ACL exits 1" || ok "check missing ACL exits 1"
check "check missing ACL message" grep -qF "Failed to acl file read \"$W/missing_acl\"" <<<"$out"

# check --all: every user with a file under the conf's template.
mkdir -m 0700 "$W/all"
printf 'secret=%s/all/${USER}/.baro_auth\nencrypt=no\n' "$W" > "$W/all.conf"
"$KG" create -u "$U" -c "$W/all.conf" --qr none >/dev/null
"$KG" create -u root -c "$W/all.conf" --qr none >/dev/null
out=$("$KG" check --all -c "$W/all.conf" --pam-dir "$W/pam-none" 2>&1) && st=0 || st=$?
check "check --all passes good files" test "$st" -eq 0
check "check --all counts both users" grep -q '^2 secret file(s) checked, 0 problem(s)$' <<<"$out"
chmod 0644 "$W/all/root/.baro_auth"
out=$("$KG" check --all -c "$W/all.conf" --pam-dir "$W/pam-none" 2>&1) && st=0 || st=$?
check "check --all fails on one bad file" test "$st" -eq 1
check "check --all names the bad file" grep -qF "Secret file $W/all/root/.baro_auth must only be accessible by root" <<<"$out"

# 9. bad input.
out=$("$KG" create -u no-such-user-baro -f "$W/x/.baro_auth" --qr none 2>&1) && st=0 || st=$?
check "unknown user exits 1" test "$st" -eq 1
check "unknown user message" grep -qF "Cannot look up user id no-such-user-baro" <<<"$out"
"$KG" create -u "$U" -f "$W/y/.baro_auth" --cycle 10 >/dev/null 2>&1 && st=0 || st=$?
check "bad number exits 2 (usage)" test "$st" -eq 2
mkdir -m 0777 "$W/open"
"$KG" create -u "$U" -f "$W/open/$U/.baro_auth" --qr none >/dev/null 2>&1 && st=0 || st=$?
check "unsafe directory refused" test "$st" -eq 1
check "nothing written under an unsafe directory" test ! -e "$W/open/$U"
if unshare --mount true 2>/dev/null; then
	mkdir -m 0700 "$W/full"
	MNT=$W/full
	mount -t tmpfs -o size=16k,mode=0700 tmpfs "$MNT"
	dd if=/dev/zero of="$MNT/fill" bs=4k count=100 2>/dev/null || true
	"$KG" create -u "$U" -f "$MNT/.baro_auth" --qr none >/dev/null 2>&1 && st=0 || st=$?
	check "disk full: non-zero exit" test "$st" -ne 0
	check "disk full: no partial file" test -z "$(ls -A "$MNT" | grep -v '^fill$' | grep -v '\.lock$')"
	umount "$MNT"; MNT=
fi

# 10. import of a google-authenticator file (16-byte key, as Debian's
# google-authenticator writes them), scratch codes as emergency codes.
gkey=GEZDGNBVGY3TQOJQGEZDGNBVGY
printf '%s\n" RATE_LIMIT 3 30 1699999990\n" WINDOW_SIZE 17\n" DISALLOW_REUSE 56666665\n" TOTP_AUTH\n12345678\n87654321\n' \
	"$gkey" > "$W/google"
mkdir -m 0700 "$W/imp"
check "import succeeds" "$KG" import -u "$U" --from "$W/google" -f "$W/imp/.baro_auth"
check "import keeps WINDOW_SIZE" grep -qx 'WINDOW_SIZE 17' "$W/imp/.baro_auth"
check "import keeps RATE_LIMIT" grep -qx 'RATE_LIMIT 3 30' "$W/imp/.baro_auth"
check "import: 2 emergency keys" test "$(grep -c '^EMERGENCY_KEY ' "$W/imp/.baro_auth")" -eq 2
service secret="$W/imp/.baro_auth" encrypt=no
export BARO_TEST_NOW=$((T + 900))
check "imported key accepts google's codes" login "$(code_at SHA1 "$gkey" 6 $((T + 900)))"
check "scratch code works as emergency code" login 87654321
check "scratch code works only once" refused 87654321
printf '%s\n" HOTP_COUNTER 1\n' "$gkey" > "$W/google-hotp"
check "HOTP file refused" bash -c "! '$KG' import -u $U --from '$W/google-hotp' -f '$W/imp/h' 2>/dev/null"
check "nothing written for a refused import" test ! -e "$W/imp/h"
printf 'JBSWY3DPEHPK3PXP\n" TOTP_AUTH\n' > "$W/google-short"
check "10-byte key refused" bash -c "! '$KG' import -u $U --from '$W/google-short' -f '$W/imp/s' 2>/dev/null"

# 11. host key and encrypt=yes.
mkdir -m 0700 "$W/hk"
check "hostkey created" "$KG" hostkey --keyfile "$W/hk/host.key"
check "hostkey is 0400 root, 64 hex" bash -c "test \"\$(stat -c '%a %u' '$W/hk/host.key')\" = '400 0' && grep -qxE '[0-9a-f]{64}' '$W/hk/host.key'"
check "hostkey refuses to overwrite" bash -c "! '$KG' hostkey --keyfile '$W/hk/host.key' 2>/dev/null"
mkdir -m 0700 "$W/enc"
"$KG" create -u "$U" -f "$W/enc/.baro_auth" --encrypt --keyfile "$W/hk/host.key" --qr none >"$W/out-enc"
check "sealed key written" grep -q '^SECURE_KEY enc:v1:' "$W/enc/.baro_auth"
ekey=$(uri_secret "$W/out-enc")
service secret="$W/enc/.baro_auth" encrypt=yes keyfile="$W/hk/host.key"
export BARO_TEST_NOW=$T
check "encrypt=yes: the URI's code logs in" login "$(code_at SHA1 "$ekey" 6 $T)"

# 12. seal / unseal / reseal keep the codes.
mkdir -m 0700 "$W/rs"
"$KG" create -u "$U" -f "$W/rs/.baro_auth" --qr none --no-disallow-reuse --no-rate-limit >"$W/out-rs"
rkey=$(uri_secret "$W/out-rs")
check "seal" "$KG" seal -u "$U" -f "$W/rs/.baro_auth" --keyfile "$W/hk/host.key"
check "sealed after seal" grep -q '^SECURE_KEY enc:v1:' "$W/rs/.baro_auth"
service secret="$W/rs/.baro_auth" encrypt=yes keyfile="$W/hk/host.key"
check "sealed file keeps the codes" login "$(code_at SHA1 "$rkey" 6 $T)"
"$KG" hostkey --keyfile "$W/hk/new.key" >/dev/null
check "reseal under a new host key" "$KG" reseal -u "$U" -f "$W/rs/.baro_auth" --keyfile "$W/hk/host.key" --new-keyfile "$W/hk/new.key"
check "old host key no longer opens it" refused "$(code_at SHA1 "$rkey" 6 $T)"
service secret="$W/rs/.baro_auth" encrypt=yes keyfile="$W/hk/new.key"
check "new host key opens it, same codes" login "$(code_at SHA1 "$rkey" 6 $T)"
check "unseal" "$KG" unseal -u "$U" -f "$W/rs/.baro_auth" --keyfile "$W/hk/new.key"
check "plain key after unseal" grep -qx "SECURE_KEY $rkey" "$W/rs/.baro_auth"
service secret="$W/rs/.baro_auth" encrypt=no
check "unsealed file keeps the codes" login "$(code_at SHA1 "$rkey" 6 $T)"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
