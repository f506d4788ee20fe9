#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# baro-keygen's fleet commands (docs/FLEET.md) against a real PostgreSQL
# 15, as a member of baro_admin, checked by logging in through libpam on a
# simulated host: fleet-create (URI and emergency codes), fleet-show,
# fleet-reset, fleet-rotate, fleet-emergency, fleet-upload of an existing
# .baro_auth (emergency hashes kept), fleet-check of a host's set-up.
# Usage: test_fleet_keygen.sh FLEET_DRIVER TEST_MODULE PROD_MODULE KEYGEN
source "$(dirname "$0")/lib.sh"
DRIVER=$1
MODULE=$2
KEYGEN=${4:?baro-keygen}
unset BARO_TEST_NOW

fl_setup_server
fl_psql pg1 baro -c "CREATE ROLE kgadmin LOGIN IN ROLE baro_admin" >/dev/null
DB="host=$FL_WORK/pg1.sock port=$FL_PORT_pg1 dbname=baro user=kgadmin"
fl_conn "$FL_WORK/a" host_a host_a
: >"$FL_WORK/empty.conf"
mkdir -p "$FL_WORK/a/pam.d"
echo "auth required $MODULE conf=$FL_WORK/empty.conf nodelay store=pgsql fleet=$FL_WORK/a/fleet.conf" \
	>"$FL_WORK/a/pam.d/fleet"

kg() { "$KEYGEN" "$@" --db "$DB" >"$FL_WORK/kg.out" 2>"$FL_WORK/kg.err"; }
login() { "$DRIVER" pam "$FL_WORK/a/pam.d" fleet "$1" "$2" 2>/dev/null | cut -d' ' -f1; }
secret_of() { sed -n 's/^otpauth:.*[?&]secret=\([A-Z2-7]*\).*/\1/p' "$FL_WORK/kg.out"; }
codes_of() { sed -n 's/^  \([0-9]\{8\}\)$/\1/p' "$FL_WORK/kg.out"; }

# --- create ---
fl_check "fleet-create: exit 0" kg fleet-create -u nobody --qr none --emergency 3 --hash SHA256 --digits 8
b32=$(secret_of)
mapfile -t codes < <(codes_of)
fl_check "fleet-create prints the otpauth URI ($(grep -o 'algorithm=[^&]*&digits=[0-9]' "$FL_WORK/kg.out"))" \
	grep -q 'algorithm=SHA256&digits=8' "$FL_WORK/kg.out"
fl_check "fleet-create prints 3 emergency codes" test "${#codes[@]}" = 3
fl_check "a code of the new key logs in on host A" \
	test "$(login nobody "$(fl_code "$b32" SHA256 8)")" = PAM_SUCCESS
fl_check "an emergency code of fleet-create logs in once" \
	test "$(login nobody "${codes[0]}")/$(login nobody "${codes[0]}")" = PAM_SUCCESS/PAM_AUTH_ERR
fl_check "fleet-create refuses an existing user without --force" \
	fl_fails kg fleet-create -u nobody --qr none
kg fleet-show -u nobody
fl_check "fleet-show: settings and state, no key ($(cat "$FL_WORK/kg.out"))" \
	bash -c "grep -q 'KEY_METHOD SHA256, DIGITS 8, CYCLE_TIME 30, WINDOW_SIZE 3, RATE_LIMIT 3 30, DISALLOW_REUSE on, 2 emergency codes left' '$FL_WORK/kg.out' && ! grep -q '$b32' '$FL_WORK/kg.out'"

# --- reset: RATE_LIMIT 3 in 30 s ---
for _ in 1 2 3; do login nobody 00000000 >/dev/null; done
fl_check "after 3 wrong codes a right one is rate-limited" \
	test "$(login nobody "$(fl_code "$b32" SHA256 8)")" = PAM_AUTH_ERR
fl_check "fleet-reset: exit 0" kg fleet-reset -u nobody
fl_check "after fleet-reset the user logs in again (a code of the next cycle)" \
	test "$(login nobody "$(oathtool --totp=SHA256 -b -d 8 -s 30s -N "@$(($(date +%s) + 30))" "$b32")")" = PAM_SUCCESS

# --- rotate ---
old=$b32
fl_check "fleet-rotate: exit 0" kg fleet-rotate -u nobody --qr none --emergency 1
b32=$(secret_of)
mapfile -t codes < <(codes_of)
fl_check "fleet-rotate keeps the options (8 digits, SHA256 in the URI)" \
	grep -q 'algorithm=SHA256&digits=8' "$FL_WORK/kg.out"
fl_check "the old key's code is refused after fleet-rotate" \
	test "$(login nobody "$(fl_code "$old" SHA256 8)")" = PAM_AUTH_ERR
fl_check "the new key's code logs in" \
	test "$(login nobody "$(fl_code "$b32" SHA256 8)")" = PAM_SUCCESS

# --- emergency (after a reset: RATE_LIMIT 3 in 30 s) ---
kg fleet-reset -u nobody
fl_check "fleet-emergency: exit 0" kg fleet-emergency -u nobody --emergency 2
mapfile -t fresh < <(codes_of)
fl_check "fleet-emergency prints 2 codes" test "${#fresh[@]}" = 2
fl_check "the rotate's emergency code was replaced" test "$(login nobody "${codes[0]}")" = PAM_AUTH_ERR
fl_check "a new emergency code logs in" test "$(login nobody "${fresh[1]}")" = PAM_SUCCESS

# --- upload an existing file ---
K=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
mkdir -m 0700 "$FL_WORK/secrets"
hash=$(python3 -c 'import base64,hmac,hashlib,sys; k=base64.b32decode(sys.argv[1]); print(hmac.new(k, sys.argv[2].encode(), hashlib.sha256).hexdigest())' $K 12345678)
printf 'SECURE_KEY %s\nCYCLE_TIME 30\nKEY_METHOD SHA1\nDIGITS 7\nDISALLOW_REUSE\nEMERGENCY_KEY %s\n' $K "$hash" >"$FL_WORK/secrets/daemon"
chmod 0400 "$FL_WORK/secrets/daemon"
fl_check "fleet-upload of daemon's .baro_auth: exit 0" \
	kg fleet-upload -u daemon -f "$FL_WORK/secrets/daemon"
fl_check "the file's key logs in through the fleet (7 digits)" \
	test "$(login daemon "$(fl_code $K SHA1 7)")" = PAM_SUCCESS
fl_check "the file's emergency code was uploaded and works once" \
	test "$(login daemon 12345678)/$(login daemon 12345678)" = PAM_SUCCESS/PAM_AUTH_ERR

# --- check a host's set-up ---
printf 'store=pgsql\nfleet=%s\nfleet_timeout=2\n' "$FL_WORK/a/fleet.conf" >"$FL_WORK/host.conf"
chmod 0644 "$FL_WORK/host.conf"
"$KEYGEN" fleet-check -c "$FL_WORK/host.conf" >"$FL_WORK/kg.out" 2>&1 && rc=0 || rc=$?
fl_check "fleet-check of host A: exit $rc ($(cat "$FL_WORK/kg.out"))" test "$rc" = 0
fl_psql pg1 baro -c "GRANT SELECT ON baro.users TO host_a" >/dev/null
"$KEYGEN" fleet-check -c "$FL_WORK/host.conf" >"$FL_WORK/kg.out" 2>&1 && rc=0 || rc=$?
fl_check "fleet-check when the host role can read keys: exit $rc, says so" \
	bash -c "[ $rc = 1 ] && grep -q 'the host role can read the key table' '$FL_WORK/kg.out'"
fl_psql pg1 baro -c "REVOKE SELECT ON baro.users FROM host_a" >/dev/null
chmod 0644 "$FL_WORK/a/client.key"
"$KEYGEN" fleet-check -c "$FL_WORK/host.conf" >"$FL_WORK/kg.out" 2>&1 && rc=0 || rc=$?
fl_check "fleet-check with a client key readable by others: exit $rc, says so" \
	bash -c "[ $rc = 1 ] && grep -q 'client.key must only be accessible by root' '$FL_WORK/kg.out'"

fl_done
