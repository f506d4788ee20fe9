# SPDX-License-Identifier: BSD-3-Clause
# The suite does not change /etc/passwd, /etc/group, /etc/shadow or
# /etc/gshadow: a fixture saves their state before any test and compares
# after the last one. Included last (file name), so that every test
# registered in this directory requires it.
get_property(BARO_ALL_TESTS DIRECTORY PROPERTY TESTS)
set(BARO_ETC_STATE ${CMAKE_CURRENT_BINARY_DIR}/etc_unchanged.state)
add_test(NAME etc_unchanged_save
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/support/etc_unchanged.sh
          save ${BARO_ETC_STATE})
add_test(NAME test_etc_unchanged
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/support/etc_unchanged.sh
          check ${BARO_ETC_STATE})
set_tests_properties(etc_unchanged_save PROPERTIES FIXTURES_SETUP baro_etc)
set_tests_properties(test_etc_unchanged PROPERTIES FIXTURES_CLEANUP baro_etc)
if(BARO_ALL_TESTS)
  set_property(TEST ${BARO_ALL_TESTS} APPEND PROPERTY FIXTURES_REQUIRED baro_etc)
endif()
