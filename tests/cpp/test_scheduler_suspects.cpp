// Scheduler on a fake clock: only running jobs are charged for a dead process; suspects run alone.
#include "scheduler_fixture.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;
using namespace ferry::broker::testing;
namespace wire = ferry::wire;

namespace {

// Batches of up to 8, quick retries without jitter, 1 s timeouts.
BrokerConfig batching_config() {
    BrokerConfig config;
    config.default_type.backoff = {10, 100, 2.0, 0.0};
    config.default_type.timeout_s = 1;
    config.default_type.max_attempts = 3;
    config.types["echo"] = config.default_type;
    config.types["echo"].batch = {8, 0};
    return config;
}

// Submits jobs "1".."n" and sends them to a fresh worker `name` in one batch.
void run_batch_at(SchedulerFixture& f, const std::string& name, int n) {
    f.ready(name, 100);
    for (int i = 1; i <= n; ++i) {
        f.submit(std::to_string(i));
    }
    f.scheduler.dispatch(f.now);
    REQUIRE(f.sink.sent[name].size() == 1);
    REQUIRE(f.sink.sent[name][0].jobs.size() == static_cast<std::size_t>(n));
}

void lose(SchedulerFixture& f, const std::string& name, RunningKeys running) {
    f.scheduler.remove_worker(f.scheduler.workers().by_name(name)->id, WorkerExit::lost,
                              "worker process exited: killed by signal 11", f.now,
                              std::move(running));
}

const wire::Outcome& outcome_of(SchedulerFixture& f, const std::string& id) {
    for (const auto& outcome : f.sink.outcomes["client"]) {
        if (outcome.id == id) {
            return outcome;
        }
    }
    FAIL("no outcome for job " << id);
    throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("EXITED with running charges only the jobs inside the handler; the rest go back") {
    SchedulerFixture f(batching_config());
    run_batch_at(f, "dead", 4);
    lose(f, "dead", std::vector<std::string>{key("2")});
    f.ready("w", 100);
    f.scheduler.dispatch(f.now);
    REQUIRE(f.sent_keys("w") == std::vector<std::string>{key("1"), key("3"), key("4")});
    for (const auto& job : f.sink.sent["w"][0].jobs) {
        CHECK(job.attempt == 1);
    }
    for (const char* id : {"1", "3", "4"}) {
        f.answer("w", key(id), true);
    }
    f.advance(10); // job 2's backoff ends; it runs alone on the now idle worker
    REQUIRE(f.sent_keys("w").size() == 4);
    CHECK(f.sink.sent["w"].back().jobs.at(0).attempt == 2);
    f.answer("w", key("2"), true);
    for (const char* id : {"1", "3", "4"}) {
        CHECK(outcome_of(f, id).attempts == 1);
        CHECK(outcome_of(f, id).causes.empty());
    }
    const auto& charged = outcome_of(f, "2");
    CHECK(charged.attempts == 2);
    REQUIRE(charged.causes.size() == 1);
    CHECK(charged.causes[0].code == "WORKER_LOST");
    CHECK(charged.causes[0].message == "worker process exited: killed by signal 11");
    CHECK(f.scheduler.stats().workers_lost == 1);
}

TEST_CASE("EXITED with an empty running list charges none of the jobs the worker held") {
    SchedulerFixture f(batching_config());
    run_batch_at(f, "dead", 3);
    lose(f, "dead", std::vector<std::string>{});
    f.ready("w", 100);
    f.scheduler.dispatch(f.now);
    REQUIRE(f.sink.sent["w"].size() == 1); // still one batch: none of them is a suspect
    for (const auto& job : f.sink.sent["w"][0].jobs) {
        CHECK(job.attempt == 1);
    }
}

TEST_CASE("EXITED without running charges every job the worker held, as from an old supervisor") {
    SchedulerFixture f(batching_config());
    run_batch_at(f, "dead", 2);
    lose(f, "dead", std::nullopt);
    f.ready("w", 100);
    f.advance(10);
    REQUIRE(f.sent_keys("w").size() == 1);
    CHECK(f.sink.sent["w"][0].jobs[0].attempt == 2);
}

TEST_CASE("A suspect is sent alone though its type batches, and its worker gets nothing else") {
    SchedulerFixture f(batching_config());
    run_batch_at(f, "dead", 3);
    lose(f, "dead", std::nullopt); // all three were running: all are suspects now
    f.ready("w", 100);
    f.advance(10);
    f.submit("fresh");
    f.scheduler.dispatch(f.now);
    REQUIRE(f.sink.sent["w"].size() == 1);
    CHECK(f.sent_keys("w") == std::vector<std::string>{key("1")});
    for (const char* id : {"1", "2", "3"}) {
        f.answer("w", key(id), true);
        f.scheduler.dispatch(f.now);
    }
    REQUIRE(f.sink.sent["w"].size() == 4);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(f.sink.sent["w"][i].jobs.size() == 1);
    }
    CHECK(f.sink.sent["w"][3].jobs.at(0).id == key("fresh"));
}

TEST_CASE("A job its worker answered TIMEOUT or WORKER_LOST is a suspect from then on") {
    SchedulerFixture f(batching_config());
    run_batch_at(f, "w", 2);
    f.answer("w", key("1"), false, "WORKER_LOST");
    f.answer("w", key("2"), false, "TIMEOUT");
    f.advance(10);
    REQUIRE(f.sink.sent["w"].size() == 2);
    CHECK(f.sink.sent["w"][1].jobs.size() == 1);
}

TEST_CASE("With no idle worker, one is kept from new jobs until it drains and takes the suspect") {
    SchedulerFixture f(batching_config());
    run_batch_at(f, "dead", 1);
    lose(f, "dead", std::nullopt);
    f.ready("a", 100);
    f.ready("b", 100);
    f.submit("a1");
    f.scheduler.dispatch(f.now); // "a1" goes to a
    f.submit("b1");
    f.scheduler.dispatch(f.now); // "b1" goes to b: both busy now
    f.advance(10);               // the suspect is queued again: a (the older) is reserved
    CHECK(f.scheduler.workers().by_name("a")->reserved);
    f.submit("more");
    f.scheduler.dispatch(f.now); // jobs behind the suspect are not held up: b takes them
    CHECK(f.sent_keys("a") == std::vector<std::string>{key("a1")});
    CHECK(f.sent_keys("b") == std::vector<std::string>{key("b1"), key("more")});
    f.answer("a", key("a1"), true);
    f.scheduler.dispatch(f.now);
    CHECK(f.sent_keys("a") == std::vector<std::string>{key("a1"), key("1")});
    f.answer("a", key("1"), true);
    f.submit("after");
    f.scheduler.dispatch(f.now); // no suspect waits: a takes jobs again
    CHECK_FALSE(f.scheduler.workers().by_name("a")->reserved);
    CHECK(f.sent_keys("a").back() == key("after"));
}

TEST_CASE("A job given back uncounted does not inherit its earlier dispatch's deadline") {
    SchedulerFixture f(batching_config()); // 1 s timeouts
    run_batch_at(f, "leaving", 1);
    f.now += Millis(500);
    f.scheduler.remove_worker(f.scheduler.workers().by_name("leaving")->id,
                              WorkerExit::disconnected, "left", f.now);
    f.ready("w", 100);
    f.scheduler.dispatch(f.now);
    REQUIRE(f.sent_keys("w").size() == 1);
    f.scheduler.workers().by_name("w")->last_heard = f.now + Millis(1000);
    f.advance(600); // 1.1 s after the first dispatch, 0.6 s into this one
    CHECK(f.sink.cancels["w"].empty());
    CHECK(f.scheduler.stats().timeouts == 0);
    f.advance(400); // 1 s into this one
    REQUIRE(f.sink.cancels["w"].size() == 1);
    CHECK(f.scheduler.stats().timeouts == 1);
}

TEST_CASE(
    "A last attempt charged in company is given back and runs alone before the job can fail") {
    BrokerConfig config = batching_config();
    config.types["echo"].max_attempts = 1;
    SchedulerFixture f(config);
    run_batch_at(f, "dead", 2);
    lose(f, "dead", std::nullopt); // both were inside the handler: either may be the culprit
    CHECK(f.sink.outcomes["client"].empty());
    f.ready("w", 100);
    f.scheduler.dispatch(f.now);
    REQUIRE(f.sent_keys("w") == std::vector<std::string>{key("1")});
    CHECK(f.sink.sent["w"][0].jobs[0].attempt == 1);
    f.answer("w", key("1"), true);
    f.scheduler.dispatch(f.now);
    REQUIRE(f.sent_keys("w").size() == 2);
    lose(f, "w", std::vector<std::string>{key("2")}); // alone now: the cause is its own
    REQUIRE(f.sink.outcomes["client"].size() == 2);
    CHECK(outcome_of(f, "1").ok);
    CHECK(outcome_of(f, "1").attempts == 1);
    const auto& failed = outcome_of(f, "2");
    CHECK_FALSE(failed.ok);
    CHECK(failed.attempts == 1);
    REQUIRE(failed.causes.size() == 1);
    CHECK(failed.causes[0].code == "WORKER_LOST");
}
