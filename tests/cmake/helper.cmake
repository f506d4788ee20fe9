# SPDX-License-Identifier: BSD-3-Clause
# The setuid helper for unprivileged callers (DESIGN.md §12), run for real: a
# root-owned setuid copy, an ordinary user that exists only in a private
# mount namespace, a PAM program run as that user (tests/helper).
add_executable(pam_as_user ${CMAKE_CURRENT_SOURCE_DIR}/helper/pam_as_user.c)
target_link_libraries(pam_as_user PRIVATE PkgConfig::PAM baro_flags)

# What a hostile caller would have the loader put into the helper.
add_library(baro_evil_preload SHARED
            ${CMAKE_CURRENT_SOURCE_DIR}/helper/evil_preload.c)
target_link_libraries(baro_evil_preload PRIVATE baro_flags)

add_test(NAME test_helper_chkcode
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/helper/test_helper.sh
                 $<TARGET_FILE:baro_chkcode> $<TARGET_FILE:pam_baro_auth_test>
                 $<TARGET_FILE:pam_baro_auth> $<TARGET_FILE:pam_as_user>
                 $<TARGET_FILE:baro_evil_preload>
                 $<TARGET_FILE:baro-keygen-test>)
set_tests_properties(test_helper_chkcode PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS "root;helper"
  RESOURCE_LOCK baro_devlog)

# /dev/null replaced in a private mount namespace: neither the helper nor
# the module's spawner takes it.
add_test(NAME test_helper_null
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/helper/test_helper_null.sh
                 $<TARGET_FILE:baro_chkcode> $<TARGET_FILE:pam_baro_auth_test>
                 $<TARGET_FILE:pam_as_user>)
set_tests_properties(test_helper_null PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS "root;helper"
  RESOURCE_LOCK baro_devlog)

add_test(NAME test_helper_install
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/helper/test_helper_install.sh
                 ${PROJECT_BINARY_DIR})
set_tests_properties(test_helper_install PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS "root;helper")

# The exit-status table read both ways (include/baro/chkcode.h).
add_executable(test_chkcode_status
               ${CMAKE_CURRENT_SOURCE_DIR}/helper/test_chkcode_status.c)
target_link_libraries(test_chkcode_status PRIVATE baro_core baro_flags
                      PkgConfig::CMOCKA)
add_test(NAME test_chkcode_status COMMAND test_chkcode_status)
