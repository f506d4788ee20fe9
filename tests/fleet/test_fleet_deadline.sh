#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A fleet login never waits longer than fleet_timeout plus a small margin
# (DESIGN.md §11), whatever the server or the network does after the
# request went out: a server that freezes (SIGSTOP, as a frozen host or a
# partition) while the commit waits for a missing synchronous standby; a
# row lock held by another session, which the server's own lock_timeout
# ends once the client has given up; a resolver that never answers for a
# host name (in a private network and mount namespace).
# Usage: test_fleet_deadline.sh FLEET_DRIVER TEST_MODULE PROD_MODULE
source "$(dirname "$0")/lib.sh"
DRIVER=$1
K=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
TIMEOUT_MS=2000
MARGIN_MS=1000
# A login still running after this is a hang: killed, and a failure.
HANG_S=15

fl_setup_server
fl_user carol $K
fl_user dave $K
fl_conn "$FL_WORK/a" host_a host_a

# login CONNDIR USER INPUT: runs the backend bounded by HANG_S; prints
# "VERDICT ELAPSED_MS" (ELAPSED_MS measured here, "hung" when killed)
login()
{
	local t0 out rc=0
	t0=$(fl_now_ms)
	out=$(timeout -s KILL "$HANG_S" "$DRIVER" backend "$1/fleet.conf" "$2" "$3" \
		exact "$TIMEOUT_MS" 2>"$FL_WORK/last.log") || rc=$?
	if [ "$rc" = 0 ]; then
		echo "${out%% *} $(($(fl_now_ms) - t0))"
	else
		echo "hung $(($(fl_now_ms) - t0))"
	fi
}
within_deadline() # "VERDICT MS" WANTED_VERDICT
{
	local v=${1%% *} ms=${1##* }
	[ "$v" = "$2" ] && [ "$ms" -lt $((TIMEOUT_MS + MARGIN_MS)) ]
}
backends() # [WAIT_EVENT]: the server's backends of our logins
{
	fl_psql pg1 postgres -c "SELECT count(*) FROM pg_stat_activity
		WHERE application_name = 'pam_baro_auth'${1:+ AND wait_event = '$1'}"
}
wait_backends() # COUNT [WAIT_EVENT]: up to 5 s
{
	local i
	for i in $(seq 100); do
		[ "$(backends "${2:-}")" = "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# The whole server stops (every process of the cluster), as a frozen host
# would; thawed by the trap before the server is stopped.
FROZEN=()
freeze()
{
	local pm
	pm=$(head -n 1 "$FL_WORK/pg1/postmaster.pid")
	FROZEN=("$pm" $(ps -o pid= --ppid "$pm"))
	kill -STOP "${FROZEN[@]}"
}
thaw()
{
	[ "${#FROZEN[@]}" = 0 ] || kill -CONT "${FROZEN[@]}" 2>/dev/null
	FROZEN=()
}
fl_defer thaw

# --- the server freezes while the commit waits for a synchronous standby ---
fl_psql pg1 postgres -c "ALTER SYSTEM SET synchronous_standby_names = 'missing_standby'" \
	-c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
login "$FL_WORK/a" carol "$(fl_code $K)" >"$FL_WORK/frozen.out" &
login_pid=$!
if wait_backends 1 SyncRep; then
	freeze
	wait "$login_pid"
	out=$(cat "$FL_WORK/frozen.out")
	thaw
	fl_check "a server frozen mid-commit: error within fleet_timeout + ${MARGIN_MS} ms ($out)" \
		within_deadline "$out" error
	fl_check "... logged as a time-out waiting for the verdict" \
		grep -qF "Fleet verification failed[timed out waiting for the verdict]" "$FL_WORK/last.log"
else
	wait "$login_pid"
	fl_not_ok "the login's commit never waited for the standby ($(cat "$FL_WORK/frozen.out"))"
fi
# Nobody cancels the abandoned commit: it waits for the standby like
# every other commit until the standby is back or no longer required.
fl_check "the abandoned commit still waits for the standby" wait_backends 1 SyncRep
fl_psql pg1 postgres -c "ALTER SYSTEM RESET synchronous_standby_names" \
	-c "SELECT pg_reload_conf()" >/dev/null
fl_check "... and ends by itself once the standby is no longer required" wait_backends 0

# --- a row lock held by another session: the server's lock_timeout ends it ---
fl_psql pg1 baro -c "SET application_name = 'holder'" -c "BEGIN" \
	-c "SELECT 1 FROM baro.users WHERE name = 'dave' FOR UPDATE" \
	-c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
holder_pid=$!
for _ in $(seq 100); do
	[ "$(fl_psql pg1 postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'holder' AND wait_event = 'PgSleep'")" = 1 ] && break
	sleep 0.05
done
out=$(login "$FL_WORK/a" dave "$(fl_code $K)")
fl_check "a row locked by another session: error within fleet_timeout + ${MARGIN_MS} ms ($out)" \
	within_deadline "$out" error
fl_check "... and the server's lock_timeout ends the abandoned statement" wait_backends 0
# (stopping the server ends it too, should the test stop before this)
fl_psql pg1 postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'holder'" >/dev/null
wait "$holder_pid" || true

# --- host names are resolved within the deadline ---
fl_conn "$FL_WORK/byname" host_a host_a host=localhost "port=$FL_PORT_pg1"
out=$(login "$FL_WORK/byname" carol 000000)
fl_check "host=localhost without hostaddr: resolved, verified against the certificate's name ($out)" \
	test "${out%% *}" = wrong

# in_dead_resolver WORK CONNDIR...: in a private network and mount
# namespace, where the resolver is 127.0.0.1 and a socket there receives
# queries and never answers, one login per connection directory: its
# result in CONNDIR/out, its log in CONNDIR/log. /etc is untouched (bind
# mounts in the namespace only). The last directory is tried with a hosts
# database of files only (no DNS).
in_dead_resolver()
{
	set -eu
	local work=$1 dir sink
	shift
	ip link set lo up
	printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:2\n' >"$work/resolv.conf"
	printf 'hosts: files dns\n' >"$work/nsswitch.dns"
	printf 'hosts: files\n' >"$work/nsswitch.files"
	mount --bind "$work/resolv.conf" /etc/resolv.conf
	mount --bind "$work/nsswitch.dns" /etc/nsswitch.conf
	# (its own time limit too, should the trap not run)
	timeout 120 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
open(sys.argv[1], "w").close()
while True:
    s.recv(4096)' "$work/sink.ready" </dev/null >/dev/null 2>&1 &
	sink=$!
	trap "kill $sink" EXIT
	for _ in $(seq 100); do [ -e "$work/sink.ready" ] && break; sleep 0.05; done
	for dir in "$@"; do
		[ "$dir" != "${*: -1}" ] || mount --bind "$work/nsswitch.files" /etc/nsswitch.conf
		login "$dir" carol 000000 >"$dir/out"
		cp "$FL_WORK/last.log" "$dir/log"
	done
}
fl_conn "$FL_WORK/dns" host_a host_a host=fleet.example.test "port=$FL_PORT_pg1"
fl_conn "$FL_WORK/dns2" host_a host_a host=fleet.example.test,localhost "port=$FL_PORT_pg1"
fl_conn "$FL_WORK/nxdomain" host_a host_a host=fleet.example.test "port=$FL_PORT_pg1"
unshare -nm bash -c "$(declare -f login in_dead_resolver fl_now_ms)
	DRIVER=$(printf %q "$DRIVER") FL_WORK=$(printf %q "$FL_WORK") HANG_S=$HANG_S TIMEOUT_MS=$TIMEOUT_MS
	in_dead_resolver $(printf %q "$FL_WORK") $(printf '%q ' "$FL_WORK/dns" "$FL_WORK/dns2" "$FL_WORK/nxdomain")"
out=$(cat "$FL_WORK/dns/out")
fl_check "a resolver that never answers: offline within fleet_timeout + ${MARGIN_MS} ms ($out)" \
	within_deadline "$out" offline
fl_check "... logged" grep -qF "Fleet server unreachable[timed out resolving fleet.example.test]" "$FL_WORK/dns/log"
out=$(cat "$FL_WORK/dns2/out")
fl_check "a name whose lookup hangs is skipped once another resolved: the next host is tried after half of fleet_timeout ($out)" \
	bash -c "[ ${out##* } -ge $((TIMEOUT_MS / 2)) ] && [ ${out##* } -lt $((TIMEOUT_MS / 2 + MARGIN_MS)) ] && grep -qF 'Fleet server unreachable[cannot connect: connection to server at \"127.0.0.1\", port $FL_PORT_pg1 failed: Connection refused' '$FL_WORK/dns2/log'"
out=$(cat "$FL_WORK/nxdomain/out")
fl_check "a name that does not resolve fails at once ($out), logged" \
	bash -c "[ ${out##* } -lt $MARGIN_MS ] && grep -qF 'Fleet server unreachable[cannot resolve fleet.example.test: Name or service not known]' '$FL_WORK/nxdomain/log'"

fl_done
