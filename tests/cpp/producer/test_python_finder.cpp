// Interpreter discovery: the configured candidate first, and an error that says what to install.
#include "ferry/producer/python_finder.hpp"

#include <catch2/catch.hpp>

using namespace ferry::producer;

TEST_CASE("a configured interpreter that does not exist is tried first and refused") {
    PythonChoice choice = find_worker_python("/nonexistent/python3");
    REQUIRE_FALSE(choice.tried.empty());
    CHECK_THAT(choice.tried.front(), Catch::StartsWith("/nonexistent/python3 (workers[].python)"));
}

TEST_CASE("when no interpreter works the message lists the tries and what to install") {
    PythonChoice none;
    none.tried = {"/opt/py (FERRY_PYTHON): cannot import zmq and msgpack"};
    std::string message = no_python_message(none);
    CHECK_THAT(message, Catch::Contains("/opt/py (FERRY_PYTHON)"));
    CHECK_THAT(message, Catch::Contains("apt-get install python3-zmq python3-msgpack"));
    CHECK_THAT(message, Catch::Contains("pip install pyzmq msgpack"));
}
