#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# What a login costs in work, not in time: instructions (valgrind's
# callgrind, collected only inside pam_start_confdir, pam_authenticate
# and pam_end, also given per call) and system calls (strace -c) a login
# of each case of the bench driver. Every driver run also logs in with
# pam_permit, so a case's figures are its run minus a run of pam_permit
# alone, whose own figures are the first row. Unlike the timings of
# bench/run.sh these counts do not depend on the machine's load, so they
# split apart changes that the wall clock cannot.
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
shopt -s inherit_errexit # a count that fails fails the run

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
# Each count must be there: a run that measured nothing fails.
count() {
	local v
	v=$("$@")
	[[ $v =~ ^[0-9]+$ ]] || { echo "bench/profile.sh: no count from $*" >&2; exit 1; }
	echo "$v"
}
instructions() { count sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$work/$1.cg"; }
syscalls() { count awk '$NF == "total" { print $(NF-2) }' "$work/$1.st"; }
# Instructions inside one libpam call ($2), the whole run.
inside() {
	count sh -c "callgrind_annotate --inclusive=yes '$work/$1.cg' 2>/dev/null |
		awk '/:$2 \\[/ { gsub(\",\", \"\", \$1); print \$1; exit }'"
}
# One row: name, then the counts of a run minus the base run's, a login.
row() {
	awk -v name="$1" -v n="$per_case" 'BEGIN {
		printf "%-14s %12.1fk %12.1f %10.1fk %10.1fk %8.1fk\n", name,
			(ARGV[1] - ARGV[2]) / n / 1000, (ARGV[3] - ARGV[4]) / n,
			(ARGV[5] - ARGV[6]) / n / 1000, (ARGV[7] - ARGV[8]) / n / 1000,
			(ARGV[9] - ARGV[10]) / n / 1000 }' "${@:2}"
}
# A run's counts, each followed by the base's ($2..$6).
counts() {
	local ir sc st au en
	ir=$(instructions "$1")
	sc=$(syscalls "$1")
	st=$(inside "$1" pam_start_confdir)
	au=$(inside "$1" pam_authenticate)
	en=$(inside "$1" pam_end)
	echo "$ir $2 $sc $3 $st $4 $au $5 $en $6"
}

run none
vals=$(counts none 0 0 0 0 0)
read -r -a v <<<"$vals"
base=("${v[0]}" "${v[2]}" "${v[4]}" "${v[6]}" "${v[8]}")
printf '%-14s %13s %12s %11s %11s %9s\n' case "instr/login" "syscalls" \
	"pam_start" "pam_auth" "pam_end"
row pam_permit "${v[@]}"
for c in "${cases[@]}"; do
	run "$c"
	vals=$(counts "$c" "${base[@]}")
	read -r -a v <<<"$vals"
	row "$c" "${v[@]}"
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
