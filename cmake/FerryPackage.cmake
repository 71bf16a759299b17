# The Debian package `ferry`: what cmake/FerryInstall.cmake installs, under /usr.
#   cpack -G DEB --config build/CPackConfig.cmake -B OUTDIR     (or: cmake --build build -t package)
# The executable is stripped in the package; its shared-library dependencies come from
# dpkg-shlibdeps (Debian's dpkg-dev) when it is there, the Python worker's from the list below.
set(FERRY_PACKAGE_MAINTAINER "Ferry maintainers <maintainers@users.noreply.b-seed-30d51c86.example>"
    CACHE STRING "Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ferry)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Ferry")
set(CPACK_PACKAGE_CONTACT "${FERRY_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "native job pipeline feeding Python AI workers over ZeroMQ")
set(CPACK_PACKAGE_DESCRIPTION
    "Ferry moves batch jobs from a native C++ core to pools of Python AI workers and back: the \
ferry command (broker, pipeline runner, scheduling service, HTTP job API) and the ferry_worker \
Python package, with systemd units for the broker, the service and one worker pool per instance.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# Components are not used: one package holds everything installed.
set(CPACK_DEB_COMPONENT_INSTALL OFF)

set(CPACK_DEBIAN_PACKAGE_NAME ferry)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # ferry_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${FERRY_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "python3 (>= 3.9), python3-zmq, python3-msgpack")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "systemd")
find_program(FERRY_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(FERRY_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  message(STATUS "dpkg-shlibdeps not found (apt-get install dpkg-dev): the package's Depends "
                 "will lack the executable's shared libraries")
endif()
# Modes dpkg expects of directories, whatever the build machine's umask.
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

include(CPack)
