# SPDX-License-Identifier: BSD-3-Clause
# Every open in src/ asks for O_CLOEXEC and, below "/", O_NOFOLLOW.
add_test(NAME static_open_flags
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/static/check_open_flags.sh
                 ${PROJECT_SOURCE_DIR}/src)
set_tests_properties(static_open_flags PROPERTIES LABELS "hardening;static")
