# SPDX-License-Identifier: BSD-3-Clause
# Shared by the baro-keygen test scripts (sourced): the tally, and run
# with its output kept for has/hasnt. Needs KG set.
fails=0
ok()   { echo "ok   - $*"; }
bad()  { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
# run ARGS...: $st the exit status of baro-keygen, $out stdout+stderr
run() { out=$("$KG" "$@" 2>&1) && st=0 || st=$?; }
has()  { grep -qF -- "$1" <<<"$out"; }
hasnt() { ! grep -qF -- "$1" <<<"$out"; }
finish() { echo "$fails failure(s)"; [ "$fails" -eq 0 ]; }
