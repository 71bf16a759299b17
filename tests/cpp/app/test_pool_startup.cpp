// What `ferry run` reads while its pools start: process ancestry and the broker's status map.
#include "ferry/app/pool_startup.hpp"
#include "ferry/producer/broker_status.hpp"

#include <catch2/catch.hpp>
#include <unistd.h>

using namespace ferry::producer;
using namespace ferry::app;

TEST_CASE("a process descends from itself and its parent, not from its child or a stranger") {
    CHECK(descends_from(::getpid(), ::getpid()));
    CHECK(descends_from(::getpid(), ::getppid()));
    CHECK_FALSE(descends_from(::getppid(), ::getpid()));
    CHECK_FALSE(descends_from(::getpid(), 999999999));
}

TEST_CASE("workers and unserved types are read out of an encoded status map") {
    msgpack::sbuffer buffer;
    msgpack::packer<msgpack::sbuffer> packer(buffer);
    packer.pack_map(3);
    packer.pack("broker");
    packer.pack("broker-1");
    packer.pack("workers");
    packer.pack_array(1);
    packer.pack_map(3);
    packer.pack("host");
    packer.pack("vm");
    packer.pack("pid");
    packer.pack(42);
    packer.pack("types");
    packer.pack_map(2);
    packer.pack("echo");
    packer.pack(1);
    packer.pack("echo.batch");
    packer.pack(64);
    packer.pack("unserved");
    packer.pack_array(1);
    packer.pack_map(3);
    packer.pack("type");
    packer.pack("nope");
    packer.pack("queued");
    packer.pack(30);
    packer.pack("seconds");
    packer.pack(7.5);
    const std::string_view encoded(buffer.data(), buffer.size());

    const auto workers = read_status_field(encoded, "workers", read_status_workers);
    REQUIRE(workers.size() == 1);
    CHECK(workers[0].host == "vm");
    CHECK(workers[0].pid == 42);
    CHECK(workers[0].types == std::vector<std::string>{"echo", "echo.batch"});
    const auto unserved = read_status_field(encoded, "unserved", read_unserved);
    REQUIRE(unserved.size() == 1);
    CHECK(unserved[0].type == "nope");
    CHECK(unserved[0].queued == 30);
    CHECK(unserved[0].seconds == Approx(7.5));
    CHECK(read_status_field(encoded, "absent", read_unserved).empty());
    CHECK(read_status_field("\xc1", "workers", read_status_workers).empty());
}
