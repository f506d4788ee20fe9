#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# High availability of the fleet store (DESIGN.md §11): a synchronous standby
# made with pg_basebackup -R; a code is used through the primary; the
# primary is killed and the standby promoted; the client, given both
# servers, reaches the new primary and the used code is still refused.
# Usage: test_fleet_failover.sh FLEET_DRIVER TEST_MODULE PROD_MODULE
source "$(dirname "$0")/lib.sh"
DRIVER=$1
MODULE=$2
K=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
TIMEOUT_MS=3000

fl_setup_server
fl_user alice $K "disallow_reuse = true"
fl_user carol $K "rate_count = 2, rate_interval = 600"
fl_user nobody $K "disallow_reuse = true"

# The standby: a base backup of pg1 with its recovery settings (-R).
FL_PORT_pg2=$(fl_free_port)
mkdir -m 0700 "$FL_WORK/pg2.sock" "$FL_WORK/pg2"
chown postgres: "$FL_WORK/pg2.sock" "$FL_WORK/pg2"
runuser -u postgres -- "$FL_PGBIN/pg_basebackup" -h "$FL_WORK/pg1.sock" -p "$FL_PORT_pg1" \
	-D "$FL_WORK/pg2" -R -X stream -c fast -d "application_name=pg2" >/dev/null
cat >>"$FL_WORK/pg2/postgresql.conf" <<CONF
port = $FL_PORT_pg2
unix_socket_directories = '$FL_WORK/pg2.sock'
CONF
fl_pg_start pg2
# Only the primary waits for the standby (after the base backup, so that
# the promoted standby does not wait for itself).
fl_psql pg1 postgres -c "ALTER SYSTEM SET synchronous_standby_names = 'pg2'" \
	-c "SELECT pg_reload_conf()" >/dev/null
sync=""
for _ in $(seq 100); do
	sync=$(fl_psql pg1 postgres -c "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'pg2'")
	[ "$sync" = sync ] && break
	sleep 0.1
done
fl_check "pg2 is a synchronous standby of pg1 ($sync)" test "$sync" = sync

# The standby first: the client must skip it (target_session_attrs).
both=(host=localhost,localhost hostaddr=127.0.0.1,127.0.0.1 "port=$FL_PORT_pg2,$FL_PORT_pg1")
fl_conn "$FL_WORK/a" host_a host_a "${both[@]}"
fl_conn "$FL_WORK/b" host_b host_b "${both[@]}"

: >"$FL_WORK/empty.conf"
for h in a b; do
	mkdir -p "$FL_WORK/$h/pam.d"
	echo "auth required $MODULE conf=$FL_WORK/empty.conf nodelay store=pgsql fleet=$FL_WORK/$h/fleet.conf fleet_timeout=3" \
		>"$FL_WORK/$h/pam.d/fleet"
done
# login HOST USER INPUT: the PAM result through the test module
login()
{
	"$DRIVER" pam "$FL_WORK/$1/pam.d" fleet "$2" "$3" 2>"$FL_WORK/last.log" | cut -d' ' -f1
}
ask() { "$DRIVER" backend "$1/fleet.conf" "$2" "$3" exact "$TIMEOUT_MS" 2>"$FL_WORK/last.log"; }

code=$(fl_code $K)
out=$(ask "$FL_WORK/a" alice "$code")
fl_check "a code used on host A through the primary ($out)" test "${out%% *}" = ok
out=$(ask "$FL_WORK/b" carol 000000)
fl_check "a wrong code on host B counts one attempt of carol's RATE_LIMIT 2 ($out)" test "${out%% *}" = wrong
fl_check "the client chose the read-write primary, not the standby" \
	test "$(fl_psql pg1 baro -c "SELECT count(*) FROM baro.audit")" = 2

fl_check "a code used through libpam on host A (nobody)" \
	test "$(login a nobody "$code")" = PAM_SUCCESS

# Kill the primary (no shutdown checkpoint), promote the standby.
kill -KILL "$(head -1 "$FL_WORK/pg1/postmaster.pid")"
runuser -u postgres -- "$FL_PGBIN/pg_ctl" -D "$FL_WORK/pg2" -w -t 60 promote >/dev/null
fl_check "pg2 is the primary now" \
	test "$(fl_psql pg2 postgres -c "SELECT pg_is_in_recovery()")" = f

out=$(ask "$FL_WORK/b" alice "$code")
fl_check "after the failover the used code is still refused on host B ($out)" test "${out%% *}" = reused
result=$(login b nobody "$code")
fl_check "... and through libpam on host B: $result, logged as a reuse" \
	bash -c "[ $result = PAM_AUTH_ERR ] && grep -q 'Trying to reuse a previously used time-based code' '$FL_WORK/last.log'"
out=$(ask "$FL_WORK/b" carol 000000)
fl_check "carol's second attempt still counts ($out)" test "${out%% *}" = wrong
out=$(ask "$FL_WORK/a" carol "$(fl_code $K)")
fl_check "the RATE_LIMIT state survived the failover: a third attempt is refused ($out)" \
	test "${out%% *}" = rate_limited
fl_check "every verdict is in the new primary's audit table" \
	test "$(fl_psql pg2 baro -c "SELECT count(*) FROM baro.audit")" = 7

fl_done
