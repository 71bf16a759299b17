// Interpreter discovery: the configured candidate first, and an error that says what to install.
#include "ferry/app/python_finder.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

using namespace ferry::producer;
using namespace ferry::app;

TEST_CASE("a configured interpreter that does not exist is refused, not skipped") {
    PythonChoice choice =
        find_worker_python("/nonexistent/python3", "p.yaml:9:13: workers[0].python");
    CHECK(choice.interpreter.empty());
    CHECK(choice.tried.empty());
    CHECK_THAT(choice.refused,
               Catch::StartsWith("p.yaml:9:13: workers[0].python "
                                 "'/nonexistent/python3' is not found; fix the path, or "
                                 "remove the key"));
    CHECK(no_python_message(choice) == choice.refused);
}

TEST_CASE("a configured interpreter that is not Python is refused with what to install") {
    ferry::test::TempDir dir;
    const std::string fake = dir.write("python", "#!/bin/sh\nexit 1\n");
    std::filesystem::permissions(fake, std::filesystem::perms::owner_exec,
                                 std::filesystem::perm_options::add);
    PythonChoice choice = find_worker_python(fake);
    CHECK(choice.interpreter.empty());
    CHECK_THAT(choice.refused, Catch::Contains("does not run as a Python 3 interpreter"));
    CHECK_THAT(choice.refused, Catch::Contains("-m pip install pyzmq msgpack"));
}

TEST_CASE("a configured interpreter without zmq and msgpack is refused naming both") {
    ferry::test::TempDir dir;
    const std::string bare = dir.write("python", "#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n");
    std::filesystem::permissions(bare, std::filesystem::perms::owner_exec,
                                 std::filesystem::perm_options::add);
    PythonChoice choice = find_worker_python(bare);
    CHECK_THAT(choice.refused, Catch::Contains("cannot import zmq, msgpack"));
}

TEST_CASE("a configured interpreter that can run workers is taken as it is") {
    CHECK(find_worker_python("/usr/bin/python3").interpreter == "/usr/bin/python3");
}

TEST_CASE("FERRY_PYTHON that cannot run workers is refused, naming the variable") {
    setenv("FERRY_PYTHON", "/nonexistent/python3", 1);
    PythonChoice choice = find_worker_python("");
    unsetenv("FERRY_PYTHON");
    CHECK_THAT(choice.refused,
               Catch::StartsWith("'/nonexistent/python3' is not found (FERRY_PYTHON)"));
}

TEST_CASE("when no interpreter works the message lists the tries and what to install") {
    PythonChoice none;
    none.tried = {"/opt/py (FERRY_PYTHON): cannot import zmq and msgpack"};
    std::string message = no_python_message(none);
    CHECK_THAT(message, Catch::Contains("/opt/py (FERRY_PYTHON)"));
    CHECK_THAT(message, Catch::Contains("apt-get install python3-zmq python3-msgpack"));
    CHECK_THAT(message, Catch::Contains("pip install pyzmq msgpack"));
}
