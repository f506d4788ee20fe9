#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The fleet store's cost (docs/FLEET.md, bench/README.md): per-login
# latency of store=pgsql on loopback and fleet throughput with 1, 4 and 16
# concurrent logins across two hosts, against store=file in the same run.
# A real PostgreSQL 15 (fsync on, synchronous_commit on) is started
# unprivileged on loopback with its own CA, as the tests do, and stopped
# at the end.
#
# Usage: bench/fleet.sh [--quick] BUILD_DIR
#   BUILD_DIR: a configured and built tree (pam_baro_auth_test.so and
#   pam_baro_auth_fleet.so); --quick: a smoke run (few logins, 1 s phases).
# Needs root; exits 77 otherwise.
set -euo pipefail
quick=0
if [ "${1:-}" = --quick ]; then quick=1; shift; fi
build=$(cd "${1:?usage: bench/fleet.sh [--quick] BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/fleet/lib.sh"
module=$build/src/pam_baro_auth_test.so
[ -f "$module" ] || { echo "no $module: build the tree first" >&2; exit 1; }
unset BARO_TEST_NOW
n=500 secs=5
if [ "$quick" = 1 ]; then n=20 secs=1; fi

fl_setup_server
fl_psql pg1 postgres -c "ALTER SYSTEM SET fsync = on" -c "SELECT pg_reload_conf()" >/dev/null
cc -O2 -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -rdynamic -o "$FL_WORK/fleet_bench" \
	"$here/fleet_bench.c" $(pkg-config --libs pam)
B=$FL_WORK/fleet_bench
K=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
users=(nobody daemon bin sys sync games man lp mail news uucp proxy www-data backup list irc)

fl_conn "$FL_WORK/a" host_a host_a
fl_conn "$FL_WORK/b" host_b host_b
mkdir -m 0700 "$FL_WORK/secrets"
: >"$FL_WORK/empty.conf"
for u in "${users[@]}"; do
	fl_user "$u" $K
	printf 'SECURE_KEY %s\nCYCLE_TIME 30\n' $K >"$FL_WORK/secrets/$u"
	chmod 0400 "$FL_WORK/secrets/$u"
done
for h in a b; do
	mkdir -p "$FL_WORK/$h/pam.d"
	echo "auth required $module conf=$FL_WORK/empty.conf nodelay secret=$FL_WORK/secrets/\${USER} encrypt=no" \
		>"$FL_WORK/$h/pam.d/file"
	echo "auth required $module conf=$FL_WORK/empty.conf nodelay store=pgsql fleet=$FL_WORK/$h/fleet.conf" \
		>"$FL_WORK/$h/pam.d/pgsql"
done

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; PostgreSQL $(fl_psql pg1 postgres -c 'SHOW server_version'), TLS verify-full with client certificates, fsync on"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) before the run"
echo
echo "latency, $n logins one after another (correct code, no state options):"
printf '  %-6s %10s %10s %10s %9s\n' store median_ms p95_ms max_ms failures
for s in file pgsql; do
	read -r med p95 max fail <<<"$("$B" latency "$FL_WORK/a/pam.d" $s nobody "$(fl_code $K)" $n)"
	printf '  %-6s %10s %10s %10s %9s\n' $s "$med" "$p95" "$max" "$fail"
done
echo
echo "throughput, W workers for ${secs} s, alternating hosts A and B, one user each:"
printf '  %-6s %3s %8s %9s %10s %10s %9s\n' store W logins logins/s median_ms p95_ms failures
for s in file pgsql; do
	for w in 1 4 16; do
		read -r total rate med p95 fail <<<"$("$B" throughput "$FL_WORK/a/pam.d" "$FL_WORK/b/pam.d" $s "$(fl_code $K)" $secs "${users[@]:0:$w}")"
		printf '  %-6s %3s %8s %9s %10s %10s %9s\n' $s $w "$total" "$rate" "$med" "$p95" "$fail"
	done
done
echo
echo "server: $(fl_psql pg1 baro -c "SELECT count(*) FROM baro.audit") verifications audited"
