#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The login benchmark: builds the project (Release) in its own
# directory, compiles bench/baro_bench.c against that build's core library
# and libpam, prints the machine, and runs the driver.
#
# Usage: bench/run.sh [--quick] [--build DIR] [-- DRIVER OPTIONS...]
#   --quick       a smoke run (few logins, one round, no timing verdicts)
#                 for CI; exits non-zero only when a login misbehaves
#   --build DIR   build directory (default: $BARO_BENCH_BUILD or
#                 build-bench in the source tree)
#   DRIVER OPTIONS are passed on, e.g. --logins 5000 --rounds 7,
#   --only baro-ro,baro-state, --no-concurrency, --real-syslog, --keep.
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

# The project, Release, in its own build directory: the core library, the
# installed module and the test module (whose clock BARO_TEST_NOW sets).
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBARO_TESTS=ON \
	>"$build.cmake.log" 2>&1 || { cat "$build.cmake.log" >&2; exit 1; }
cmake --build "$build" -j"$(nproc)" --target baro_core pam_baro_auth \
	pam_baro_auth_test >"$build.build.log" 2>&1 ||
	{ tail -40 "$build.build.log" >&2; exit 1; }

core=$build/src/libbaro_core.a
defs=()
# encrypt=yes needs baro_seal() (src/core/seal.c) in the core library.
# (grep reads all of nm's output: with -q, nm's SIGPIPE fails the pipe.)
if ! nm "$core" 2>/dev/null | grep ' T baro_seal$' >/dev/null; then
	echo "bench/run.sh: no baro_seal in $core: encrypt=yes is skipped" >&2
	defs+=(-DBARO_BENCH_NO_SEAL)
fi
moddir=$(sed -n 's/^PAM_MODULE_DIR:PATH=//p' "$build/CMakeCache.txt")
if [ -n "$moddir" ]; then
	defs+=("-DPAM_MODULE_DIR=\"$moddir\"")
fi
# -rdynamic: the driver's syslog() is the one libpam and the modules call
# (see the comment in baro_bench.c).
cc -O2 -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -I"$src/include" "${defs[@]}" \
	-rdynamic -o "$build/baro_bench" "$src/bench/baro_bench.c" "$core" \
	$(pkg-config --libs pam) -lcrypto -lpthread

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

exec "$build/baro_bench" --module "$build/src/pam_baro_auth.so" \
	--test-module "$build/src/pam_baro_auth_test.so" "${driver_args[@]}"
