#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The login benchmark: builds the project (Release) in its own
# directory with the driver bench/baro_bench.c, prints the machine, and
# runs the driver.
#
# Usage: bench/run.sh [--quick] [--build DIR] [-- DRIVER OPTIONS...]
#   --quick       a smoke run (few logins, one round, no timing verdicts)
#                 for CI; exits non-zero only when a login misbehaves
#   --build DIR   build directory (default: $BARO_BENCH_BUILD or
#                 build-bench in the source tree)
#   DRIVER OPTIONS are passed on, e.g. --logins 5000 --rounds 7,
#   --only baro-ro,baro-state, --no-concurrency, --real-syslog, --keep,
#   --compare OTHER_BUILD/src (the module's cases again with another
#   build's modules, in the same rounds: before/after of a change).
# Needs root (the secret files must be root's); exits 77 otherwise.
set -euo pipefail

cd "$(dirname "$0")/.."
src=$(pwd)
build=${BARO_BENCH_BUILD:-$src/build-bench}
driver_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) driver_args+=(--quick) ;;
	--build) build=$2; shift ;;
	--) shift; driver_args+=("$@"); break ;;
	*) echo "usage: bench/run.sh [--quick] [--build DIR] [-- DRIVER OPTIONS]" >&2
	   exit 2 ;;
	esac
	shift
done
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/run.sh: needs root (root-owned secret files); skipped" >&2
	exit 77
fi

# The project, Release, in its own build directory: the installed module,
# the test module (whose clock BARO_TEST_NOW sets) and the driver
# (tests/cmake/bench.cmake, linked with the core library).
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBARO_TESTS=ON \
	>"$build.cmake.log" 2>&1 || { cat "$build.cmake.log" >&2; exit 1; }
cmake --build "$build" -j"$(nproc)" --target pam_baro_auth \
	pam_baro_auth_test baro_bench >"$build.build.log" 2>&1 ||
	{ tail -40 "$build.build.log" >&2; exit 1; }

tmpdev=$(df --output=source /tmp | tail -1)
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs," \
	"$(free -g | awk '/^Mem:/ {print $2}') GiB"
echo "kernel:  $(uname -r)"
echo "/tmp:    $(df --output=fstype /tmp | tail -1) on $tmpdev," \
	"$(awk -v d="$tmpdev" '$1 == d {print $4; exit}' /proc/mounts)"
mnt=$(dmesg 2>/dev/null | grep "EXT4-fs ($(basename "$tmpdev")): mounted" | tail -1 |
	sed 's/.*mounted filesystem [^ ]* //' || true)
if [ -n "$mnt" ]; then
	echo "         ext4 $mnt"
fi
echo "libpam:  $(dpkg-query -W -f='${Version}' libpam0g 2>/dev/null || echo '?')," \
	"google-authenticator $(dpkg-query -W -f='${Version}' \
	libpam-google-authenticator 2>/dev/null || echo 'not installed')," \
	"pam_oath $(dpkg-query -W -f='${Version}' libpam-oath 2>/dev/null ||
	echo 'not installed')"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) before the run"
echo "commit:  $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo '?')$(
	git -C "$src" diff --quiet HEAD -- src include 2>/dev/null || echo ' + local changes in src/')"
echo

exec "$build/tests/baro_bench" --module "$build/src/pam_baro_auth.so" \
	--test-module "$build/src/pam_baro_auth_test.so" "${driver_args[@]}"
