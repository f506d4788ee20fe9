# SPDX-License-Identifier: BSD-3-Clause
# Hardening suites (issue 7, docs/SECURITY.md): the fuzz targets replayed
# over their committed corpora, fault injection through libpam, crash
# safety under SIGKILL, file-system attacks, and the static open-flag
# check. The libFuzzer build itself is tests/fuzz/CMakeLists.txt, run by
# .ci/hardening.sh.

include(${CMAKE_CURRENT_SOURCE_DIR}/fuzz/targets.cmake)

# Every fuzz target with a plain main(): each committed seed once, under
# whatever the build is (the sanitizer build, valgrind).
foreach(t ${BARO_FUZZ_TARGETS})
  baro_fuzz_target(${t} fuzz_replay_${t} baro_core
                   ${BARO_FUZZ_DIR}/replay_main.c)
  add_test(NAME fuzz_replay_${t}
           COMMAND fuzz_replay_${t} ${BARO_FUZZ_DIR}/corpus/${t})
  set_tests_properties(fuzz_replay_${t} PROPERTIES LABELS "hardening;fuzz"
                       TIMEOUT 120)
endforeach()

# pam_baro_auth_fault.so: the test module (injected clock) with every
# failing call wrapped; BARO_FAULT picks the call to fail (fault_env.c).
add_library(pam_baro_auth_fault MODULE
  ${PROJECT_SOURCE_DIR}/src/module/pam_baro_auth.c
  ${PROJECT_SOURCE_DIR}/src/module/clock.c
  fault/fault_wrap.c fault/fault_env.c)
set_target_properties(pam_baro_auth_fault PROPERTIES PREFIX "")
target_compile_definitions(pam_baro_auth_fault PRIVATE BARO_TEST_CLOCK
  pam_sm_authenticate=baro_fault_real_authenticate)
target_link_libraries(pam_baro_auth_fault PRIVATE baro_core)
target_link_options(pam_baro_auth_fault PRIVATE
  -Wl,--version-script=${PROJECT_SOURCE_DIR}/src/module/pam_baro_auth.map
  -Wl,--no-undefined ${BARO_FAULT_WRAP_OPTIONS})

foreach(t test_fault_injection test_crash_safety test_fs_attacks)
  baro_pam_test(${t} fault)
  set_tests_properties(${t} PROPERTIES LABELS "hardening;root" TIMEOUT 600)
endforeach()
add_dependencies(test_fault_injection pam_baro_auth_fault)
target_compile_definitions(test_fault_injection PRIVATE
  BARO_FAULT_MODULE="$<TARGET_FILE:pam_baro_auth_fault>")

# Every open in src/ asks for O_CLOEXEC and, below "/", O_NOFOLLOW.
add_test(NAME static_open_flags
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/static/check_open_flags.sh
                 ${PROJECT_SOURCE_DIR}/src)
set_tests_properties(static_open_flags PROPERTIES LABELS "hardening;static")
