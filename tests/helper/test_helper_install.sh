#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `cmake --install` puts the setuid helper where the module will run it,
# owned by root with mode 4755, and says so. Installs into a DESTDIR
# under /tmp (removed at exit): nothing on the machine changes.
# Usage: test_helper_install.sh BUILD_DIR
set -euo pipefail

build=${1:?build dir}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (chown root)"; exit 77; }
dest=$(mktemp -d /tmp/baro-install.XXXXXX)
trap 'rm -rf -- "$dest"' EXIT

out=$(DESTDIR=$dest cmake --install "$build" 2>&1) || {
	echo "FAIL: cmake --install failed:"$'\n'"$out"
	exit 1
}
# The path compiled into the installed module.
module=$(find "$dest" -name pam_baro_auth.so -type f | head -n 1)
[ -n "$module" ] || { echo "FAIL: no module installed"; exit 1; }
path=$(strings "$module" | grep '/pam_baro_auth/baro_chkcode$' | head -n 1)
[ -n "$path" ] || {
	echo "FAIL: no helper path in $module"
	exit 1
}
helper=$dest$path
[ -f "$helper" ] || { echo "FAIL: the helper is not at $path"; exit 1; }
st=$(stat -c '%a %U %G' "$helper")
[ "$st" = "4755 root root" ] || { echo "FAIL: $path is $st"; exit 1; }
grep -qF -- "-- Setuid root helper: $helper (owner root, mode 4755)" <<<"$out" || {
	echo "FAIL: the install step did not say it installed a setuid helper:"
	echo "$out"
	exit 1
}
echo "ok - $path installed 4755 root:root, where the module looks, and said so"
