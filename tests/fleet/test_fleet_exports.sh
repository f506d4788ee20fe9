#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The fleet store's objects (DESIGN.md §11): the backend exports its one entry
# point; only the backend needs libpq; the installed module loads the
# installed backend, and only the test module names the build tree's (a
# path fixed at build time, never read from the environment).
# Usage: test_fleet_exports.sh FLEET_BACKEND TEST_MODULE PROD_MODULE INSTALLED_BACKEND
set -euo pipefail
backend=$1 test_module=$2 prod_module=$3 installed=$4
fail=0
check()
{
	local d=$1
	shift
	if "$@"; then echo "ok - $d"; else echo "not ok - $d"; fail=1; fi
}
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

syms=$(nm -D --defined-only "$backend" | awk '{print $2 " " $3}')
check "the backend exports exactly one symbol, T baro_fleet_verify_v1 ($syms)" \
	test "$syms" = "T baro_fleet_verify_v1"
check "the backend needs libpq" grep -q '^libpq\.so' <<<"$(needed "$backend")"
for m in "$prod_module" "$test_module"; do
	check "$(basename "$m") does not need libpq" \
		bash -c "! readelf -d '$m' | grep -q 'libpq'"
	check "$(basename "$m") exports no fleet symbol" \
		bash -c "! nm -D --defined-only '$m' | grep -q fleet"
done
check "the installed module loads the installed backend ($installed)" \
	grep -qaF "$installed" "$prod_module"
check "the installed module does not name the build tree's backend" \
	bash -c "! grep -qaF '$backend' '$prod_module'"
check "the test module loads the build tree's backend" \
	grep -qaF "$backend" "$test_module"
# The installed module reads no process environment at all (only the test
# module's clock does), so nothing there can name another backend.
check "the installed module imports no getenv/secure_getenv" \
	bash -c "! nm -D --undefined-only '$prod_module' | grep -qE ' (secure_)?getenv@'"
check "the backend calls no getenv (it only hides PG* from libpq)" \
	bash -c "! nm -D --undefined-only '$backend' | grep -qE ' (secure_)?getenv@'"
exit "$fail"
