#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# store=pgsql through libpam (DESIGN.md §11): two simulated hosts (two PAM
# configuration directories, two client certificates) against one real
# PostgreSQL 15. A code accepted on A is refused on B; 20 concurrent
# logins with one code give exactly one success; RATE_LIMIT 3 across both
# hosts evaluates exactly 3 codes; an emergency code works once
# fleet-wide; fleet_offline=local falls back only when nothing was sent and
# refuses emergency codes there; a host with store=file never maps libpq.
# The server's clock decides: codes are computed by oathtool for now.
# Usage: test_fleet_pam.sh FLEET_DRIVER TEST_MODULE PROD_MODULE
source "$(dirname "$0")/lib.sh"
DRIVER=$1
MODULE=$2
K=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
unset BARO_TEST_NOW

fl_setup_server
fl_conn "$FL_WORK/a" host_a host_a
fl_conn "$FL_WORK/b" host_b host_b
: >"$FL_WORK/empty.conf"

# service HOST NAME ARGS...: a PAM service file in $FL_WORK/HOST/pam.d
service()
{
	local host=$1 name=$2
	shift 2
	mkdir -p "$FL_WORK/$host/pam.d"
	echo "auth required $MODULE conf=$FL_WORK/empty.conf nodelay $*" >"$FL_WORK/$host/pam.d/$name"
}
service a fleet store=pgsql "fleet=$FL_WORK/a/fleet.conf" fleet_timeout=2
service b fleet store=pgsql "fleet=$FL_WORK/b/fleet.conf" fleet_timeout=2

# login HOST SERVICE USER INPUT: "PAM_RESULT ms libpq_mapped"; log in last.log
login()
{
	"$DRIVER" pam "$FL_WORK/$1/pam.d" "$2" "$3" "$4" 2>"$FL_WORK/last.log"
}
logged() { grep -qF -- "$1" "$FL_WORK/last.log"; }
# expect DESCRIPTION RESULT LOG_LINE HOST SERVICE USER INPUT
expect()
{
	local d=$1 want=$2 line=$3 out
	shift 3
	out=$(login "$@")
	if [ "${out%% *}" = "$want" ] && { [ -z "$line" ] || logged "$line"; }; then
		fl_ok "$d: $want${line:+, logged \"$line\"}"
	else
		fl_not_ok "$d: got \"$out\", wanted $want and \"$line\""
		cat "$FL_WORK/last.log"
	fi
}
audit_count() { fl_psql pg1 baro -c "SELECT count(*) FROM baro.audit WHERE user_name = '$1' AND verdict = '$2'"; }

# --- replay across hosts ---
fl_user nobody $K "disallow_reuse = true"
code=$(fl_code $K)
expect "host A accepts a code" PAM_SUCCESS \
	"authentication key : verification code accepted for user nobody" a fleet nobody "$code"
expect "host B refuses the same code" PAM_AUTH_ERR \
	"Trying to reuse a previously used time-based code." b fleet nobody "$code"
expect "host B refuses a wrong code" PAM_AUTH_ERR "Invalid verification code" b fleet nobody 123456x

# --- 20 concurrent logins, one code, both hosts ---
fl_user daemon $K "disallow_reuse = true"
code=$(fl_code $K)
for i in $(seq 20); do
	h=a; [ $((i % 2)) = 0 ] && h=b
	"$DRIVER" pam "$FL_WORK/$h/pam.d" fleet daemon "$code" >"$FL_WORK/conc.$i" 2>/dev/null &
done
wait
ok=$(cat "$FL_WORK"/conc.* | grep -c '^PAM_SUCCESS ' || true)
refused=$(cat "$FL_WORK"/conc.* | grep -c '^PAM_AUTH_ERR ' || true)
fl_check "20 concurrent logins with one code across two hosts: exactly 1 success ($ok), 19 refused ($refused)" \
	test "$ok/$refused" = 1/19
fl_check "the server recorded 1 ok and 19 reused" \
	test "$(audit_count daemon ok)/$(audit_count daemon reused)" = 1/19

# --- RATE_LIMIT 3 across both hosts ---
fl_user bin $K "rate_count = 3, rate_interval = 600"
evaluated=0
limited=0
for i in 1 2 3 4 5 6; do
	h=a; [ $((i % 2)) = 0 ] && h=b
	out=$(login "$h" fleet bin 000000)
	logged "Invalid verification code" && evaluated=$((evaluated + 1))
	logged "Too many concurrent login attempts. Please try again." && limited=$((limited + 1))
done
fl_check "RATE_LIMIT 3 across two hosts: 6 wrong codes, exactly 3 evaluated ($evaluated), 3 rate-limited ($limited)" \
	test "$evaluated/$limited" = 3/3
expect "a correct code after the limit is rate-limited too" PAM_AUTH_ERR \
	"Too many concurrent login attempts. Please try again." a fleet bin "$(fl_code $K)"
fl_check "the server counted 3 attempts" \
	test "$(fl_psql pg1 baro -c "SELECT count(*) FROM baro.attempts WHERE user_name = 'bin'")" = 3

# --- an emergency code, once fleet-wide ---
fl_user sys $K
emergency=31415926
hash=$(python3 -c 'import base64,hmac,hashlib,sys; k=base64.b32decode(sys.argv[1]); print(hmac.new(k, sys.argv[2].encode(), hashlib.sha256).hexdigest())' $K $emergency)
fl_psql pg1 baro -c "INSERT INTO baro.emergency (user_name, hash) VALUES ('sys', '\\x$hash')" >/dev/null
expect "host A accepts the emergency code" PAM_SUCCESS \
	"emergency authentication key : verification code accepted for user sys" a fleet sys $emergency
expect "host B refuses it afterwards" PAM_AUTH_ERR "Invalid verification code" b fleet sys $emergency
expect "host A refuses it afterwards" PAM_AUTH_ERR "Invalid verification code" a fleet sys $emergency

# --- a setuid caller's environment and an odd remote host change nothing ---
code=$(fl_code $K)
fl_user uucp $K
out=$(env PGHOST=127.0.0.1 PGPORT=1 PGSSLMODE=disable PGUSER=postgres PGSERVICE=nosuch \
	PGOPTIONS="-c search_path=public" "$DRIVER" pam "$FL_WORK/a/pam.d" fleet uucp "$code" \
	"$(printf 'h\xff\x01st')" 2>"$FL_WORK/last.log")
fl_check "hostile PG* variables and a non-UTF-8 PAM_RHOST: the login succeeds ($out)" \
	test "${out%% *}" = PAM_SUCCESS
fl_check "... and the audit row has the remote host as printable text" \
	test "$(fl_psql pg1 baro -c "SELECT rhost FROM baro.audit WHERE user_name = 'uucp'")" = 'h??st'

# --- users ---
expect "a user the fleet does not know" PAM_AUTHINFO_UNAVAIL "No fleet key for user games" a fleet games 123456
before=$(fl_psql pg1 baro -c "SELECT count(*) FROM baro.audit")
expect "a user unknown to the host is not sent" PAM_USER_UNKNOWN "Cannot look up user id no-such-user" a fleet no-such-user 123456
fl_check "nothing reached the server for it" \
	test "$(fl_psql pg1 baro -c "SELECT count(*) FROM baro.audit")" = "$before"

# --- the offline choice ---
mkdir -m 0700 "$FL_WORK/secrets"
local_hash=$(python3 -c 'import base64,hmac,hashlib,sys; k=base64.b32decode(sys.argv[1]); print(hmac.new(k, sys.argv[2].encode(), hashlib.sha256).hexdigest())' $K 27182818)
printf 'SECURE_KEY %s\nCYCLE_TIME 30\nEMERGENCY_KEY %s\n' $K "$local_hash" >"$FL_WORK/secrets/sync"
chmod 0400 "$FL_WORK/secrets/sync"
dead=$(fl_free_port)
fl_conn "$FL_WORK/dead" host_a host_a host=localhost hostaddr=127.0.0.1 "port=$dead"
local_args=("secret=$FL_WORK/secrets/\${USER}" encrypt=no)
service a dead-deny store=pgsql "fleet=$FL_WORK/dead/fleet.conf" fleet_timeout=2 "${local_args[@]}"
service a dead-local store=pgsql "fleet=$FL_WORK/dead/fleet.conf" fleet_timeout=2 fleet_offline=local "${local_args[@]}"
expect "server down, fleet_offline=deny: fails closed" PAM_AUTHINFO_UNAVAIL \
	"Fleet server unreachable[" a dead-deny sync "$(fl_code $K)"
expect "server down, fleet_offline=local: the local file decides, with a warning" PAM_SUCCESS \
	"Fleet server unreachable: checking the local secret file $FL_WORK/secrets/sync; emergency codes refused" \
	a dead-local sync "$(fl_code $K)"
expect "server down, fleet_offline=local: an emergency code is refused" PAM_AUTH_ERR \
	"Fleet server unreachable: checking the local secret file" a dead-local sync 27182818
fl_check "the local emergency code was not consumed" grep -q "^EMERGENCY_KEY $local_hash" "$FL_WORK/secrets/sync"

python3 "$FL_SRC/tests/fleet/listener.py" hang "$FL_WORK/hang.port" &
fl_defer kill $!
for _ in $(seq 50); do [ -s "$FL_WORK/hang.port" ] && break; sleep 0.1; done
fl_conn "$FL_WORK/hang" host_a host_a host=localhost hostaddr=127.0.0.1 "port=$(cat "$FL_WORK/hang.port")"
service a hang-local store=pgsql "fleet=$FL_WORK/hang/fleet.conf" fleet_timeout=2 fleet_offline=local "${local_args[@]}"
t0=$(fl_now_ms)
expect "a server that never answers, fleet_offline=local: falls back after fleet_timeout" PAM_SUCCESS \
	"timed out connecting" a hang-local sync "$(fl_code $K)"
ms=$(($(fl_now_ms) - t0))
fl_check "... in $ms ms (fleet_timeout=2)" test "$ms" -lt 2600

# A commit that waits for a missing standby: the verdict was sent, so no
# fallback even with fleet_offline=local.
fl_user sync $K
service a fleet-local store=pgsql "fleet=$FL_WORK/a/fleet.conf" fleet_timeout=2 fleet_offline=local "${local_args[@]}"
fl_psql pg1 postgres -c "ALTER SYSTEM SET synchronous_standby_names = 'missing'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
t0=$(fl_now_ms)
expect "a commit waiting for a missing standby, fleet_offline=local: no fallback once sent" PAM_AUTHINFO_UNAVAIL \
	"Fleet verification failed[timed out waiting for the verdict]" a fleet-local sync "$(fl_code $K)"
ms=$(($(fl_now_ms) - t0))
fl_check "... in $ms ms (fleet_timeout=2), and no fallback line" \
	bash -c "[ $ms -lt 2600 ] && ! grep -q 'checking the local secret file' '$FL_WORK/last.log'"
fl_psql pg1 postgres -c "ALTER SYSTEM RESET synchronous_standby_names" -c "SELECT pg_reload_conf()" >/dev/null

# --- a host with store=file never maps libpq ---
printf 'SECURE_KEY %s\nCYCLE_TIME 30\n' $K >"$FL_WORK/secrets/man"
chmod 0400 "$FL_WORK/secrets/man"
service a file "${local_args[@]}"
out=$(BARO_TEST_NOW=$(date +%s) login a file man "$(fl_code $K)")
fl_check "store=file: a login succeeds ($out)" test "${out%% *}" = PAM_SUCCESS
fl_check "store=file: libpq is not mapped after that login ($out)" test "${out%% *} ${out##* }" = "PAM_SUCCESS no"
out=$(login a fleet nobody 000000)
fl_check "store=pgsql: libpq is mapped after a login (the probe sees it)" test "${out##* }" = yes

fl_done
