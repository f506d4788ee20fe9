#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# What a login costs in work, not in time: instructions (valgrind's
# callgrind, collected only inside pam_start_confdir, pam_authenticate
# and pam_end) and system calls (strace -c) per login, for each case of
# the bench driver, minus the same run with pam_permit alone. Unlike the
# timings of bench/run.sh these counts do not depend on the machine's
# load, so they split apart changes that the wall clock cannot.
#
# Usage: bench/profile.sh [--build DIR] [--logins N] [--top N] [CASE...]
#   CASE          driver cases (default: baro-ro baro-wrong3 baro-wrong17
#                 baro-state ga-ro)
#   --build DIR   a build with pam_baro_auth.so, pam_baro_auth_test.so and
#                 tests/baro_bench (default: build-bench, see bench/run.sh)
#   --logins N    logins a case after the driver's 200 warm-up (default 300)
#   --top N       also print the N functions with the most inclusive
#                 instructions a login for each case (default 0)
# Needs root (as bench/run.sh); exits 77 otherwise.
set -euo pipefail

cd "$(dirname "$0")/.."
build=${BARO_BENCH_BUILD:-$(pwd)/build-bench}
logins=300
top=0
cases=()
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift ;;
	--logins) logins=$2; shift ;;
	--top) top=$2; shift ;;
	-*) echo "usage: bench/profile.sh [--build DIR] [--logins N] [--top N] [CASE...]" >&2
	    exit 2 ;;
	*) cases+=("$1") ;;
	esac
	shift
done
[ ${#cases[@]} -gt 0 ] || cases=(baro-ro baro-wrong3 baro-wrong17 baro-state ga-ro)
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/profile.sh: needs root; skipped" >&2
	exit 77
fi
for t in valgrind callgrind_annotate strace; do
	command -v "$t" >/dev/null || { echo "bench/profile.sh: needs $t" >&2; exit 2; }
done
driver=$build/tests/baro_bench
[ -x "$driver" ] || { echo "bench/profile.sh: no $driver (run bench/run.sh --quick first)" >&2; exit 2; }

work=$(mktemp -d /tmp/baro-profile.XXXXXX)
[ -n "${BARO_PROFILE_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
per_case=$((logins + 200)) # the driver's warm-up is counted too

# One driver run of CASE ("none": pam_permit alone, which every run has).
run() {
	local name=$1
	valgrind --tool=callgrind --callgrind-out-file="$work/$name.cg" \
		--collect-atstart=no --toggle-collect=pam_start_confdir \
		--toggle-collect=pam_authenticate --toggle-collect=pam_end \
		"$driver" --module "$build/src/pam_baro_auth.so" \
		--test-module "$build/src/pam_baro_auth_test.so" \
		--only "$name" --no-concurrency --rounds 1 --logins "$logins" \
		>"$work/$name.cg.out" 2>&1 ||
		{ tail -20 "$work/$name.cg.out" >&2; exit 1; }
	strace -c -o "$work/$name.st" "$driver" \
		--module "$build/src/pam_baro_auth.so" \
		--test-module "$build/src/pam_baro_auth_test.so" \
		--only "$name" --no-concurrency --rounds 1 --logins "$logins" \
		>"$work/$name.st.out" 2>&1 ||
		{ tail -20 "$work/$name.st.out" >&2; exit 1; }
}
instructions() { sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$work/$1.cg"; }
syscalls() { awk '$NF == "total" { print $(NF-2) }' "$work/$1.st"; }

run none
base_ir=$(instructions none)
base_sc=$(syscalls none)
printf '%-14s %16s %16s\n' case "instr/login" "syscalls/login"
printf '%-14s %16s %16s\n' pam_permit \
	"$(awk -v t="$base_ir" -v n="$per_case" 'BEGIN { printf "%.1fk", t / n / 1000 }')" \
	"$(awk -v t="$base_sc" -v n="$per_case" 'BEGIN { printf "%.1f", t / n }')"
for c in "${cases[@]}"; do
	run "$c"
	printf '%-14s %16s %16s\n' "$c" \
		"$(awk -v t="$(instructions "$c")" -v b="$base_ir" -v n="$per_case" \
			'BEGIN { printf "%.1fk", (t - b) / n / 1000 }')" \
		"$(awk -v t="$(syscalls "$c")" -v b="$base_sc" -v n="$per_case" \
			'BEGIN { printf "%.1f", (t - b) / n }')"
done
[ "$top" -gt 0 ] || exit 0
for c in "${cases[@]}"; do
	echo
	echo "$c: inclusive instructions a login (with pam_permit's share), top $top"
	callgrind_annotate --inclusive=yes "$work/$c.cg" 2>/dev/null |
		awk -v n="$per_case" -v top="$top" '
		/^ *[0-9,]+ .*[:]/ && shown < top {
			v = $1; gsub(",", "", v); $1 = "";
			printf "%10.1fk %s\n", v / n / 1000, $0; shown++ }'
done
