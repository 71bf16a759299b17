# Writes OUT, a header defining FERRY_COMMIT as the short commit of the checkout at SOURCE_DIR
# ("unknown" outside a git checkout, or inside another project's repository). Run at every build
# (cmake -P), so `ferry --version` names the commit that was built, not the one configured. The
# file is rewritten only when the commit changed, so an unchanged checkout recompiles nothing.
set(commit unknown)
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --show-toplevel
                  WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE top
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE top_rc)
  get_filename_component(top "${top}" REALPATH)
  get_filename_component(source "${SOURCE_DIR}" REALPATH)
  if(top_rc EQUAL 0 AND top STREQUAL source)
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
                    WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE head
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE head_rc)
    if(head_rc EQUAL 0 AND head)
      set(commit ${head})
    endif()
  endif()
endif()
set(text "// Written at build time by cmake/FerryCommit.cmake.\n#pragma once\n#define FERRY_COMMIT \"${commit}\"\n")
set(old "")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
