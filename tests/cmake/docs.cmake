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
# The installation commands of README.md and INSTALL.md, run as written in
# a private mount namespace on this build (tests/docs/test_readme_commands.sh).
# Label "stacks": they load the module into pamtester, not an ASan program.
foreach(doc README.md docs/INSTALL.md)
  get_filename_component(name ${doc} NAME_WE)
  add_test(NAME test_docs_commands_${name}
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/docs/test_readme_commands.sh
            ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR} ${doc})
  set_tests_properties(test_docs_commands_${name} PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 400 LABELS "root;docs;stacks"
    RESOURCE_LOCK baro_devlog)
endforeach()
