#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The fleet store's client (pam_baro_auth_fleet.so, through the core
# loader) against a real PostgreSQL 15 with its own CA (DESIGN.md §11):
# verdicts, replay across hosts, and every transport failure ending in
# time with a log line: foreign CA, unknown client certificate, another
# host's certificate, a non-TLS server, a name mismatch, files readable by
# others, hostile PG* variables (which change nothing), a stopped server,
# a listener that never answers, a commit waiting for a missing
# synchronous standby (test_fleet_deadline.sh: the same with the server
# frozen).
# Usage: test_fleet_backend.sh FLEET_DRIVER TEST_MODULE PROD_MODULE
source "$(dirname "$0")/lib.sh"
DRIVER=$1
K=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
TIMEOUT_MS=2000

fl_setup_server
fl_user alice $K "disallow_reuse = true"
fl_user carol $K
fl_conn "$FL_WORK/a" host_a host_a
fl_conn "$FL_WORK/b" host_b host_b

# ask CONNDIR USER INPUT [tail]: "verdict digits retry ms", log in $FL_WORK/last.log
ask()
{
	"$DRIVER" backend "$1/fleet.conf" "$2" "$3" "${4:-exact}" "$TIMEOUT_MS" \
		2>"$FL_WORK/last.log"
}
verdict_of() { cut -d' ' -f1 <<<"$1"; }
ms_of() { cut -d' ' -f4 <<<"$1"; }
logged() { grep -qF -- "$1" "$FL_WORK/last.log"; }

# expect DESCRIPTION VERDICT LOG_PART CONNDIR USER INPUT
expect()
{
	local d=$1 want=$2 part=$3 out
	shift 3
	out=$(ask "$@")
	if [ "$(verdict_of "$out")" = "$want" ] && { [ -z "$part" ] || logged "$part"; }; then
		fl_ok "$d: $want in $(ms_of "$out") ms${part:+, logged \"$part\"}"
	else
		fl_not_ok "$d: got \"$out\", wanted $want and \"$part\""
		cat "$FL_WORK/last.log"
	fi
}

# --- verdicts ---
code=$(fl_code $K)
expect "a correct code on host A" ok "" "$FL_WORK/a" alice "$code"
expect "the same code on host B (replay across hosts)" reused "" "$FL_WORK/b" alice "$code"
expect "the same code again on host A" reused "" "$FL_WORK/a" alice "$code"
expect "a wrong code" wrong "" "$FL_WORK/a" alice 000000
expect "an unknown user" no_user "" "$FL_WORK/a" nobody-here "$code"
out=$(ask "$FL_WORK/a" carol "pass word$code" tail)
fl_check "forward_pass: the code after a password, 6 digits used ($out)" \
	test "$(cut -d' ' -f1-2 <<<"$out")" = "ok 6"
out=$(ask "$FL_WORK/a" carol "pa55w0rd12$code")
fl_check "without forward_pass only the exact code counts ($out)" \
	test "$(verdict_of "$out")" = wrong
fl_check "the audit table names the authenticated host role" \
	test "$(fl_psql pg1 baro -c "SELECT string_agg(DISTINCT db_role, ',') FROM baro.audit WHERE user_name = 'alice'")" = "host_a,host_b"

# --- the set-up check (baro-keygen fleet check) ---
out=$(ask "$FL_WORK/a" "" "" check)
fl_check "check: host A's role may verify and cannot read keys ($out)" \
	test "$(verdict_of "$out")" = no_user
fl_psql pg1 baro -c "GRANT SELECT ON baro.users TO host_b" >/dev/null
out=$(ask "$FL_WORK/b" "" "" check)
fl_check "check: a host role that can read the key table is refused ($out), logged" \
	bash -c "[ $(verdict_of "$out") = error ] && grep -q 'the host role can read the key table' '$FL_WORK/last.log'"
fl_psql pg1 baro -c "REVOKE SELECT ON baro.users FROM host_b" >/dev/null

# --- hostile environment: libpq reads PG* for what it is not given ---
python3 "$FL_SRC/tests/fleet/listener.py" hang "$FL_WORK/hang.port" &
hang_pid=$!
fl_defer kill "$hang_pid"
for _ in $(seq 50); do [ -s "$FL_WORK/hang.port" ] && break; sleep 0.1; done
hang_port=$(cat "$FL_WORK/hang.port")
cat >"$FL_WORK/evil.service" <<EOS
[evil]
host=127.0.0.1
port=$hang_port
sslmode=disable
EOS
chmod 0644 "$FL_WORK/evil.service"
hostile=(PGHOST=127.0.0.1 PGHOSTADDR=127.0.0.1 PGPORT="$hang_port"
	PGDATABASE=postgres PGUSER=postgres PGPASSWORD=x PGPASSFILE=/etc/shadow
	PGSERVICE=evil PGSERVICEFILE="$FL_WORK/evil.service" PGSYSCONFDIR="$FL_WORK"
	PGOPTIONS="-c search_path=public" PGAPPNAME=evil PGSSLMODE=disable
	PGSSLCERT="$FL_WORK/pki/foreign_a.crt" PGSSLKEY="$FL_WORK/pki/foreign_a.key"
	PGSSLROOTCERT="$FL_WORK/pki/foreign.crt" PGSSLCRL=/etc/shadow
	PGSSLCRLDIR=/etc PGSSLSNI=0 PGREQUIRESSL=0 PGGSSENCMODE=require
	PGCONNECT_TIMEOUT=1 PGTARGETSESSIONATTRS=any PGCLIENTENCODING=LATIN1
	PGTZ=Pacific/Kiritimati PGDATESTYLE=German PGLOCALEDIR="$FL_WORK"
	PGCHANNELBINDING=require PGKRBSRVNAME=evil PGREQUIREPEER=evil
	PGSSLMINPROTOCOLVERSION=TLSv1 OPENSSL_CONF="$FL_WORK/evil.cnf")
code=$(fl_code $K)
out=$(env "${hostile[@]}" "$DRIVER" backend "$FL_WORK/a/fleet.conf" carol "$code" exact "$TIMEOUT_MS" 2>"$FL_WORK/last.log")
fl_check "hostile PG* variables change nothing: a correct code passes ($out)" \
	test "$(verdict_of "$out")" = ok
out=$(env "${hostile[@]}" "$DRIVER" backend "$FL_WORK/a/fleet.conf" carol 000000 exact "$TIMEOUT_MS" 2>"$FL_WORK/last.log")
fl_check "hostile PG* variables change nothing: a wrong code fails ($out)" \
	test "$(verdict_of "$out")" = wrong
fl_check "hostile PG* variables: nothing logged on stderr" test ! -s "$FL_WORK/last.log"
# libpq has no keyword for these: only the cleaned environment stops them.
code=$(fl_code $K)
out=$(env PGSERVICE=nosuch PGSERVICEFILE="$FL_WORK/evil.service" PGSYSCONFDIR=/nonexistent \
	"$DRIVER" backend "$FL_WORK/a/fleet.conf" carol "$code" exact "$TIMEOUT_MS" 2>"$FL_WORK/last.log")
fl_check "PGSERVICE naming no service changes nothing ($out)" \
	test "$(verdict_of "$out")" = ok
fl_check "hostile PG* variables: the audit row is host_a's over TLS" \
	test "$(fl_psql pg1 baro -c "SELECT db_role FROM baro.audit ORDER BY id DESC LIMIT 1")" = host_a

# --- transport failures: fail closed, logged, nothing sent ---
fl_conn "$FL_WORK/foreignca" host_a host_a
install -m 0644 "$FL_WORK/pki/foreign.crt" "$FL_WORK/foreignca/ca.crt"
expect "a server certificate from a foreign CA" offline "certificate verify failed" \
	"$FL_WORK/foreignca" carol 000000

fl_conn "$FL_WORK/unknown" foreign_a host_a
expect "a client certificate the server's CA did not sign" offline "tlsv1 alert unknown ca" \
	"$FL_WORK/unknown" carol 000000

fl_conn "$FL_WORK/other" host_b host_a
expect "another host's certificate" offline 'certificate authentication failed for user "host_a"' \
	"$FL_WORK/other" carol 000000

python3 "$FL_SRC/tests/fleet/listener.py" nossl "$FL_WORK/nossl.port" &
nossl_pid=$!
fl_defer kill "$nossl_pid"
for _ in $(seq 50); do [ -s "$FL_WORK/nossl.port" ] && break; sleep 0.1; done
fl_conn "$FL_WORK/nossl" host_a host_a host=localhost hostaddr=127.0.0.1 "port=$(cat "$FL_WORK/nossl.port")"
expect "a server without TLS" offline "server does not support SSL" \
	"$FL_WORK/nossl" carol 000000

fl_conn "$FL_WORK/mismatch" host_a host_a host=127.0.0.1 "port=$FL_PORT_pg1"
expect "a server name mismatch" offline 'does not match host name "127.0.0.1"' \
	"$FL_WORK/mismatch" carol 000000

fl_conn "$FL_WORK/keyperm" host_a host_a
chmod 0640 "$FL_WORK/keyperm/client.key"
expect "a client key readable by the group" error "client.key must only be accessible by root" \
	"$FL_WORK/keyperm" carol 000000

fl_conn "$FL_WORK/confperm" host_a host_a
chmod 0644 "$FL_WORK/confperm/fleet.conf"
expect "a connection file readable by others" error "fleet.conf must only be accessible by root" \
	"$FL_WORK/confperm" carol 000000

fl_conn "$FL_WORK/caperm" host_a host_a
chmod 0666 "$FL_WORK/caperm/ca.crt"
expect "a CA file writable by others" error "ca.crt must only be accessible by root" \
	"$FL_WORK/caperm" carol 000000

fl_conn "$FL_WORK/badkw" host_a host_a "sslmode=disable"
expect "an unknown keyword in the connection file" error "Invalid fleet connection file" \
	"$FL_WORK/badkw" carol 000000

fl_conn "$FL_WORK/nouser" host_a host_a
sed -i '/^user=/d' "$FL_WORK/nouser/fleet.conf"
expect "a connection file without user=" error "[no user]" "$FL_WORK/nouser" carol 000000

# --- bounded time ---
dead_port=$(fl_free_port)
fl_conn "$FL_WORK/dead" host_a host_a host=localhost hostaddr=127.0.0.1 "port=$dead_port"
out=$(ask "$FL_WORK/dead" carol 000000)
fl_check "a stopped server fails fast ($out), logged" \
	bash -c "[ $(verdict_of "$out") = offline ] && [ $(ms_of "$out") -lt 1000 ] && grep -q 'Connection refused' '$FL_WORK/last.log'"

fl_conn "$FL_WORK/hang" host_a host_a host=localhost hostaddr=127.0.0.1 "port=$hang_port"
out=$(ask "$FL_WORK/hang" carol 000000)
ms=$(ms_of "$out")
fl_check "a listener that never answers: offline within fleet_timeout ($out)" \
	bash -c "[ $(verdict_of "$out") = offline ] && [ $ms -ge $TIMEOUT_MS ] && [ $ms -lt $((TIMEOUT_MS + 500)) ] && grep -q 'timed out connecting' '$FL_WORK/last.log'"

fl_psql pg1 postgres -c "ALTER SYSTEM SET synchronous_standby_names = 'missing_standby'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
code=$(fl_code $K)
out=$(ask "$FL_WORK/a" carol "$code")
ms=$(ms_of "$out")
fl_check "a commit waiting for a missing synchronous standby: error within fleet_timeout ($out)" \
	bash -c "[ $(verdict_of "$out") = error ] && [ $ms -ge $TIMEOUT_MS ] && [ $ms -lt $((TIMEOUT_MS + 500)) ] && grep -q 'timed out waiting for the verdict' '$FL_WORK/last.log'"
fl_psql pg1 postgres -c "ALTER SYSTEM RESET synchronous_standby_names" -c "SELECT pg_reload_conf()" >/dev/null
# Not cancelled by the client (DESIGN.md §11): the abandoned commit ends
# once the standby is no longer required (test_fleet_deadline.sh).
for _ in $(seq 100); do
	n=$(fl_psql pg1 postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pam_baro_auth'")
	[ "$n" = 0 ] && break
	sleep 0.05
done
fl_check "the abandoned backend ends once the standby is no longer required" test "$n" = 0

fl_done
