// Outcome custody without sockets: an outcome stays until its ACK, goes only to the session that
// submitted its id, comes back when the id is resubmitted, and is forgotten when given up.
#include "scheduler_fixture.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;
using namespace ferry::broker::testing;

namespace {

const wire::SubmitJob echo_job(const std::string& id) {
    return wire::SubmitJob{id, "echo", "\xa1x", std::nullopt, std::nullopt, std::nullopt};
}

// ACKs the jobs behind the client's deliveries number `deliveries` (0 is the first outcome).
std::size_t ack(SchedulerFixture& f, std::initializer_list<std::size_t> deliveries,
                std::initializer_list<JobRef> others = {}) {
    std::vector<JobRef> jobs(others);
    for (const std::size_t n : deliveries) {
        jobs.push_back(f.sink.delivered.at("client").at(n));
    }
    return f.scheduler.acknowledge("client", jobs);
}

} // namespace

TEST_CASE("An answered job stays held with its outcome until the producer acknowledges it") {
    SchedulerFixture f;
    f.ready("w", 4);
    f.submit("1");
    f.submit("2");
    f.advance(0);
    f.answer("w", key("1"), true);
    CHECK(f.scheduler.held() == 2);
    CHECK(f.scheduler.kept() == 1);
    CHECK(f.scheduler.active() == 1);
    CHECK(f.sink.kept["client"] == 1);
    // Job 2 is not answered, and a handle naming no job is ignored.
    const JobRef running = *f.scheduler.table().find(key("2"));
    CHECK(ack(f, {0}, {running, no_job, JobRef{7, 99}}) == 1);
    CHECK(f.scheduler.held() == 1);
    CHECK(f.scheduler.kept() == 0);
    CHECK(f.sink.kept["client"] == 0);
    CHECK(f.scheduler.stats().acknowledged == 1);
    CHECK(ack(f, {0}) == 0); // a repeated ACK changes nothing
}

TEST_CASE("An outcome goes to the session that submitted the id, and to a later one again") {
    SchedulerFixture f;
    f.ready("w", 4);
    CHECK(f.scheduler.submit("client", echo_job("1"), f.now, 3) == SubmitOutcome::accepted);
    f.advance(0);
    // A second session takes the running job over: the outcome is now its.
    CHECK(f.scheduler.submit("client", echo_job("1"), f.now, 4) == SubmitOutcome::duplicate);
    CHECK(f.sink.outcomes["client"].empty());
    f.answer("w", key("1"), true);
    REQUIRE(f.sink.sessions["client"] == std::vector<std::uint32_t>{4});
    // A third submits it again before any ACK: the kept outcome goes to it, bytes unchanged.
    CHECK(f.scheduler.submit("client", echo_job("1"), f.now, 5) == SubmitOutcome::duplicate);
    REQUIRE(f.sink.sessions["client"] == std::vector<std::uint32_t>{4, 5});
    CHECK(f.sink.outcomes["client"][0] == f.sink.outcomes["client"][1]);
    CHECK(f.sent_keys("w").size() == 1); // it ran once
}

TEST_CASE("A late result for an answered job is dropped and changes nothing") {
    SchedulerFixture f;
    f.ready("w", 4);
    f.submit("1");
    f.advance(0);
    f.answer("w", key("1"), true);
    f.answer("w", key("1"), false);
    f.answer("w", key("1"), true);
    CHECK(f.sink.outcomes["client"].size() == 1);
    CHECK(f.scheduler.stats().duplicates_dropped == 2);
    CHECK(f.scheduler.kept() == 1);
}

TEST_CASE("Forgetting a client's kept outcomes leaves its other jobs and other clients alone") {
    SchedulerFixture f;
    f.ready("w", 8);
    f.submit("1");
    f.submit("2");
    CHECK(f.scheduler.submit("other", echo_job("1"), f.now) == SubmitOutcome::accepted);
    f.advance(0);
    f.answer("w", key("1"), true);
    f.answer("w", make_job_key("other", "1"), true);
    CHECK(f.scheduler.forget_kept("client") == 1);
    CHECK(f.scheduler.kept() == 1);   // other's outcome stays
    CHECK(f.scheduler.active() == 1); // client's job 2 still runs
    CHECK(f.scheduler.stats().outcomes_given_up == 1);
    CHECK(f.scheduler.submit("client", echo_job("1"), f.now) == SubmitOutcome::already_done);
}

TEST_CASE("A failed job's outcome is kept like a successful one, with every cause") {
    BrokerConfig config;
    config.default_type.max_attempts = 2;
    config.default_type.backoff = {0, 0, 1.0, 0.0};
    SchedulerFixture f(config);
    f.ready("w", 4);
    f.submit("1");
    f.advance(0);
    f.answer("w", key("1"), false);
    f.advance(0);
    f.answer("w", key("1"), false);
    REQUIRE(f.sink.outcomes["client"].size() == 1);
    const wire::Outcome outcome = f.sink.outcomes["client"][0];
    CHECK_FALSE(outcome.ok);
    CHECK(outcome.attempts == 2);
    CHECK(outcome.causes.size() == 2);
    CHECK(f.scheduler.kept() == 1);
    CHECK(f.scheduler.submit("client", echo_job("1"), f.now, 9) == SubmitOutcome::duplicate);
    CHECK(f.sink.outcomes["client"].at(1) == outcome);
}

TEST_CASE("An outcome tells queue wait from handler time") {
    SchedulerFixture f;
    f.submit("1");
    f.now += Millis(40); // no worker yet: the job waits
    f.ready("w", 4);
    f.advance(0);
    wire::Result result{key("1"), true, std::string("\xc0"), std::nullopt, 2.5};
    f.scheduler.worker_results(f.scheduler.workers().by_name("w"),
                               wire::Results{{result}, std::nullopt}, f.now + Millis(3));
    REQUIRE(f.sink.outcomes["client"].size() == 1);
    const auto& outcome = f.sink.outcomes["client"][0];
    REQUIRE(outcome.queue_ms.has_value());
    CHECK(*outcome.queue_ms == Approx(40.0).margin(0.01));
    CHECK(outcome.handler_ms == std::optional<double>(2.5));
    CHECK(*outcome.ms == Approx(43.0).margin(0.01));
}

TEST_CASE("An outcome of a job never sent has no queue wait or handler time") {
    BrokerConfig config;
    config.max_payload_bytes = 1;
    SchedulerFixture f(config);
    f.submit("big");
    REQUIRE(f.sink.outcomes["client"].size() == 1);
    CHECK_FALSE(f.sink.outcomes["client"][0].queue_ms.has_value());
    CHECK_FALSE(f.sink.outcomes["client"][0].handler_ms.has_value());
}
