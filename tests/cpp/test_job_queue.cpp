// Per-type queues: priority order, FIFO within a level, oldest entry.
#include "ferry/broker/job_queue.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;

TEST_CASE("Higher priority jobs leave first and each level is FIFO") {
    TypeQueue queue;
    const TimePoint t0{};
    queue.push(0, {{1, 1}, t0});
    queue.push(5, {{2, 1}, t0});
    queue.push(0, {{3, 1}, t0});
    queue.push(5, {{4, 1}, t0});
    queue.push(-1, {{5, 1}, t0});
    std::vector<std::uint32_t> order;
    while (auto job = queue.pop()) {
        order.push_back(job->ref.slot);
    }
    CHECK(order == std::vector<std::uint32_t>{2, 4, 1, 3, 5});
    CHECK(queue.empty());
}

TEST_CASE("The oldest entry is found across priority levels") {
    TypeQueue queue;
    const TimePoint t0{};
    queue.push(0, {{1, 1}, t0 + Millis(1)});
    queue.push(9, {{2, 1}, t0 + Millis(5)});
    CHECK(queue.oldest() == t0 + Millis(1));
    (void)queue.pop();
    CHECK(queue.oldest() == t0 + Millis(1));
    (void)queue.pop();
    CHECK_FALSE(queue.oldest().has_value());
}

TEST_CASE("Queues are kept per job type") {
    JobQueues queues;
    queues.of("a").push(0, {{1, 1}, TimePoint{}});
    queues.of("b").push(0, {{2, 1}, TimePoint{}});
    queues.of("b").push(0, {{3, 1}, TimePoint{}});
    CHECK(queues.of("a").size() == 1);
    CHECK(queues.total() == 3);
}

// Drained levels may be kept for reuse; they must never be served or count as the oldest.
TEST_CASE("Drained levels refill in priority order and never count as the oldest") {
    TypeQueue queue;
    const TimePoint t0{};
    for (std::int64_t round = 0; round < 20; ++round) {
        // A new priority each round, so both kept and erased drained levels occur.
        queue.push(round, {{1, 1}, t0 + Millis(round)});
        queue.push(-round, {{2, 1}, t0 + Millis(round + 1)});
        queue.push(3, {{3, 1}, t0 + Millis(round + 2)});
        std::vector<std::uint32_t> order;
        CHECK(queue.oldest() == t0 + Millis(round));
        while (auto job = queue.pop()) {
            order.push_back(job->ref.slot);
        }
        // Priority 3 beats `round` below 3 and ties with it at 3 (FIFO: slot 1 came first).
        const auto expected =
            round < 3 ? std::vector<std::uint32_t>{3, 1, 2} : std::vector<std::uint32_t>{1, 3, 2};
        CHECK(order == expected);
        CHECK(queue.empty());
        CHECK_FALSE(queue.oldest().has_value());
        CHECK_FALSE(queue.pop().has_value());
    }
    queue.push(0, {{7, 1}, t0 + Millis(50)});
    queue.push(2, {{8, 1}, t0 + Millis(60)});
    CHECK(queue.oldest() == t0 + Millis(50));
    CHECK(queue.pop()->ref.slot == 8);
    CHECK(queue.pop()->ref.slot == 7);
}
