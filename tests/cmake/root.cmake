# SPDX-License-Identifier: BSD-3-Clause
# The root-only suites (tests/root): they exit 77 when not run as root.
foreach(t test_root_files test_root_concurrency)
  if(TEST ${t})
    set_tests_properties(${t} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120
                         LABELS root)
  endif()
endforeach()
