#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# cppcheck over the product code (src/, tools/ when it has C): warning,
# style, performance and portability; any finding fails (exit 1).
# Suppressions, each with its reason: tests/static/cppcheck.supp.
set -eu
cd "$(dirname "$0")/../.."
dirs=src
[ -n "$(find tools -name '*.c' 2>/dev/null | head -1)" ] && dirs="src tools"
cppcheck --version
# shellcheck disable=SC2086
cppcheck --enable=warning,style,performance,portability \
	--error-exitcode=1 --inline-suppr --std=c11 --language=c \
	-D_GNU_SOURCE -D__linux__ -D__x86_64__ -I include \
	-DBARO_CHKCODE_PATH=\"/usr/libexec/pam_baro_auth/baro_chkcode\" \
	--suppressions-list=tests/static/cppcheck.supp \
	--template='{file}:{line}: {severity} [{id}] {message}' \
	-q $dirs
echo "cppcheck: no findings in $dirs"
