#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Format check of the product C (src/, include/, tools/): every line that
# changed since BASE (default HEAD~1, the last commit's parent, so in CI
# the last commit or the last merge; uncommitted changes count too) must
# be as .clang-format writes it. Only changed lines are checked: the code
# written before .clang-format differs from it in about fifty places
# (line breaks near column 80, hand-aligned comments), left as they are.
# Tests, bench and fuzz harnesses are not checked.
# Usage: .ci/format-check.sh [BASE]
# To fix: git clang-format BASE -- src include tools
set -euo pipefail

cd "$(dirname "$0")/.."
base=${1:-HEAD~1}
paths=(src include tools)

if ! command -v git-clang-format >/dev/null; then
	echo "format-check: git-clang-format missing (tools/deps.sh installs clang-format)" >&2
	exit 1
fi
if ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
	echo "format-check: no commit $base to compare with; nothing checked"
	exit 0
fi
clang-format --version
out=$(git clang-format --diff --extensions c,h "$base" -- "${paths[@]}")
case $out in
"" | "no modified files to format" | "clang-format did not modify any files")
	echo "format-check: the lines changed since $base are formatted"
	exit 0
	;;
esac
printf '%s\n' "$out"
echo "format-check: lines changed since $base differ from .clang-format;" \
	"run: git clang-format $base -- ${paths[*]}" >&2
exit 1
