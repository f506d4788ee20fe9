# SPDX-License-Identifier: BSD-3-Clause
# baro-keygen end to end: files it writes log in through the test module;
# its command line; check against private pam.d trees; verify and show
# with the injected clock.
if(TARGET baro-keygen)
  add_test(NAME test_keygen
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/keygen/test_keygen.sh
            $<TARGET_FILE:baro-keygen> $<TARGET_FILE:baro-demo>
            $<TARGET_FILE:pam_baro_auth_test>)
  add_test(NAME test_keygen_cli
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/keygen/test_keygen_cli.sh
            $<TARGET_FILE:baro-keygen>)
  add_test(NAME test_keygen_check
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/keygen/test_keygen_check.sh
            $<TARGET_FILE:baro-keygen>)
  add_test(NAME test_keygen_clock
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/keygen/test_keygen_clock.sh
            $<TARGET_FILE:baro-keygen-test> $<TARGET_FILE:baro-demo>
            $<TARGET_FILE:pam_baro_auth_test>)
  set_tests_properties(test_keygen test_keygen_cli test_keygen_check
    test_keygen_clock PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()
