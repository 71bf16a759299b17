// Attempt deadlines and retry delays on a fake clock.
#include "ferry/broker/job_timers.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;

namespace {
const TimePoint t0{};
}

TEST_CASE("Attempt deadlines expire in time order across timeout lengths") {
    AttemptDeadlines deadlines;
    deadlines.add({1, 1}, 1, 100, t0);
    deadlines.add({2, 1}, 1, 50, t0);
    deadlines.add({3, 1}, 1, 0, t0); // no limit
    CHECK(deadlines.size() == 2);
    CHECK(deadlines.next() == t0 + Millis(50));
    const auto all = [](const AttemptDeadline&) { return true; };
    CHECK(deadlines.expired(t0 + Millis(49), all).empty());
    auto first = deadlines.expired(t0 + Millis(50), all);
    REQUIRE(first.size() == 1);
    CHECK(first[0].ref.slot == 2);
    CHECK(deadlines.expired(t0 + Millis(100), all).size() == 1);
}

TEST_CASE("Deadlines of answered attempts are skipped and compacted") {
    AttemptDeadlines deadlines;
    for (std::uint32_t i = 0; i < 3000; ++i) {
        deadlines.add({i, 1}, 1, 1000, t0);
    }
    const auto only_first = [](const AttemptDeadline& d) { return d.ref.slot == 0; };
    deadlines.compact(1, only_first);
    CHECK(deadlines.size() == 1);
    CHECK(deadlines.expired(t0 + Millis(1000), only_first).size() == 1);
}

TEST_CASE("Retry delays release jobs when their backoff ends") {
    RetryDelays delays;
    delays.add({1, 1}, t0 + Millis(30));
    delays.add({2, 1}, t0 + Millis(10));
    CHECK(delays.next() == t0 + Millis(10));
    CHECK(delays.due(t0 + Millis(9)).empty());
    CHECK(delays.due(t0 + Millis(30)).size() == 2);
    CHECK_FALSE(delays.next().has_value());
}
