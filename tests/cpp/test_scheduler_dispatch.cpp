// Scheduler dispatch on a fake clock: credit, least loaded, priorities, batching, duplicates.
#include "scheduler_fixture.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;
using namespace ferry::broker::testing;
namespace wire = ferry::wire;

TEST_CASE("The scheduler never sends a worker more jobs than its credit") {
    SchedulerFixture f;
    f.ready("w", 2);
    for (int i = 0; i < 5; ++i) {
        f.submit(std::to_string(i));
    }
    f.scheduler.dispatch(f.now);
    CHECK(f.sent_keys("w").size() == 2);
    f.answer("w", key("0"), true);
    f.scheduler.dispatch(f.now);
    CHECK(f.sent_keys("w").size() == 3);
    CHECK(f.scheduler.workers().by_name("w")->credit == 0);
}

TEST_CASE("Jobs go to the least loaded worker serving their type") {
    SchedulerFixture f;
    f.ready("a", 10, 1);
    f.ready("b", 10, 1);
    for (int i = 0; i < 4; ++i) {
        f.submit(std::to_string(i));
    }
    f.scheduler.dispatch(f.now);
    CHECK(f.sent_keys("a").size() == 2);
    CHECK(f.sent_keys("b").size() == 2);
    f.submit("other", 0, "ocr");
    f.scheduler.dispatch(f.now);
    CHECK(f.scheduler.queues().all().at("ocr").size() == 1);
}

TEST_CASE("Higher priority jobs are dispatched first, FIFO within a level") {
    SchedulerFixture f;
    f.submit("low1", 0);
    f.submit("high", 5);
    f.submit("low2", 0);
    f.ready("w", 10, 1);
    f.scheduler.dispatch(f.now);
    CHECK(f.sent_keys("w") == std::vector<std::string>{key("high"), key("low1"), key("low2")});
}

TEST_CASE("A batch is sent when full, in one JOBS message") {
    BrokerConfig config;
    config.types["echo"].batch = {3, 1000};
    SchedulerFixture f(config);
    f.ready("w", 100);
    f.submit("1");
    f.submit("2");
    f.scheduler.dispatch(f.now);
    CHECK(f.sink.sent["w"].empty());
    f.submit("3");
    f.scheduler.dispatch(f.now);
    REQUIRE(f.sink.sent["w"].size() == 1);
    CHECK(f.sink.sent["w"][0].jobs.size() == 3);
}

TEST_CASE("A partial batch is sent when its oldest job has waited max_delay_ms") {
    BrokerConfig config;
    config.types["echo"].batch = {8, 20};
    SchedulerFixture f(config);
    f.ready("w", 100);
    f.submit("1");
    f.advance(10);
    f.submit("2");
    CHECK(f.scheduler.next_wakeup(f.now) == TimePoint{} + Millis(20));
    f.advance(9);
    CHECK(f.sink.sent["w"].empty());
    f.advance(1);
    REQUIRE(f.sink.sent["w"].size() == 1);
    CHECK(f.sink.sent["w"][0].jobs.size() == 2);
}

TEST_CASE("A batch never exceeds the worker's max batch for the type") {
    BrokerConfig config;
    config.types["echo"].batch = {64, 0};
    SchedulerFixture f(config);
    f.ready("w", 100, 4);
    for (int i = 0; i < 10; ++i) {
        f.submit(std::to_string(i));
    }
    f.scheduler.dispatch(f.now);
    REQUIRE(f.sink.sent["w"].size() == 3);
    CHECK(f.sink.sent["w"][0].jobs.size() == 4);
    CHECK(f.sink.sent["w"][2].jobs.size() == 2);
}

TEST_CASE("A job id still pending, answered or acknowledged is not run twice") {
    SchedulerFixture f;
    f.ready("w", 10);
    f.submit("1");
    f.scheduler.dispatch(f.now);
    const wire::SubmitJob again{"1", "echo", "\xc0", std::nullopt, std::nullopt, std::nullopt};
    CHECK(f.scheduler.submit("client", again, f.now) == SubmitOutcome::duplicate);
    f.answer("w", key("1"), true);
    REQUIRE(f.sink.outcomes["client"].size() == 1);
    // Answered, not acknowledged: the kept outcome goes again to whoever submits the id.
    CHECK(f.scheduler.submit("client", again, f.now, 2) == SubmitOutcome::duplicate);
    REQUIRE(f.sink.outcomes["client"].size() == 2);
    CHECK(f.sink.outcomes["client"][1] == f.sink.outcomes["client"][0]);
    CHECK(f.sink.sessions["client"] == std::vector<std::uint32_t>{1, 2});
    // Acknowledged: forgotten, so the producer is told at once that no outcome is kept.
    const std::vector<JobRef> jobs{f.sink.delivered["client"].at(1)};
    CHECK(f.sink.delivered["client"].at(0) == jobs[0]); // both deliveries name the one job
    CHECK(f.scheduler.acknowledge("client", jobs) == 1);
    CHECK(f.scheduler.held() == 0);
    CHECK(f.scheduler.submit("client", again, f.now) == SubmitOutcome::already_done);
    REQUIRE(f.sink.outcomes["client"].size() == 3);
    CHECK(f.sink.outcomes["client"][2].error->code == "ALREADY_DONE");
    CHECK(f.sent_keys("w").size() == 1);
    CHECK(f.scheduler.stats().duplicate_submits == 3);
    CHECK(f.scheduler.stats().redelivered == 1);
    CHECK(f.scheduler.stats().already_done == 1);
}

TEST_CASE("A late second result for a job is dropped and counted") {
    SchedulerFixture f;
    f.ready("w", 10);
    f.submit("1");
    f.scheduler.dispatch(f.now);
    f.answer("w", key("1"), true);
    f.answer("w", key("1"), true);
    CHECK(f.sink.outcomes["client"].size() == 1);
    CHECK(f.scheduler.stats().duplicates_dropped == 1);
}

TEST_CASE("An oversized payload is accepted and failed at once with PAYLOAD_TOO_LARGE") {
    BrokerConfig config;
    config.max_payload_bytes = 4;
    SchedulerFixture f(config);
    wire::SubmitJob job{"big",        "echo",       std::string(5, 'x'),
                        std::nullopt, std::nullopt, std::nullopt};
    CHECK(f.scheduler.submit("client", std::move(job), f.now) == SubmitOutcome::too_large);
    REQUIRE(f.sink.outcomes["client"].size() == 1);
    const auto& outcome = f.sink.outcomes["client"][0];
    CHECK_FALSE(outcome.ok);
    CHECK(outcome.error->code == "PAYLOAD_TOO_LARGE");
    CHECK(f.scheduler.active() == 0);
    CHECK(f.scheduler.kept() == 1); // its outcome waits for the producer's ACK
    CHECK(f.scheduler.queues().all().count("echo") == 0); // never queued: no queue shown
}

// Consecutive jobs of one type reuse a remembered queue; a change of type must not.
TEST_CASE("Jobs of alternating types go to their own queues") {
    SchedulerFixture f;
    for (int i = 0; i < 6; ++i) {
        f.submit(std::to_string(i), 0, i % 3 == 0 ? "a" : "b");
    }
    CHECK(f.scheduler.queues().all().at("a").size() == 2);
    CHECK(f.scheduler.queues().all().at("b").size() == 4);
}

TEST_CASE("An unreachable worker is removed and its batch goes to another worker") {
    SchedulerFixture f;
    f.ready("gone", 10, 1);
    f.sink.unreachable = "gone";
    f.submit("1");
    f.scheduler.dispatch(f.now);
    CHECK(f.scheduler.workers().by_name("gone") == nullptr);
    f.ready("w", 10);
    f.scheduler.dispatch(f.now);
    REQUIRE(f.sink.sent["w"].size() == 1);
    CHECK(f.sink.sent["w"][0].jobs[0].attempt == 1);
}
