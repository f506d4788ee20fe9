# SPDX-License-Identifier: BSD-3-Clause
# The pam-auth-update profile conf/pam-configs/baro-auth with the
# distribution's su and common-auth, and pam_faillock around it, on private
# copies of /etc/pam.d, /var/lib/pam and the debconf database (root; exit
# 77 elsewhere). .ci/package.sh runs it again on the installed package.
add_test(NAME test_stack_pam_auth_update
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/stacks/test_stack_pam_auth_update.sh
                 $<TARGET_FILE:pam_baro_auth>)
set_tests_properties(test_stack_pam_auth_update PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 180 LABELS "root;stacks"
  RESOURCE_LOCK baro_devlog)
