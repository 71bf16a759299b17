# Registers every pytest test as its own CTest test, so ctest's closing line counts them all.
# Collection runs at configure time; adding or renaming a Python test file re-runs it.
function(ferry_add_pytest_tests python)
  set(dirs ${ARGN})
  set(existing "")
  foreach(dir IN LISTS dirs)
    file(GLOB_RECURSE files CONFIGURE_DEPENDS ${dir}/test_*.py)
    if(files)
      list(APPEND existing ${dir})
    endif()
  endforeach()
  if(NOT existing)
    return()
  endif()
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${CMAKE_SOURCE_DIR}/py_workers PYTHONDONTWRITEBYTECODE=1
            ${python} -m pytest --collect-only -q -p no:cacheprovider ${existing}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    OUTPUT_VARIABLE collected ERROR_VARIABLE collect_err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pytest could not collect the Python tests:\n${collected}\n${collect_err}")
  endif()
  string(REPLACE "\n" ";" lines "${collected}")
  foreach(line IN LISTS lines)
    if(line MATCHES "^(tests/[^ ]+::[^ ]+)$")
      set(node ${CMAKE_MATCH_1})
      string(REGEX REPLACE "^tests/" "py:" name "${node}")
      add_test(NAME ${name}
               COMMAND ${python} -m pytest -q -p no:cacheprovider -x "${node}"
               WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
      set_tests_properties(${name} PROPERTIES
        TIMEOUT 300 LABELS python
        ENVIRONMENT "FERRY_BUILD_DIR=${CMAKE_BINARY_DIR};PYTHONPATH=${CMAKE_SOURCE_DIR}/py_workers;PYTHONDONTWRITEBYTECODE=1")
    endif()
  endforeach()
endfunction()
