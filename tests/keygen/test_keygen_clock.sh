#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The clock tools, with the injected clock (BARO_TEST_NOW) of the test
# builds: verify tells whether a code is right now, used, an emergency
# code, or the code of another time and how far the phone's clock is off,
# and changes nothing; show prints the server's time, the clock's
# synchronisation and the current cycle.
# Usage: test_keygen_clock.sh BARO_KEYGEN_TEST BARO_DEMO TEST_MODULE
set -euo pipefail

KG=$(readlink -f "$1") DEMO=$(readlink -f "$2") MODULE=$(readlink -f "$3")
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
# shellcheck source=tests/keygen/lib.sh
. "$(dirname "$0")/lib.sh"
W=$(mktemp -d /tmp/baro-kgclk.XXXXXX)
trap 'rm -rf "$W"' EXIT
U=nobody
T=1700000000
code_at() { oathtool --totp -b "$1" -N "@$2"; }
mkdir -m 0755 "$W/pam.d"
: > "$W/empty.conf"
login() { "$DEMO" -d "$W/pam.d" -s kg -u "$U" --code "$1" >/dev/null 2>&1; }

F=$W/c/.baro_auth
mkdir -m 0700 "$W/c"
"$KG" create -u "$U" -f "$F" --qr none >"$W/out"
key=$(sed -n 's/^otpauth:.*[?&]secret=\([A-Z2-7]*\).*/\1/p' "$W/out")
ecode=$(sed -n '/^Emergency codes/{n;s/^ *//;p;q}' "$W/out")
echo "auth required $MODULE conf=$W/empty.conf secret=$F encrypt=no" > "$W/pam.d/kg"
export BARO_TEST_NOW=$T
sum=$(sha256sum "$F")

# 1. verify: right now, in the window, far off (and how far), wrong.
run verify -u "$U" -f "$F" "$(code_at "$key" $T)"
check "code of now: exit 0" test "$st" -eq 0
check "code of now: said" has "right now: the code of cycle 56666666 (offset +0 in the window of 3)"
run verify -u "$U" -f "$F" "$(code_at "$key" $((T - 30)))"
check "previous cycle: exit 0, offset -1" test "$st" -eq 0 -a -n "$(grep -F 'offset -1 in the window of 3' <<<"$out")"
run verify -u "$U" -f "$F" "$(code_at "$key" $((T - 150)))"
check "2 min 30 s behind: exit 1" test "$st" -eq 1
check "2 min 30 s behind: said" has "the phone is 2 min 30 s behind the server"
run verify -u "$U" -f "$F" "$(code_at "$key" $((T + 3600)))"
check "1 h ahead: said" has "the phone is 1 h ahead of the server"
run verify -u "$U" -f "$F" "$(code_at "$key" $((T - 11 * 3600 - 300)))"
check "11 h 5 min behind: said" has "the phone is 11 h 5 min behind the server"
codes=$(oathtool --totp -b "$key" -N "@$((T - 43200 - 30))" -w 2882)
for c in $(seq -w 100000 100100); do grep -qx "$c" <<<"$codes" || { wrong=$c; break; }; done
run verify -u "$U" -f "$F" "$wrong"
check "a code of no time within 12 h: exit 1" test "$st" -eq 1
check "a code of no time: said" has "wrong: the code matches no time within 12 h"
run verify -u "$U" -f "$F" "12ab56"
check "not digits: exit 1" test "$st" -eq 1 -a -n "$(grep -F 'is not a code of digits' <<<"$out")"
run verify -u "$U" -f "$F" "$ecode"
check "unused emergency code: exit 0" test "$st" -eq 0
check "unused emergency code: said" has "an unused emergency code: the module accepts it once."
check "verify changes nothing in the file" test "$(sha256sum "$F")" = "$sum"
check "the emergency code still works after verify" login "$ecode"

# 2. The module's own verdict: a used code, and the rate limit.
now_code=$(code_at "$key" $T)
check "a login with the code of now" login "$now_code"
run verify -u "$U" -f "$F" "$now_code"
check "used code: exit 1" test "$st" -eq 1
check "used code: said" has "right code, but already used (DISALLOW_REUSE): the module refuses it"
export BARO_TEST_NOW=$((T + 60))
login 000000 || true; login 000000 || true; login 000000 || true
run verify -u "$U" -f "$F" "$(code_at "$key" $((T + 60)))"
check "rate limit reached: exit 1" test "$st" -eq 1
check "rate limit reached: said" has "the module refuses every code now: RATE_LIMIT 3 per 30 s is reached"
check "rate limit reached: the code itself is right" has "right now: the code of cycle 56666668"

# 3. show: the server's time, the clock's synchronisation, the cycle.
export BARO_TEST_NOW=$T
run show -u "$U" -f "$F"
check "show: exit 0" test "$st" -eq 0
check "show: server time" has "server time:    2023-11-14 22:13:20 UTC (1700000000)"
check "show: synchronisation" grep -qE '^clock synchronised: (yes \(estimated error [0-9]+ us\)|no \(check NTP|unknown)' <<<"$out"
check "show: cycle and seconds left" has "current cycle:  56666666, 10 s left"
check "show: never the key" bash -c "! grep -q '$key' <<<'$out'"

finish
