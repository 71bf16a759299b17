// A type's batching when the YAML says nothing: what the handlers of its live workers announce in
// READY (max_batch, max_delay_ms); and the YAML's batch section winning when it is there.
#include "scheduler_fixture.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;
using namespace ferry::broker::testing;

namespace {

// Sizes of the JOBS messages a worker was sent, in order.
std::vector<std::size_t> batch_sizes(SchedulerFixture& f, const std::string& worker) {
    std::vector<std::size_t> sizes;
    for (const auto& jobs : f.sink.sent[worker]) {
        sizes.push_back(jobs.jobs.size());
    }
    return sizes;
}

void submit_many(SchedulerFixture& f, int count) {
    for (int i = 0; i < count; ++i) {
        f.submit(std::to_string(i));
    }
}

} // namespace

TEST_CASE("A type the YAML leaves unbatched gets the batches its handler announces") {
    SchedulerFixture f;
    f.ready("w", 100, 4);
    submit_many(f, 10);
    f.scheduler.dispatch(f.now);
    CHECK(batch_sizes(f, "w") == std::vector<std::size_t>{4, 4, 2});
}

TEST_CASE("A batch waits the max_delay_ms its handler announces to fill, and no longer") {
    SchedulerFixture f;
    f.ready("w", 100, 8, 50);
    submit_many(f, 3);
    f.advance(0);
    CHECK(f.sink.sent["w"].empty());
    CHECK(f.scheduler.next_wakeup(f.now) == TimePoint{} + Millis(50));
    f.advance(49);
    CHECK(f.sink.sent["w"].empty());
    f.advance(1);
    CHECK(batch_sizes(f, "w") == std::vector<std::size_t>{3});
}

TEST_CASE("A full announced batch leaves at once, without waiting out max_delay_ms") {
    SchedulerFixture f;
    f.ready("w", 100, 4, 1000);
    submit_many(f, 5);
    f.advance(0);
    CHECK(batch_sizes(f, "w") == std::vector<std::size_t>{4});
}

TEST_CASE("The YAML's batch section overrides what the handlers announce") {
    BrokerConfig config;
    config.types["echo"].batch = BatchConfig{2, 0};
    SchedulerFixture f(config);
    f.ready("w", 100, 8, 1000);
    submit_many(f, 5);
    f.advance(0);
    CHECK(batch_sizes(f, "w") == std::vector<std::size_t>{2, 2, 1});
}

TEST_CASE("A batch section under `default` overrides the announcements of every type") {
    BrokerConfig config;
    config.default_type.batch = BatchConfig{1, 0};
    SchedulerFixture f(config);
    f.ready("w", 100, 8, 1000);
    submit_many(f, 3);
    f.advance(0);
    CHECK(batch_sizes(f, "w") == std::vector<std::size_t>{1, 1, 1});
}

TEST_CASE("Workers announcing differently give the type the largest batch and the shortest wait") {
    SchedulerFixture f;
    f.ready("small", 100, 2, 200);
    f.ready("large", 100, 6, 30);
    submit_many(f, 3);
    f.advance(29);
    CHECK(f.sink.sent.empty());
    f.advance(1);
    // Due after 30 ms; the least loaded worker takes it, each within its own max_batch.
    const auto small = batch_sizes(f, "small");
    const auto large = batch_sizes(f, "large");
    std::size_t sent = 0;
    for (const auto size : small) {
        CHECK(size <= 2);
        sent += size;
    }
    for (const auto size : large) {
        sent += size;
    }
    CHECK(sent == 3);
}

TEST_CASE("When the worker announcing the largest batch leaves, the type's batches shrink to what "
          "the others announce") {
    SchedulerFixture f;
    f.ready("small", 100, 2);
    const std::uint32_t large = f.ready("large", 100, 6, 1000).id;
    submit_many(f, 4);
    f.advance(0);
    CHECK(f.sink.sent.empty()); // a batch of 6 may wait up to 1000 ms
    f.scheduler.remove_worker(large, WorkerExit::disconnected, "left", f.now);
    f.advance(0);
    CHECK(batch_sizes(f, "small") == std::vector<std::size_t>{2, 2});
}
