// Per-type queues: priority order, FIFO within a level, oldest entry.
#include <catch2/catch.hpp>

#include "ferry/broker/job_queue.hpp"

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
