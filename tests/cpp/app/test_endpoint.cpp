// Endpoint checks: what ZeroMQ can use, and messages that name the endpoint and the fix.
#include "ferry/app/config_error.hpp"
#include "ferry/app/endpoint.hpp"
#include "ferry/broker/broker_config.hpp"

#include <catch2/catch.hpp>

using namespace ferry::app;

TEST_CASE("tcp endpoints with a host and a port, and ipc paths, are usable") {
    for (const char* endpoint : {"tcp://127.0.0.1:5555", "tcp://*:0", "tcp://localhost:*",
                                 "tcp://[::1]:5556", "ipc:///tmp/ferry.sock"}) {
        INFO(endpoint);
        CHECK_FALSE(endpoint_problem(endpoint).has_value());
    }
}

TEST_CASE("an http endpoint is refused with the same host and port over tcp suggested") {
    const auto problem = endpoint_problem("http://10.0.0.5:5555");
    REQUIRE(problem.has_value());
    CHECK(problem->what == "is not a ZeroMQ endpoint");
    CHECK_THAT(problem->fix, Catch::Contains("use tcp://10.0.0.5:5555"));
}

TEST_CASE("endpoints without a scheme, a port or a path are refused") {
    for (const char* endpoint :
         {"garbage://x", "127.0.0.1:5555", "tcp://127.0.0.1", "tcp://127.0.0.1:http",
          "tcp://host:70000", "ipc://", "inproc://broker", ""}) {
        INFO(endpoint);
        CHECK(endpoint_problem(endpoint).has_value());
    }
}

TEST_CASE("a refused endpoint's message names it, where it came from and the fix") {
    CHECK_THROWS_WITH(require_endpoint("garbage://x", "--broker"),
                      Catch::StartsWith("'garbage://x' is not a ZeroMQ endpoint (--broker); use "
                                        "tcp://HOST:PORT"));
    CHECK_THROWS_AS(require_endpoint("tcp://h", "--broker"), ConfigError);
    CHECK_NOTHROW(require_endpoint("tcp://h:1", "--broker"));
}

TEST_CASE("a bind form is refused as an address to connect to") {
    for (const char* endpoint : {"tcp://*:5555", "tcp://127.0.0.1:0", "tcp://localhost:*"}) {
        INFO(endpoint);
        CHECK_FALSE(endpoint_problem(endpoint).has_value());
        CHECK_THROWS_WITH(require_connectable(endpoint, "--broker"),
                          Catch::Contains("is a form for binding"));
    }
    CHECK_NOTHROW(require_connectable("tcp://10.0.0.5:5555", "--broker"));
    CHECK_NOTHROW(require_connectable("ipc:///tmp/ferry.sock", "--broker"));
}
