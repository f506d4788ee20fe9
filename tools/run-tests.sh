#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The full test run: dependencies, a warnings-as-errors build, every test
# under ctest. Run as root (the security tests need root-owned files).
# Usage: tools/run-tests.sh [BUILD_DIR]
set -euo pipefail

cd "$(dirname "$0")/.."
build=${1:-build}
tools/deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBARO_WERROR=ON
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j"$(nproc)"
