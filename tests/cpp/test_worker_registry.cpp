// The worker registry: registration, least-loaded choice, heartbeats and expiry on a fake clock.
#include "ferry/broker/worker_registry.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;

namespace {
ferry::wire::Ready ready(const std::string& name, std::uint64_t credit,
                         std::uint64_t heartbeat_ms = 100) {
    return ferry::wire::Ready{name,   std::string(1, 'h'), 7, {{"echo", 8, std::nullopt}},
                              credit, heartbeat_ms};
}
const TimePoint t0{};
} // namespace

TEST_CASE("A READY registers the worker's types, credit and heartbeat") {
    WorkerRegistry registry;
    auto [worker, replaced] = registry.add(ready("w1", 4), "r1", t0);
    CHECK_FALSE(replaced.has_value());
    CHECK(worker->types.at("echo") == 8);
    CHECK(worker->credit == 4);
    CHECK(registry.by_routing_id("r1") == worker);
    CHECK(registry.by_name("w1") == worker);
}

TEST_CASE("A READY under a live name replaces the old registration") {
    WorkerRegistry registry;
    registry.add(ready("w1", 4), "r1", t0);
    auto [worker, replaced] = registry.add(ready("w1", 2), "r2", t0);
    REQUIRE(replaced.has_value());
    CHECK(replaced->routing_id == "r1");
    CHECK(registry.size() == 1);
    CHECK(registry.by_routing_id("r1") == nullptr);
    CHECK(worker->credit == 2);
}

TEST_CASE("The least loaded worker with credit for the type is picked") {
    WorkerRegistry registry;
    auto* busy = registry.add(ready("busy", 4), "r1", t0).first;
    busy->in_flight = 3;
    auto* idle = registry.add(ready("idle", 4), "r2", t0).first;
    CHECK(registry.pick("echo") == idle);
    idle->credit = 0;
    CHECK(registry.pick("echo") == busy);
    busy->credit = 0;
    CHECK(registry.pick("echo") == nullptr);
    CHECK(registry.pick("other") == nullptr);
}

TEST_CASE("A worker silent for heartbeat times liveness expires, not sooner") {
    WorkerRegistry registry;
    registry.add(ready("fast", 1, 100), "r1", t0);
    registry.add(ready("slow", 1, 1000), "r2", t0);
    CHECK(registry.expired(t0 + Millis(300), 3).empty());
    const auto expired = registry.expired(t0 + Millis(301), 3);
    REQUIRE(expired.size() == 1);
    CHECK(registry.by_id(expired[0])->name == "fast");
    registry.by_name("fast")->last_heard = t0 + Millis(301);
    CHECK(registry.expired(t0 + Millis(400), 3).empty());
}

TEST_CASE("Heartbeats fall due per worker at its own interval") {
    WorkerRegistry registry;
    registry.add(ready("fast", 1, 100), "r1", t0);
    registry.add(ready("slow", 1, 1000), "r2", t0);
    CHECK(registry.heartbeat_due(t0 + Millis(99)).empty());
    CHECK(registry.heartbeat_due(t0 + Millis(100)).size() == 1);
    CHECK(registry.next_deadline(3) == t0 + Millis(100));
}
