# Finds a Python interpreter that can import what Ferry's workers and tests need.
# Order: -DFERRY_PYTHON=..., $FERRY_PYTHON, /usr/bin/python3 (Debian's), python3 on PATH.
function(ferry_find_python out_var)
  set(candidates "")
  if(FERRY_PYTHON)
    list(APPEND candidates "${FERRY_PYTHON}")
  endif()
  if(DEFINED ENV{FERRY_PYTHON})
    list(APPEND candidates "$ENV{FERRY_PYTHON}")
  endif()
  find_program(path_python3 python3)
  list(APPEND candidates /usr/bin/python3 ${path_python3})
  foreach(candidate IN LISTS candidates)
    execute_process(COMMAND ${candidate} -c "import zmq, msgpack, pytest, yaml"
                    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
    if(rc EQUAL 0)
      set(${out_var} ${candidate} PARENT_SCOPE)
      return()
    endif()
  endforeach()
  message(FATAL_ERROR "No Python interpreter among [${candidates}] can import zmq, msgpack, "
                      "pytest and yaml. Install them: apt-get install python3-zmq python3-msgpack "
                      "python3-pytest python3-yaml (or run scripts/install-deps.sh).")
endfunction()
