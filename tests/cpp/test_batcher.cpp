// Dynamic batching rules on a fake clock: flush by size, by delay, and batch sizing.
#include "ferry/broker/batcher.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;

namespace {
const TimePoint t0{};
}

TEST_CASE("A full batch is due at once") {
    const BatchConfig batch{4, 50};
    CHECK_FALSE(batch_due(batch, 3, t0, t0, false));
    CHECK(batch_due(batch, 4, t0, t0, false));
}

TEST_CASE("A partial batch is due when its oldest job has waited max_delay_ms") {
    const BatchConfig batch{4, 50};
    CHECK_FALSE(batch_due(batch, 1, t0, t0 + Millis(49), false));
    CHECK(batch_due(batch, 1, t0, t0 + Millis(50), false));
    CHECK(batch_deadline(batch, t0) == t0 + Millis(50));
}

TEST_CASE("Without batching a lone job is due at once") {
    CHECK(batch_due(BatchConfig{}, 1, t0, t0, false));
}

TEST_CASE("Draining flushes partial batches and an empty queue is never due") {
    const BatchConfig batch{4, 50};
    CHECK(batch_due(batch, 1, t0, t0, true));
    CHECK_FALSE(batch_due(batch, 0, std::nullopt, t0, true));
}

TEST_CASE("A batch is bounded by type size, worker max batch, credit and depth") {
    const BatchConfig batch{64, 0};
    CHECK(batch_size(batch, 8, 100, 100) == 8);
    CHECK(batch_size(batch, 128, 100, 100) == 64);
    CHECK(batch_size(batch, 128, 3, 100) == 3);
    CHECK(batch_size(batch, 128, 100, 5) == 5);
}
