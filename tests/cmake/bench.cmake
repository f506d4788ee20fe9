# SPDX-License-Identifier: BSD-3-Clause
# The login benchmark's driver (bench/baro_bench.c), built against this
# build's core and modules, and its smoke run: a few logins of every case
# and the concurrency runs, no timing verdicts. It fails when a login
# misbehaves (a right code refused, a wrong one accepted, an update lost
# under concurrency); the timed run is bench/run.sh (bench/README.md).
find_package(Threads REQUIRED)
add_executable(baro_bench ${PROJECT_SOURCE_DIR}/bench/baro_bench.c)
target_compile_definitions(baro_bench PRIVATE
  PAM_MODULE_DIR="${PAM_MODULE_DIR}")
target_link_libraries(baro_bench PRIVATE baro_core PkgConfig::PAM
                      OpenSSL::Crypto Threads::Threads)
# Exported so that libpam's and the modules' syslog() is the driver's.
set_target_properties(baro_bench PROPERTIES ENABLE_EXPORTS ON)
add_dependencies(baro_bench pam_baro_auth pam_baro_auth_test)
add_test(NAME test_bench_quick
  COMMAND baro_bench --quick --module $<TARGET_FILE:pam_baro_auth>
          --test-module $<TARGET_FILE:pam_baro_auth_test>)
set_tests_properties(test_bench_quick PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS "root;bench")
# bench/profile.sh in a few logins: it still builds its counts from this
# build's driver and modules (valgrind cannot run a sanitized build).
if(NOT BARO_SANITIZE)
  add_test(NAME test_bench_profile_quick
    COMMAND ${PROJECT_SOURCE_DIR}/bench/profile.sh --build ${PROJECT_BINARY_DIR}
            --logins 20 baro-ro)
  set_tests_properties(test_bench_profile_quick PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS "root;bench")
endif()
