#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Hardening CI (what each step proves: docs/SECURITY.md).
#   1. packages (tools/deps.sh, then clang/libFuzzer, clang-tidy,
#      scan-build, cppcheck, valgrind)
#   2. libFuzzer build (build-fuzz/: the same tree with -DBARO_FUZZ=ON,
#      the targets listed in build-fuzz/fuzz-targets), every committed
#      seed replayed, then
#      each target fuzzed for BARO_FUZZ_SECONDS (default 60), as many at a
#      time as there are cores; any crash, leak, timeout or broken
#      invariant fails
#   3. ASan+UBSan build (build-asan/, -fno-sanitize-recover=all) running
#      the whole ctest suite
#   4. valgrind memcheck of the libpam-level tests (build-valgrind/):
#      zero errors, zero definite leaks
#   5. cppcheck, clang-tidy (.clang-tidy), scan-build: zero findings
# Runs standalone from a fresh clone as root: bash .ci/hardening.sh
# Every step runs; the exit status is non-zero if any failed.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
FUZZ_SECONDS=${BARO_FUZZ_SECONDS:-60}
JOBS=$(nproc 2>/dev/null || echo 2)
START=$(date +%s)
FAILED=()

say() { printf '\n=== hardening: %s ===\n' "$*"; }

# run NAME FUNCTION: a step; its failure is recorded, the others still run.
run() {
	local name=$1 t0=$SECONDS
	shift
	say "$name"
	if "$@"; then
		echo "--- $name: ok ($((SECONDS - t0)) s)"
	else
		echo "--- $name: FAILED ($((SECONDS - t0)) s)"
		FAILED+=("$name")
	fi
}

missing_packages() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "ok installed" || echo "$p"
	done
}

install_packages() {
	local missing
	tools/deps.sh || return 1
	# shellcheck disable=SC2046
	missing=$(missing_packages clang libclang-rt-14-dev clang-tidy \
		clang-tools cppcheck valgrind libnss-wrapper)
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing packages (run as root): $missing" >&2
		return 1
	fi
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends $missing ||
		{ apt-get update && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends $missing; }
}

# --- 2. fuzzing ---------------------------------------------------------

FUZZ_DIR=build-fuzz
FUZZ_TARGETS=""

# The list of targets is the build's (tests/fuzz/CMakeLists.txt).
fuzz_build() {
	# A build directory of another source tree (the fuzz build used to be
	# a project of its own in tests/fuzz) cannot be reconfigured.
	if [ -f "$FUZZ_DIR/CMakeCache.txt" ] && ! grep -qx \
		"CMAKE_HOME_DIRECTORY:INTERNAL=$ROOT" "$FUZZ_DIR/CMakeCache.txt"; then
		rm -rf "$FUZZ_DIR"
	fi
	cmake -S . -B "$FUZZ_DIR" -DCMAKE_C_COMPILER=clang -DBARO_FUZZ=ON \
		-DCMAKE_BUILD_TYPE=Debug >/dev/null &&
		cmake --build "$FUZZ_DIR" -j"$JOBS" >/dev/null || return 1
	FUZZ_TARGETS=$(cat "$FUZZ_DIR/fuzz-targets")
	[ -n "$FUZZ_TARGETS" ] && echo "targets:" $FUZZ_TARGETS
}

# Each committed seed once through its libFuzzer target.
fuzz_replay() {
	local t n status=0
	[ -n "$FUZZ_TARGETS" ] || { echo "no fuzz build"; return 1; }
	for t in $FUZZ_TARGETS; do
		n=$(find "tests/fuzz/corpus/$t" -type f | wc -l)
		if [ "$n" -eq 0 ]; then
			echo "replay $t: no seeds in tests/fuzz/corpus/$t"
			status=1
			continue
		fi
		if find "tests/fuzz/corpus/$t" -type f -print0 | sort -z |
			xargs -0 "$FUZZ_DIR/fuzz_$t" \
				>"$FUZZ_DIR/replay-$t.log" 2>&1; then
			echo "replay $t: $n seeds, no finding"
		else
			echo "replay $t: FAILED"
			tail -40 "$FUZZ_DIR/replay-$t.log"
			status=1
		fi
	done
	return $status
}

# One target for FUZZ_SECONDS from its seeds into a scratch corpus (the
# committed corpus is never written).
fuzz_one() {
	local t=$1 work=$FUZZ_DIR/work/$t
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	"$FUZZ_DIR/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -timeout=30 \
		-rss_limit_mb=2560 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" \
		"$work/corpus" "tests/fuzz/corpus/$t" >"$work/log" 2>&1
}

fuzz_report() {
	local t=$1 work=$FUZZ_DIR/work/$t execs corp artifacts
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	corp=$(grep -oE 'corp: [0-9]+/[0-9a-zA-Z]+' "$work/log" | tail -1)
	artifacts=$(find "$work/artifacts" -type f | wc -l)
	printf '%-8s %12s execs   %-22s %s artifact(s)\n' "$t" \
		"${execs:-?}" "${corp:-corp: ?}" "$artifacts"
	if [ "$artifacts" -ne 0 ] || grep -qE 'ERROR: libFuzzer|invariant broken|SUMMARY: ' "$work/log"; then
		grep -E -B2 -A30 'invariant broken|ERROR: ' "$work/log" | head -60
		find "$work/artifacts" -type f
		return 1
	fi
	[ -n "$execs" ]
}

fuzz_run() {
	local t pids=() status=0 i=0
	[ -n "$FUZZ_TARGETS" ] || { echo "no fuzz build"; return 1; }
	echo "fuzzing each target for $FUZZ_SECONDS s, $JOBS at a time"
	for t in $FUZZ_TARGETS; do
		fuzz_one "$t" &
		pids+=($!)
		i=$((i + 1))
		if [ $((i % JOBS)) -eq 0 ]; then
			wait "${pids[@]}"
			pids=()
		fi
	done
	wait "${pids[@]}" 2>/dev/null
	for t in $FUZZ_TARGETS; do
		fuzz_report "$t" || status=1
	done
	return $status
}

# --- 3. sanitizers ------------------------------------------------------

# The shipped-stack tests (label "stacks") load the module into the real
# sshd, su, sudo and login, which are not built with ASan and cannot load
# an ASan module; they run in the main test run. nss_wrapper (LD_PRELOAD
# in test_module_acl) needs its RTLD_DEEPBIND off and the link-order check
# relaxed to live beside the ASan runtime.
asan_ctest() {
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug \
		-DBARO_SANITIZE=address,undefined >/dev/null &&
		cmake --build build-asan -j"$JOBS" >/dev/null || return 1
	(
		cd build-asan &&
			ASAN_OPTIONS=detect_leaks=1:verify_asan_link_order=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1 \
			UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			NSS_WRAPPER_DISABLE_DEEPBIND=1 \
			ctest --output-on-failure -j"$JOBS" -LE stacks
	)
}

# --- 4. valgrind --------------------------------------------------------

# The tests that drive the module through libpam, and the pam fuzz target
# over its seeds. Not here: test_module_acl (it re-executes itself via
# /proc/self/exe, which under valgrind is valgrind's own tool binary),
# test_root_concurrency (16 processes under valgrind outlast the 5 s lock
# bound the test checks) and test_crash_safety (SIGKILL timing); the
# ASan run covers them.
VALGRIND_TESTS="test_module_login test_module_messages test_module_prompts
test_module_encrypt test_exports test_root_files test_fault_injection
test_fs_attacks fuzz_replay_pam fuzz_replay_config fuzz_replay_acl"

valgrind_tests() {
	local t arg rc status=0 log
	cmake -S . -B build-valgrind -DCMAKE_BUILD_TYPE=Debug >/dev/null &&
		cmake --build build-valgrind -j"$JOBS" >/dev/null || return 1
	mkdir -p build-valgrind/memcheck
	valgrind --version
	for t in $VALGRIND_TESTS; do
		arg=""
		case $t in
		fuzz_replay_*) arg=tests/fuzz/corpus/${t#fuzz_replay_} ;;
		esac
		if [ ! -x "build-valgrind/tests/$t" ]; then
			echo "$t: not built"
			status=1
			continue
		fi
		log=build-valgrind/memcheck/$t
		rm -f "$log".*
		valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
			--show-leak-kinds=definite --errors-for-leak-kinds=definite \
			--suppressions=tests/static/valgrind.supp \
			--trace-children=yes \
			--trace-children-skip='*/oathtool,/bin/*,/usr/bin/*,/usr/sbin/*,/sbin/*' \
			--log-file="$log.%p" "build-valgrind/tests/$t" $arg \
			>"$log.out" 2>&1
		rc=$?
		case $rc in
		0) echo "$t: 0 errors, 0 definite leaks" ;;
		77) echo "$t: skipped (not root)" ;;
		99) echo "$t: MEMCHECK ERRORS"; cat "$log".[0-9]*; status=1 ;;
		*) echo "$t: test failed under valgrind (exit $rc)"
		   tail -30 "$log.out"; status=1 ;;
		esac
	done
	return $status
}

# --- 5. static analysis -------------------------------------------------

scan_build() {
	local log=build-scan/scan.log
	rm -rf build-scan
	mkdir -p build-scan
	if scan-build -o build-scan/reports cmake -S . -B build-scan \
		-DCMAKE_BUILD_TYPE=Debug -DBARO_TESTS=OFF >"$log" 2>&1 &&
		scan-build --status-bugs -o build-scan/reports \
			cmake --build build-scan -j"$JOBS" >>"$log" 2>&1; then
		grep -E '^scan-build:' "$log"
		return 0
	fi
	grep -E 'warning:|error:|^scan-build:' "$log" | head -60
	return 1
}

run "packages" install_packages
run "fuzz build (clang, libFuzzer, ASan, UBSan)" fuzz_build
run "fuzz corpus replay" fuzz_replay
run "fuzzing" fuzz_run
run "ASan+UBSan ctest" asan_ctest
run "valgrind memcheck" valgrind_tests
run "cppcheck" bash tests/static/cppcheck.sh
run "clang-tidy" bash tests/static/clang-tidy.sh build-tidy
run "scan-build" scan_build
run "open flags (O_CLOEXEC, O_NOFOLLOW)" sh tests/static/check_open_flags.sh src

say "summary"
echo "wall-clock: $(($(date +%s) - START)) s"
if [ ${#FAILED[@]} -ne 0 ]; then
	printf 'FAILED: %s\n' "${FAILED[@]}"
	exit 1
fi
echo "all hardening steps passed"
