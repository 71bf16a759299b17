// Which endpoints count as reachable from other machines (and so need CURVE).
#include "ferry/security/endpoint_scope.hpp"

#include <catch2/catch.hpp>

using ferry::security::is_local_endpoint;

TEST_CASE("loopback, ipc and inproc endpoints are local") {
    CHECK(is_local_endpoint("tcp://127.0.0.1:5555"));
    CHECK(is_local_endpoint("tcp://127.1.2.3:0"));
    CHECK(is_local_endpoint("tcp://[::1]:5555"));
    CHECK(is_local_endpoint("tcp://localhost:5555"));
    CHECK(is_local_endpoint("ipc:///run/ferry.sock"));
    CHECK(is_local_endpoint("inproc://gateway"));
}

TEST_CASE("wildcards, addresses, names and interfaces are not") {
    CHECK_FALSE(is_local_endpoint("tcp://0.0.0.0:5555"));
    CHECK_FALSE(is_local_endpoint("tcp://*:5555"));
    CHECK_FALSE(is_local_endpoint("tcp://10.0.0.5:5555"));
    CHECK_FALSE(is_local_endpoint("tcp://broker.internal:5555"));
    CHECK_FALSE(is_local_endpoint("tcp://eth0:5555"));
    CHECK_FALSE(is_local_endpoint("tcp://[::]:5555"));
    CHECK_FALSE(is_local_endpoint("tcp://127.0.0.1;10.0.0.5:5555")); // bound to 10.0.0.5
    CHECK_FALSE(is_local_endpoint("tcp://127.evil.example:5555"));   // a name, not 127/8
}
