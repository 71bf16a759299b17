// Scheduler failure paths on a fake clock: retries, dead letters, timeouts, lost workers.
#include "scheduler_fixture.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;
using namespace ferry::broker::testing;
namespace wire = ferry::wire;

namespace {
BrokerConfig quick_config() {
    BrokerConfig config;
    config.default_type.backoff = {10, 100, 2.0, 0.0};
    config.default_type.timeout_s = 1;
    config.default_type.max_attempts = 3;
    return config;
}
} // namespace

TEST_CASE("A failing job is retried after backoff, then dead-lettered with every cause") {
    SchedulerFixture f(quick_config());
    f.ready("w", 10);
    f.submit("1");
    f.scheduler.dispatch(f.now);
    f.answer("w", key("1"), false);
    f.advance(9);
    CHECK(f.sent_keys("w").size() == 1);
    f.advance(1);
    CHECK(f.sent_keys("w").size() == 2);
    CHECK(f.sink.sent["w"][1].jobs[0].attempt == 2);
    f.answer("w", key("1"), false);
    f.advance(20);
    f.answer("w", key("1"), false);
    REQUIRE(f.sink.outcomes["client"].size() == 1);
    const auto& outcome = f.sink.outcomes["client"][0];
    CHECK_FALSE(outcome.ok);
    CHECK(outcome.attempts == 3);
    CHECK(outcome.causes.size() == 3);
    CHECK(outcome.causes[0].traceback == std::optional<std::string>(std::string(9, 't')));
    CHECK(outcome.causes[0].worker == std::optional<std::string>("w"));
    CHECK(f.scheduler.table().dead_letters().size() == 1);
    CHECK(f.scheduler.stats().failed == 1);
    CHECK(f.scheduler.stats().retries == 2);
}

TEST_CASE("A non-retryable error fails the job at once") {
    SchedulerFixture f(quick_config());
    f.ready("w", 10);
    f.submit("1");
    f.scheduler.dispatch(f.now);
    f.answer("w", key("1"), false, "INVALID_ARGUMENT");
    REQUIRE(f.sink.outcomes["client"].size() == 1);
    CHECK(f.sink.outcomes["client"][0].attempts == 1);
    CHECK(f.sink.outcomes["client"][0].error->code == "INVALID_ARGUMENT");
}

TEST_CASE("A silent worker is purged and its jobs run elsewhere with the attempt counted") {
    SchedulerFixture f(quick_config());
    f.ready("dead", 10);
    f.submit("1");
    f.submit("2");
    f.scheduler.dispatch(f.now);
    f.ready("alive", 10);
    f.advance(250);
    f.scheduler.workers().by_name("alive")->last_heard = f.now;
    f.advance(51);
    CHECK(f.scheduler.workers().by_name("dead") == nullptr);
    f.advance(10);
    REQUIRE(f.sent_keys("alive").size() == 1); // suspects now: one at a time
    CHECK(f.sink.sent["alive"][0].jobs[0].attempt == 2);
    f.answer("alive", key("1"), true);
    f.scheduler.dispatch(f.now);
    CHECK(f.sent_keys("alive").size() == 2);
    CHECK(f.sink.outcomes["client"][0].causes.at(0).code == "WORKER_LOST");
    CHECK(f.scheduler.stats().workers_lost == 1);
}

TEST_CASE("A clean disconnect re-queues held jobs without counting an attempt") {
    SchedulerFixture f(quick_config());
    auto& leaving = f.ready("leaving", 10);
    f.submit("1");
    f.scheduler.dispatch(f.now);
    f.scheduler.remove_worker(leaving.id, WorkerExit::disconnected, "bye", f.now);
    f.ready("w", 10);
    f.scheduler.dispatch(f.now);
    REQUIRE(f.sent_keys("w").size() == 1);
    CHECK(f.sink.sent["w"][0].jobs[0].attempt == 1);
}

TEST_CASE("A timed-out attempt is retried, cancelled at its worker, and keeps the slot used") {
    SchedulerFixture f(quick_config());
    f.ready("slow", 1);
    f.submit("1");
    f.scheduler.dispatch(f.now);
    f.scheduler.workers().by_name("slow")->last_heard = f.now + Millis(1000);
    f.advance(1000);
    REQUIRE(f.sink.cancels["slow"].size() == 1);
    CHECK(f.sink.cancels["slow"][0].code == "TIMEOUT");
    CHECK(f.sink.cancels["slow"][0].ids == std::vector<std::string>{key("1")});
    CHECK(f.scheduler.stats().timeouts == 1);
    f.advance(20);
    CHECK(f.sent_keys("slow").size() == 1); // its only slot is still taken
    f.ready("w", 1);
    f.scheduler.dispatch(f.now);
    REQUIRE(f.sent_keys("w").size() == 1);
    CHECK(f.sink.sent["w"][0].jobs[0].attempt == 2);
}

TEST_CASE("A late ok result after a timeout wins, and the later answer is a duplicate") {
    SchedulerFixture f(quick_config());
    f.ready("slow", 1);
    f.submit("1");
    f.scheduler.dispatch(f.now);
    f.scheduler.workers().by_name("slow")->last_heard = f.now + Millis(1000);
    f.advance(1000);
    f.ready("w", 1);
    f.advance(20);
    REQUIRE(f.sent_keys("w").size() == 1);
    f.answer("slow", key("1"), true);
    REQUIRE(f.sink.outcomes["client"].size() == 1);
    CHECK(f.sink.outcomes["client"][0].ok);
    CHECK(f.sink.outcomes["client"][0].causes.at(0).code == "TIMEOUT");
    CHECK(f.sink.cancels["w"].size() == 1);
    f.answer("w", key("1"), true);
    CHECK(f.sink.outcomes["client"].size() == 1);
    CHECK(f.scheduler.stats().duplicates_dropped == 1);
    CHECK(f.scheduler.workers().by_name("slow")->credit == 1);
}

TEST_CASE("An error for an attempt already settled by a timeout is not counted again") {
    SchedulerFixture f(quick_config());
    f.ready("slow", 1);
    f.submit("1");
    f.scheduler.dispatch(f.now);
    f.scheduler.workers().by_name("slow")->last_heard = f.now + Millis(1000);
    f.advance(1000);
    f.answer("slow", key("1"), false);
    CHECK(f.scheduler.stats().stale_errors_dropped == 1);
    CHECK(f.sink.outcomes["client"].empty());
}

TEST_CASE("A worker that registers again under its name loses its old attempts") {
    SchedulerFixture f(quick_config());
    f.ready("w", 1);
    f.submit("1");
    f.scheduler.dispatch(f.now);
    f.ready("w", 1);
    f.advance(20);
    REQUIRE(f.sent_keys("w").size() == 2);
    CHECK(f.sink.sent["w"][1].jobs[0].attempt == 2);
}

TEST_CASE("Results from an unregistered sender still settle known jobs") {
    SchedulerFixture f(quick_config());
    f.ready("w", 1);
    f.submit("1");
    f.scheduler.dispatch(f.now);
    wire::Result result{key("1"), true, std::string("\xc0"), std::nullopt, std::nullopt};
    f.scheduler.worker_results(nullptr, wire::Results{{result}, std::nullopt}, f.now);
    CHECK(f.sink.outcomes["client"].size() == 1);
    CHECK(f.scheduler.in_flight() == 0);
}

TEST_CASE("Failing everything at shutdown gives each held job one outcome") {
    SchedulerFixture f(quick_config());
    f.ready("w", 1);
    f.submit("1");
    f.submit("2");
    f.scheduler.dispatch(f.now);
    f.scheduler.fail_all(wire::ErrorCode::unavailable, "broker shut down", f.now);
    CHECK(f.sink.outcomes["client"].size() == 2);
    CHECK(f.scheduler.active() == 0);
    CHECK(f.scheduler.in_flight() == 0);
    f.scheduler.fail_all(wire::ErrorCode::unavailable, "broker shut down",
                         f.now); // answered jobs stay answered
    CHECK(f.sink.outcomes["client"].size() == 2);
}
