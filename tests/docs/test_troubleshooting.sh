#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Every message the module and the core library log at a real priority
# (not LOG_DEBUG) is documented in docs/TROUBLESHOOTING.md, and every §7
# message of the spec is in the source.
# Usage: test_troubleshooting.sh SOURCE_DIR
set -euo pipefail

src=${1:?source dir}
doc=$src/docs/TROUBLESHOOTING.md
missing=0

# The fixed text of each format: up to the first conversion, which is
# enough to identify the message in the document.
while IFS= read -r fmt; do
	stem=${fmt%%%*}
	stem=${stem%\\*}
	[ ${#stem} -ge 12 ] || continue
	if ! grep -qF -- "$stem" "$doc"; then
		echo "undocumented log message: $fmt"
		missing=$((missing + 1))
	fi
done < <(cat "$src"/src/*/*.c |
	perl -0777 -ne 'print "$1\n" while /baro_log\([^;]*?LOG_(?!DEBUG)[A-Z]+,\s*"((?:[^"\\]|\\.)+)"/gs' |
	sort -u)

# The audit lines of the module's table (in the module or the core).
audits=0
while IFS= read -r fmt; do
	audits=$((audits + 1))
	stem=${fmt%%%*}
	grep -qF -- "$stem" "$doc" || {
		echo "undocumented audit line: $fmt"
		missing=$((missing + 1))
	}
done < <(grep -hoP '^\s*\[(BARO_)?AUDIT_[A-Z_]+\] = "\K[^"]+' "$src"/src/*/*.c)
if [ "$audits" -eq 0 ]; then
	echo "no audit line table found in src/*/*.c"
	missing=$((missing + 1))
fi

if [ "$missing" -ne 0 ]; then
	echo "$missing message(s) missing from docs/TROUBLESHOOTING.md"
	exit 1
fi
echo "every log message is documented"
