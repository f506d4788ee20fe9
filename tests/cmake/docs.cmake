# SPDX-License-Identifier: BSD-3-Clause
# Documentation that must stay true: every log message in TROUBLESHOOTING.md,
# the man page renders without warnings.
add_test(NAME test_docs_troubleshooting
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/docs/test_troubleshooting.sh
          ${PROJECT_SOURCE_DIR})
find_program(GROFF groff)
if(GROFF)
  file(GLOB BARO_MAN_PAGES ${PROJECT_SOURCE_DIR}/docs/*.[58])
  foreach(page ${BARO_MAN_PAGES})
    get_filename_component(name ${page} NAME)
    add_test(NAME test_docs_man_${name}
      COMMAND sh -c "${GROFF} -man -Tutf8 -ww -z '${page}' 2>&1 | (! grep .)")
  endforeach()
endif()
