# SPDX-License-Identifier: BSD-3-Clause
# The fleet store (DESIGN.md §11) against a real PostgreSQL 15 started by each
# script, unprivileged, on loopback (tests/fleet). Root (exit 77 otherwise).
add_executable(fleet_driver fleet/fleet_driver.c)
target_compile_definitions(fleet_driver PRIVATE
  FLEET_BACKEND="$<TARGET_FILE:pam_baro_auth_fleet>")
target_link_libraries(fleet_driver PRIVATE baro_core baro_flags PkgConfig::PAM
                      ${CMAKE_DL_LIBS})
set_target_properties(fleet_driver PROPERTIES ENABLE_EXPORTS ON)
add_dependencies(fleet_driver pam_baro_auth_fleet pam_baro_auth
                 pam_baro_auth_test)

foreach(t sql backend pam deadline failover keygen)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/fleet/test_fleet_${t}.sh)
    add_test(NAME test_fleet_${t}
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fleet/test_fleet_${t}.sh
                     $<TARGET_FILE:fleet_driver>
                     $<TARGET_FILE:pam_baro_auth_test>
                     $<TARGET_FILE:pam_baro_auth>
                     $<TARGET_FILE:baro-keygen-test>)
    set_tests_properties(test_fleet_${t} PROPERTIES
      SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS "root;fleet")
  endif()
endforeach()

# store=pgsql through the setuid helper, run as an ordinary user (the
# private world of tests/helper) against a server started here; the
# helper loads the backend from its installed path, put there in a mount
# namespace only.
add_test(NAME test_fleet_helper
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fleet/test_fleet_helper.sh
                 $<TARGET_FILE:baro_chkcode>
                 $<TARGET_FILE:pam_baro_auth_test>
                 $<TARGET_FILE:pam_as_user>
                 $<TARGET_FILE:pam_baro_auth_fleet>
                 ${BARO_FLEET_PATH})
set_tests_properties(test_fleet_helper PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS "root;fleet;helper"
  RESOURCE_LOCK baro_devlog)

# The objects: one exported symbol, libpq only in the backend, the
# backend's path fixed at build time.
add_test(NAME test_fleet_exports
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fleet/test_fleet_exports.sh
                 $<TARGET_FILE:pam_baro_auth_fleet>
                 $<TARGET_FILE:pam_baro_auth_test>
                 $<TARGET_FILE:pam_baro_auth>
                 ${BARO_FLEET_PATH})
set_tests_properties(test_fleet_exports PROPERTIES LABELS "fleet")
