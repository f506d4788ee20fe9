# SPDX-License-Identifier: BSD-3-Clause
# The shipped stacks (conf/) proven on the real programs: sshd, sudo, su,
# login, pam_faillock, forward_pass with pam_unix, the fail2ban filter
# (tests/stacks, DESIGN.md §9). They run the installed module, as root (exit 77
# otherwise). Each takes seconds, but they share /dev/log and /run/sshd:
# one at a time (RESOURCE_LOCK here; a flock across concurrent ctest runs,
# waited for up to 100 s, hence the time-out).
foreach(t sshd sudo su su_limits login faillock forward_pass fail2ban)
  add_test(NAME test_stack_${t}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/stacks/test_stack_${t}.sh
                   $<TARGET_FILE:pam_baro_auth>)
  set_tests_properties(test_stack_${t} PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 180 LABELS "root;stacks"
    RESOURCE_LOCK baro_devlog)
endforeach()
# sshd's session line on its own (sshd opens the session in another process
# than the one that authenticated).
add_test(NAME test_stack_sshd_session
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/stacks/test_stack_sshd.sh
                 $<TARGET_FILE:pam_baro_auth> session)
set_tests_properties(test_stack_sshd_session PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 180 LABELS "root;stacks"
  RESOURCE_LOCK baro_devlog)
