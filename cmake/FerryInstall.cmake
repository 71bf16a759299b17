# What `cmake --install` lays out (and what the .deb of cmake/FerryPackage.cmake holds):
#   bin/ferry                                   the executable
#   lib/python3/dist-packages/ferry_worker      the worker package, where Debian's python3 imports it
#   share/ferry/python/ferry_worker             a link to it: the only entry `ferry` puts on its
#                                               pools' PYTHONPATH (nothing else of dist-packages)
#   lib/systemd/system/ferry-*.service          the systemd units of deploy/systemd
#   share/ferry/examples/                       example configuration (/etc/ferry starts from these)
#   share/doc/ferry/                            the operator documentation
# docs/install.md describes the layout for operators.
include(GNUInstallDirs)

set(FERRY_PYTHON_INSTALL_DIR "lib/python3/dist-packages" CACHE STRING
    "Where the ferry_worker Python package is installed, relative to the prefix (Debian's python3 \
reads <prefix>/lib/python3/dist-packages for the prefix /usr)")
set(FERRY_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "Where the systemd unit files are installed, relative to the prefix")
set(FERRY_WORKER_LINK_DIR "${CMAKE_INSTALL_DATADIR}/ferry/python")

# The installed `ferry` finds the installed package relative to itself (app/src/python_finder.cpp):
# the path from the executable's directory to FERRY_WORKER_LINK_DIR, fixed at configure time so
# that any --prefix given to `cmake --install` (or DESTDIR) keeps working.
file(RELATIVE_PATH _ferry_worker_from_bin
     "${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}" "${CMAKE_INSTALL_PREFIX}/${FERRY_WORKER_LINK_DIR}")
set_source_files_properties(${PROJECT_SOURCE_DIR}/app/src/python_finder.cpp
  DIRECTORY ${PROJECT_SOURCE_DIR}/app
  PROPERTIES COMPILE_DEFINITIONS "FERRY_WORKER_INSTALL_DIR=\"${_ferry_worker_from_bin}\"")

install(TARGETS ferry RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The worker package without bytecode caches and tests.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/py_workers/ferry_worker
  DESTINATION ${FERRY_PYTHON_INSTALL_DIR}
  PATTERN "__pycache__" EXCLUDE PATTERN "*.pyc" EXCLUDE
  PATTERN "tests" EXCLUDE PATTERN "test_*.py" EXCLUDE)

# The link share/ferry/python/ferry_worker -> the package, relative when both are under the prefix.
install(CODE "
  set(_prefix \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}\")
  set(_python_dir \"${FERRY_PYTHON_INSTALL_DIR}\")
  if(IS_ABSOLUTE \"\${_python_dir}\")
    set(_target \"\${_python_dir}/ferry_worker\")
  else()
    file(RELATIVE_PATH _target \"\${CMAKE_INSTALL_PREFIX}/${FERRY_WORKER_LINK_DIR}\"
         \"\${CMAKE_INSTALL_PREFIX}/\${_python_dir}/ferry_worker\")
  endif()
  file(MAKE_DIRECTORY \"\${_prefix}/${FERRY_WORKER_LINK_DIR}\")
  file(REMOVE \"\${_prefix}/${FERRY_WORKER_LINK_DIR}/ferry_worker\")
  message(STATUS \"Installing: \${_prefix}/${FERRY_WORKER_LINK_DIR}/ferry_worker -> \${_target}\")
  file(CREATE_LINK \"\${_target}\" \"\${_prefix}/${FERRY_WORKER_LINK_DIR}/ferry_worker\" SYMBOLIC)
")

# The systemd units name /usr/bin/ferry; installed under another prefix they name that prefix's
# executable, and the worker unit adds that prefix's package directory to PYTHONPATH (Debian's
# python3 only reads /usr/lib/python3/dist-packages by itself).
foreach(unit ferry-broker.service ferry-serve.service ferry-worker@.service
             ferry-native-worker@.service)
  install(CODE "
    set(_unit_dir \"${FERRY_SYSTEMD_UNIT_DIR}\")
    if(NOT IS_ABSOLUTE \"\${_unit_dir}\")
      set(_unit_dir \"\${CMAKE_INSTALL_PREFIX}/\${_unit_dir}\")
    endif()
    set(_python_dir \"${FERRY_PYTHON_INSTALL_DIR}\")
    if(NOT IS_ABSOLUTE \"\${_python_dir}\")
      set(_python_dir \"\${CMAKE_INSTALL_PREFIX}/\${_python_dir}\")
    endif()
    set(_bin \"${CMAKE_INSTALL_BINDIR}\")
    if(NOT IS_ABSOLUTE \"\${_bin}\")
      set(_bin \"\${CMAKE_INSTALL_PREFIX}/\${_bin}\")
    endif()
    file(READ \"${PROJECT_SOURCE_DIR}/deploy/systemd/${unit}\" _text)
    string(REPLACE \"/usr/bin/ferry \" \"\${_bin}/ferry \" _text \"\${_text}\")
    if(NOT _python_dir STREQUAL \"/usr/lib/python3/dist-packages\")
      string(REPLACE \"\\nExecStart=/usr/bin/python3 \"
             \"\\nEnvironment=PYTHONPATH=\${_python_dir}\\nExecStart=/usr/bin/python3 \"
             _text \"\${_text}\")
    endif()
    set(_to \"\$ENV{DESTDIR}\${_unit_dir}/${unit}\")
    message(STATUS \"Installing: \${_to}\")
    file(WRITE \"\${_to}\" \"\${_text}\")
    file(CHMOD \"\${_to}\" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  ")
endforeach()

install(FILES
  ${PROJECT_SOURCE_DIR}/config/echo.yaml
  ${PROJECT_SOURCE_DIR}/deploy/systemd/broker.yaml
  ${PROJECT_SOURCE_DIR}/deploy/systemd/serve.yaml
  ${PROJECT_SOURCE_DIR}/deploy/systemd/worker-example.env
  ${PROJECT_SOURCE_DIR}/deploy/systemd/native-worker-example.env
  ${PROJECT_SOURCE_DIR}/config/digits-worker.yaml
  DESTINATION ${CMAKE_INSTALL_DATADIR}/ferry/examples)

# The operator's documentation; pages written later join the list when they exist at configure time.
set(_ferry_docs "")
foreach(page install deploy security configuration broker operations durability http-api
             commands schedules native-worker)
  if(EXISTS ${PROJECT_SOURCE_DIR}/docs/${page}.md)
    list(APPEND _ferry_docs ${PROJECT_SOURCE_DIR}/docs/${page}.md)
  endif()
endforeach()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${_ferry_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/py_workers/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR}
        RENAME ferry_worker.md)
