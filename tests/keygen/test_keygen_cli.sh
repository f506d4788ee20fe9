#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# baro-keygen's command line: the command table refuses unknown, misplaced
# and missing options up front (exit 2, the usage line, nothing written),
# every command says it needs root when run without it, and the
# provisioning details (rotate --key-bytes, parent directories, QR images,
# seal's report, import's source file). Private directories only.
# Usage: test_keygen_cli.sh BARO_KEYGEN
set -euo pipefail

KG=$(readlink -f "$1")
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
# shellcheck source=tests/keygen/lib.sh
. "$(dirname "$0")/lib.sh"
W=$(mktemp -d /tmp/baro-kgcli.XXXXXX)
trap 'rm -rf "$W"' EXIT
U=nobody
uri_secret() { sed -n 's/^otpauth:.*[?&]secret=\([A-Z2-7]*\).*/\1/p' <<<"$1"; }
key_bytes() { echo $(( ${#1} * 5 / 8 )); }

# 1. The command table: usage errors are exit 2 with the command's usage
# line, before any work.
run show -u "$U" -f "$W/x" --hash SHA256
check "misplaced option: exit 2" test "$st" -eq 2
check "misplaced option: named" grep -qF "show does not take --hash" <<<"$out"
check "misplaced option: the command's usage line" grep -q '^usage: baro-keygen show -u USER' <<<"$out"
run create -u "$U" -f "$W/m/.baro_auth" --qr none --from "$W/g"
check "misplaced option on create: exit 2" test "$st" -eq 2
check "misplaced option on create: nothing written" test ! -e "$W/m"
run create -u "$U" -f "$W/m/.baro_auth" --bogus
check "unknown option: exit 2" test "$st" -eq 2
check "unknown option: usage line" grep -q '^usage: baro-keygen create' <<<"$out"
run frobnicate -u "$U"
check "unknown command: exit 2" test "$st" -eq 2
check "unknown command: named" grep -qF 'unknown command "frobnicate"' <<<"$out"
run --help
check "--help: exit 0 with every command's usage" test "$st" -eq 0 -a "$(grep -c ' baro-keygen ' <<<"$out")" -ge 12
run verify --help
check "verify --help: exit 0, its usage line" test "$st" -eq 0 -a "$out" = "usage: baro-keygen verify -u USER [-f PATH | -c CONF] [--keyfile PATH] CODE"
run reseal -u "$U" -f "$W/x" --keyfile "$W/k"
check "missing required option: exit 2" test "$st" -eq 2
check "missing required option: named" grep -qF "reseal needs --new-keyfile" <<<"$out"
run show -f "$W/x"
check "missing -u: exit 2" test "$st" -eq 2
run check
check "check without -u or --all: exit 2" test "$st" -eq 2
run check -u "$U" --all
check "check with -u and --all: exit 2" test "$st" -eq 2
run show -u "$U" -f "$W/x" -c "$W/c"
check "-f and -c together: exit 2" test "$st" -eq 2
run show -u "$U" -f "$W/x" extra
check "stray argument: exit 2" test "$st" -eq 2
run verify -u "$U" -f "$W/x"
check "verify without CODE: exit 2" test "$st" -eq 2
run create -u "$U" -f "$W/m/.baro_auth" --qr none --rate-limit 3,30 --no-rate-limit
check "--rate-limit with --no-rate-limit: exit 2" test "$st" -eq 2
run create -u "$U" -f "$W/m/.baro_auth" --qr-file "$W/q.jpg"
check "--qr-file of another format: exit 2" test "$st" -eq 2
check "--qr-file of another format: named" grep -qF -- "--qr-file must end in .png or .pbm" <<<"$out"
check "--qr-file refused: no secret file written" test ! -e "$W/m"

# 2. Without root every command says so first (exit 1) and does nothing.
install -m 0755 -d "$W/bin"
install -m 0755 "$KG" "$W/bin/baro-keygen"
asuser() { setpriv --reuid=65534 --regid=65534 --clear-groups "$W/bin/baro-keygen" "$@" 2>&1; }
for args in "create -u $U -f $W/nr/.baro_auth --qr none" "rotate -u $U -f $W/nr/f" \
	"emergency -u $U -f $W/nr/f" "reset -u $U -f $W/nr/f" "show -u $U -f $W/nr/f" \
	"verify -u $U -f $W/nr/f 123456" "check -u $U" "check --all" "seal -u $U -f $W/nr/f" \
	"unseal -u $U -f $W/nr/f" "reseal -u $U -f $W/nr/f --keyfile $W/a --new-keyfile $W/b" \
	"import -u $U --from $W/g -f $W/nr/f" "hostkey --keyfile $W/nr/k"; do
	# shellcheck disable=SC2086
	o=$(asuser $args) && s=0 || s=$?
	name=${args%% *}
	check "$name as non-root: exit 1" test "$s" -eq 1
	check "$name as non-root: says it needs root, first" \
		test "$(head -n1 <<<"$o")" = "baro-keygen: $name needs root: the files it reads and writes are root's only"
done
check "non-root: nothing written" test ! -e "$W/nr"

# 3. rotate --key-bytes is honoured (it used to be ignored).
mkdir -m 0700 "$W/rot"
"$KG" create -u "$U" -f "$W/rot/.baro_auth" --qr none >"$W/out-c"
check "create SHA1: 20-byte key" test "$(key_bytes "$(uri_secret "$(cat "$W/out-c")")")" -eq 20
"$KG" rotate -u "$U" -f "$W/rot/.baro_auth" --qr none --key-bytes 32 >"$W/out-r"
check "rotate --key-bytes 32: 32-byte key" test "$(key_bytes "$(uri_secret "$(cat "$W/out-r")")")" -eq 32
"$KG" rotate -u "$U" -f "$W/rot/.baro_auth" --qr none >"$W/out-r2"
check "rotate without --key-bytes: the method's default" test "$(key_bytes "$(uri_secret "$(cat "$W/out-r2")")")" -eq 20

# 4. create and hostkey make the missing directories: root's, the last
# 0700, the ones above 0755.
printf 'secret=%s/var/lib/baropam/${USER}/.baro_auth\nencrypt=no\n' "$W" >"$W/deep.conf"
run create -u "$U" -c "$W/deep.conf" --qr none
check "create into missing directories: exit 0" test "$st" -eq 0
check "per-user directory made 0700 root" test "$(stat -c '%a %u' "$W/var/lib/baropam/$U")" = "700 0"
check "directories above made 0755 root" test "$(stat -c '%a %u' "$W/var/lib/baropam") $(stat -c '%a %u' "$W/var/lib")" = "755 0 755 0"
check "file written" test "$(stat -c '%a %u' "$W/var/lib/baropam/$U/.baro_auth")" = "400 0"
run hostkey --keyfile "$W/etc/baropam/host.key"
check "hostkey into a missing directory: exit 0" test "$st" -eq 0
check "hostkey directory made 0700 root" test "$(stat -c '%a %u' "$W/etc/baropam") $(stat -c '%a' "$W/etc")" = "700 0 755"
mkdir -m 0777 "$W/open"
run hostkey --keyfile "$W/open/sub/host.key"
check "no directory made under an unsafe one" test "$st" -eq 1 -a ! -e "$W/open/sub"

# 5. QR images: PNG (libpng) for .png, PBM for .pbm; both decode to the URI.
mkdir -m 0700 "$W/qr"
"$KG" create -u "$U" -f "$W/qr/a" --qr none --qr-file "$W/q.png" >"$W/out-png"
check "PNG written" test "$(head -c 8 "$W/q.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a"
check "PNG decodes to the URI" test "$(zbarimg --raw -q "$W/q.png" 2>/dev/null | head -n1)" = "$(head -n1 "$W/out-png")"
"$KG" create -u "$U" -f "$W/qr/b" --qr none --qr-file "$W/q.pbm" >"$W/out-pbm"
check "PBM written" test "$(head -n1 "$W/q.pbm")" = "P1"
check "PBM decodes to the URI" test "$(zbarimg --raw -q "$W/q.pbm" 2>/dev/null | head -n1)" = "$(head -n1 "$W/out-pbm")"

# 6. seal says what it did.
"$KG" hostkey --keyfile "$W/hk.key" >/dev/null
run seal -u "$U" -f "$W/qr/a" --keyfile "$W/hk.key"
check "seal: exit 0" test "$st" -eq 0
check "seal says what it did" grep -qF "$W/qr/a: the key of $U is sealed under $W/hk.key; the codes do not change." <<<"$out"
check "seal names the setting the module needs" grep -qF "encrypt=yes keyfile=$W/hk.key" <<<"$out"
run unseal -u "$U" -f "$W/qr/a" --keyfile "$W/hk.key"
check "unseal says what it did" grep -qF "$W/qr/a: the key of $U is plain base32 again" <<<"$out"

# 7. import: the source file is left in place (and said so) unless
# --remove-source; read as the user's file, never through a link.
gkey=GEZDGNBVGY3TQOJQGEZDGNBVGY
mkdir -m 0755 "$W/home"
printf '%s\n" TOTP_AUTH\n12345678\n' "$gkey" >"$W/home/ga"
chmod 0400 "$W/home/ga"; chown 65534 "$W/home/ga"
mkdir -m 0700 "$W/imp"
run import -u "$U" --from "$W/home/ga" -f "$W/imp/a"
check "import: exit 0" test "$st" -eq 0
check "import says the source is left in place" grep -qF "$W/home/ga is left in place: it still holds the key and the scratch codes." <<<"$out"
check "import leaves the source" test -e "$W/home/ga"
run import -u "$U" --from "$W/home/ga" -f "$W/imp/b" --remove-source
check "import --remove-source: exit 0" test "$st" -eq 0
check "import --remove-source removes it" test ! -e "$W/home/ga"
check "import --remove-source says so" grep -qxF "removed $W/home/ga" <<<"$out"
printf '%s\n" TOTP_AUTH\n' "$gkey" >"$W/home/other"
chown 1 "$W/home/other"
run import -u "$U" --from "$W/home/other" -f "$W/imp/c"
check "import of another user's file refused" test "$st" -eq 1 -a ! -e "$W/imp/c"
check "import names the owner problem" grep -qF "not owned by the user or root" <<<"$out"
printf '%s\n" TOTP_AUTH\n' "$gkey" >"$W/home/real"
ln -s "$W/home/real" "$W/home/link"
run import -u "$U" --from "$W/home/link" -f "$W/imp/d"
check "import through a symlink refused" test "$st" -eq 1 -a ! -e "$W/imp/d"

finish
