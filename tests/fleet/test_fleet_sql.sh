#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The server side of the fleet store (sql/, DESIGN.md §11) on a real
# PostgreSQL 15: it installs with psql -f and a second run applies nothing;
# its TOTP agrees with the C core and with oathtool for every hash and
# digit count, including the RFC 6238 vectors; a host role may execute
# baro.verify() and nothing else, in particular not read the keys.
# Usage: test_fleet_sql.sh FLEET_DRIVER TEST_MODULE PROD_MODULE
source "$(dirname "$0")/lib.sh"
DRIVER=$1

fl_setup_server

# --- installation ---
fl_check "a second run of baro_fleet.sql applies nothing" \
	fl_psql pg1 baro -f "$FL_SRC/sql/baro_fleet.sql"
fl_check "schema_version records migration 1 once" \
	test "$(fl_psql pg1 baro -c 'SELECT string_agg(version::text, $$,$$) FROM baro.schema_version')" = 1

# --- TOTP: SQL = C core = oathtool ---
seed1=3132333435363738393031323334353637383930
seed32=${seed1}${seed1:0:24}
seed64=${seed1}${seed1}${seed1}${seed1:0:8}
declare -A rfc_key=([SHA1]=$seed1 [SHA256]=$seed32 [SHA512]=$seed64)
# RFC 6238 appendix B: time, then the SHA1, SHA256, SHA512 codes.
rfc_vectors=(
	"59 94287082 46119246 90693936"
	"1111111109 07081804 68084774 25091201"
	"1111111111 14050471 67062674 99943326"
	"1234567890 89005924 91819424 93441116"
	"2000000000 69279037 90698825 38618901"
	"20000000000 65353130 77737706 47863826"
)
for v in "${rfc_vectors[@]}"; do
	read -r t c1 c256 c512 <<<"$v"
	declare -A want=([SHA1]=$c1 [SHA256]=$c256 [SHA512]=$c512)
	for h in SHA1 SHA256 SHA512; do
		got=$(fl_psql pg1 baro -c "SELECT baro.totp('\\x${rfc_key[$h]}', '$h', 8, $t / 30)")
		fl_check "RFC 6238 $h T=$t: SQL $got = $((10#${want[$h]})) (RFC)" \
			test "$got" = "${want[$h]}"
	done
done

mismatch=0
compared=0
for h in SHA1 SHA256 SHA512; do
	for len in 16 20 32 64; do
		key=$(openssl rand -hex "$len")
		for d in 6 7 8; do
			for t in 0 59 1111111109 1700000000 $(date +%s) 4102444800; do
				c=$((t / 30))
				sql=$(fl_psql pg1 baro -c "SELECT baro.totp('\\x$key', '$h', $d, $c)")
				core=$("$DRIVER" totp "$key" "$h" "$d" "$c")
				ref=$(oathtool --totp="$h" -d "$d" -s 30s -N "@$t" "$key")
				compared=$((compared + 1))
				if [ "$sql" != "$core" ] || [ "$sql" != "$ref" ]; then
					echo "# $h key=$len B digits=$d t=$t: SQL $sql core $core oathtool $ref"
					mismatch=$((mismatch + 1))
				fi
			done
		done
	done
done
fl_check "SQL TOTP = C core = oathtool in $compared cases (3 hashes x 4 key sizes x 6/7/8 digits x 6 times)" \
	test "$mismatch" = 0

# --- what a host may do ---
as_host() { fl_psql pg1 baro -c "SET ROLE host_a" -c "$1" 2>&1; }
fl_user alice GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
for q in "SELECT key FROM baro.users" "SELECT * FROM baro.emergency" \
	"SELECT * FROM baro.audit" "SELECT * FROM baro.used_cycles" \
	"DELETE FROM baro.attempts" "UPDATE baro.users SET digits = 6" \
	"SELECT baro.user_key('alice')" "SELECT * FROM baro.user_show(NULL)" \
	"SELECT baro.user_reset('alice')" "SELECT baro.totp('\\x00', 'SHA1', 6, 1)" \
	"SELECT baro_crypto.digest('x', 'sha1')" \
	"CREATE TABLE baro.mine (x int)"; do
	out=$(as_host "$q" || true)
	fl_check "host role refused: $q" grep -q "permission denied" <<<"$out"
done
out=$(as_host "SELECT verdict FROM baro.verify('alice', '000000', false, 'h', 's', '')")
fl_check "host role may execute baro.verify()" test "$out" = wrong
fl_check "baro.verify() pins its search_path" \
	grep -q 'search_path=pg_catalog, baro, pg_temp' \
	<<<"$(fl_psql pg1 baro -c "SELECT proconfig FROM pg_proc WHERE proname = 'verify'")"
fl_check "baro.verify() runs as the NOLOGIN owner" \
	test "$(fl_psql pg1 baro -c "SELECT r.rolname || ':' || r.rolcanlogin || ':' || p.prosecdef FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner WHERE proname = 'verify'")" = "baro_owner:false:true"

# --- the admin functions ---
as_admin() { fl_psql pg1 baro -c "SET ROLE baro_admin" -c "$1"; }
fl_check "admin creates a user" \
	as_admin "SELECT baro.user_put('bob', '\\x$(openssl rand -hex 20)', 'SHA256', 8, 60, 5, 3, 30, true, false)"
fl_check "admin cannot create it twice without replace" \
	fl_fails as_admin "SELECT baro.user_put('bob', '\\x$(openssl rand -hex 20)', 'SHA1', 6, 30, 3, NULL, NULL, false, false)"
fl_check "admin adds emergency codes" \
	as_admin "SELECT baro.emergency_put('bob', ARRAY['\\x$(openssl rand -hex 32)'::bytea, '\\x$(openssl rand -hex 32)'::bytea], false)"
show=$(as_admin "SELECT method, digits, cycle, window_size, rate_count, emergency_left FROM baro.user_show('bob')")
fl_check "admin shows the settings, not the key ($show)" test "$show" = "SHA256|8|60|5|3|2"
rotated=$(as_admin "SELECT baro.user_rotate('bob', '\\x$(openssl rand -hex 20)')")
shown=$(as_admin "SELECT method, digits, emergency_left FROM baro.user_show('bob')")
fl_check "admin rotates the key ($rotated): options kept, emergency codes gone ($shown)" \
	test "$rotated $shown" = "t SHA256|8|0"
fl_check "admin cannot read the key table directly" \
	fl_fails as_admin "SELECT key FROM baro.users"

fl_done
