#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# clang-tidy with the checked-in .clang-tidy over every product source in
# the compilation database (src/, tools/); any finding fails (exit 1).
# Usage: tests/static/clang-tidy.sh [BUILD_DIR]   (default build-tidy)
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build-tidy}
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
	-DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DBARO_TESTS=OFF >/dev/null
files=$(sed -n 's/^ *"file": "\(.*\)",\{0,1\}$/\1/p' "$build/compile_commands.json" |
	grep -E "^$root/(src|tools)/" | sort -u)
[ -n "$files" ] || { echo "clang-tidy: no product source found" >&2; exit 1; }
clang-tidy --version | head -2
out=$(mktemp)
# Two at a time (the CI machine has two cores); --quiet drops the
# "N warnings generated" counts of suppressed system-header noise.
status=0
echo "$files" | xargs -P 2 -n 4 clang-tidy -p "$build" --quiet >"$out" 2>&1 ||
	status=1
if [ "$status" -ne 0 ] || grep -qE '(warning|error):' "$out"; then
	grep -vE '^[0-9]+ warnings? generated\.$' "$out"
	rm -f "$out"
	echo "clang-tidy: findings (see above)" >&2
	exit 1
fi
rm -f "$out"
echo "clang-tidy: no findings in $(echo "$files" | wc -l) files"
