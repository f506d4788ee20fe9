# SPDX-License-Identifier: BSD-3-Clause
# The fuzz targets, for two builds: tests/fuzz/CMakeLists.txt (clang,
# libFuzzer) and tests/cmake/hardening.cmake (any compiler: each target
# with replay_main.c, run over its committed corpus by ctest).

set(BARO_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(BARO_FUZZ_ROOT ${BARO_FUZZ_DIR}/../.. ABSOLUTE)
set(BARO_FUZZ_TARGETS secret acl config base32 seal pam)

# Every call of the core and the module that fault_wrap.c can fail.
set(BARO_FAULT_WRAPPED malloc calloc strdup strndup open openat read write
    close fsync fstat fstatat renameat2 flock fchown getrandom getpwnam_r
    getgrouplist getgrnam_r HMAC EVP_CIPHER_CTX_new)
set(BARO_FAULT_WRAP_OPTIONS "")
foreach(f ${BARO_FAULT_WRAPPED})
  list(APPEND BARO_FAULT_WRAP_OPTIONS "-Wl,--wrap=${f}")
endforeach()

# baro_fuzz_target(NAME EXE CORE [EXTRA_SOURCES...]): fuzz_NAME.c as EXE,
# linked with the core library CORE.
function(baro_fuzz_target name exe core)
  set(srcs ${BARO_FUZZ_DIR}/fuzz_${name}.c ${BARO_FUZZ_DIR}/fuzz_common.c
      ${ARGN})
  if(name STREQUAL "pam")
    list(APPEND srcs ${BARO_FUZZ_ROOT}/src/module/pam_baro_auth.c
         ${BARO_FUZZ_ROOT}/tests/fault/fault_wrap.c)
  endif()
  add_executable(${exe} ${srcs})
  target_include_directories(${exe} PRIVATE ${BARO_FUZZ_ROOT}/include
                             ${BARO_FUZZ_DIR})
  target_link_libraries(${exe} PRIVATE ${core} OpenSSL::Crypto)
  if(name STREQUAL "acl")
    target_link_options(${exe} PRIVATE -Wl,--wrap=getgrnam_r)
  elseif(name STREQUAL "pam")
    target_link_options(${exe} PRIVATE ${BARO_FAULT_WRAP_OPTIONS}
                        -Wl,--wrap=nanosleep)
  endif()
endfunction()
