// Operator commands on a fake clock: cancelling jobs wherever they are, and redriving dead
// letters with fresh attempts.
#include "scheduler_fixture.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;
using namespace ferry::broker::testing;
namespace wire = ferry::wire;

namespace {

BrokerConfig one_attempt() {
    BrokerConfig config;
    config.default_type.max_attempts = 1;
    config.default_type.timeout_s = 60;
    return config;
}

// Fails job `id` for good at worker `w` (one attempt allowed) and acknowledges its outcome.
void dead_letter(SchedulerFixture& f, const std::string& id, bool acknowledge = true) {
    f.submit(id);
    f.scheduler.dispatch(f.now);
    f.answer("w", key(id), false, "INVALID_ARGUMENT");
    REQUIRE(f.scheduler.table().dead_letter("client", id) != nullptr);
    if (acknowledge) {
        const JobRef job = f.sink.delivered.at("client").back();
        REQUIRE(f.scheduler.acknowledge("client", std::span(&job, 1)) == 1);
    }
}

} // namespace

TEST_CASE("A queued job cancelled fails with CANCELLED, is never sent, and is no dead letter") {
    SchedulerFixture f;
    f.submit("1");
    f.submit("2");
    CHECK(f.scheduler.cancel("client", "1", "by test", f.now) == CancelOutcome::cancelled);
    f.ready("w", 10);
    f.scheduler.dispatch(f.now);
    CHECK(f.sent_keys("w") == std::vector<std::string>{key("2")});
    REQUIRE(f.sink.outcomes["client"].size() == 1);
    const auto& outcome = f.sink.outcomes["client"][0];
    CHECK(outcome.id == "1");
    CHECK_FALSE(outcome.ok);
    CHECK(outcome.error->code == "CANCELLED");
    CHECK(outcome.error->message == "cancelled by test");
    CHECK(f.scheduler.table().dead_letters().empty());
    CHECK(f.scheduler.stats().cancelled == 1);
    CHECK(f.scheduler.kept() == 1);
}

TEST_CASE("A running job cancelled tells its worker to stop and its late result is dropped") {
    SchedulerFixture f;
    f.ready("w", 10);
    f.submit("1");
    f.scheduler.dispatch(f.now);
    REQUIRE(f.scheduler.in_flight() == 1);
    CHECK(f.scheduler.cancel("client", "1", "by test", f.now) == CancelOutcome::cancelled);
    CHECK(f.scheduler.in_flight() == 0);
    REQUIRE(f.sink.cancels["w"].size() == 1);
    CHECK(f.sink.cancels["w"][0].ids == std::vector<std::string>{key("1")});
    CHECK(f.sink.cancels["w"][0].code == "CANCELLED");
    f.answer("w", key("1"), true);
    REQUIRE(f.sink.outcomes["client"].size() == 1);
    CHECK(f.sink.outcomes["client"][0].error->code == "CANCELLED");
    CHECK(f.sink.outcomes["client"][0].error->worker == std::optional<std::string>("w"));
    CHECK(f.scheduler.stats().duplicates_dropped == 1);
    CHECK(f.scheduler.workers().by_name("w")->in_flight == 0);
}

TEST_CASE("A job waiting out a backoff can be cancelled and is not sent when the backoff ends") {
    BrokerConfig config;
    config.default_type.backoff = {50, 50, 1.0, 0.0};
    SchedulerFixture f(config);
    f.ready("w", 10);
    f.submit("1");
    f.scheduler.dispatch(f.now);
    f.answer("w", key("1"), false);
    CHECK(f.scheduler.cancel("client", "1", "by test", f.now) == CancelOutcome::cancelled);
    f.advance(100);
    CHECK(f.sent_keys("w").size() == 1);
    REQUIRE(f.sink.outcomes["client"].size() == 1);
    CHECK(f.sink.outcomes["client"][0].causes.size() == 2); // the failed attempt, then CANCELLED
}

TEST_CASE(
    "Cancelling a finished job leaves its outcome, and an unknown job is said to be unknown") {
    SchedulerFixture f;
    f.ready("w", 10);
    f.submit("1");
    f.scheduler.dispatch(f.now);
    f.answer("w", key("1"), true);
    CHECK(f.scheduler.cancel("client", "1", "by test", f.now) == CancelOutcome::finished);
    const JobRef job = f.sink.delivered.at("client").back();
    REQUIRE(f.scheduler.acknowledge("client", std::span(&job, 1)) == 1);
    CHECK(f.scheduler.cancel("client", "1", "by test", f.now) == CancelOutcome::finished);
    CHECK(f.scheduler.cancel("client", "nope", "by test", f.now) == CancelOutcome::unknown);
    CHECK(f.scheduler.cancel("other", "1", "by test", f.now) == CancelOutcome::unknown);
    CHECK(f.sink.outcomes["client"].size() == 1);
    CHECK(f.sink.outcomes["client"][0].ok);
}

TEST_CASE("A dead letter redriven runs again with fresh attempts and leaves the dead letters") {
    SchedulerFixture f(one_attempt());
    f.ready("w", 10);
    dead_letter(f, "1");
    CHECK(f.scheduler.redrive("client", "1", 7, f.now) == RedriveOutcome::redriven);
    CHECK(f.scheduler.table().dead_letters().empty());
    f.scheduler.dispatch(f.now);
    REQUIRE(f.sink.sent["w"].size() == 2);
    const wire::Job& job = f.sink.sent["w"][1].jobs.at(0);
    CHECK(job.id == key("1"));
    CHECK(job.attempt == 1);
    CHECK(job.payload == "\xa1x");
    f.answer("w", key("1"), true);
    REQUIRE(f.sink.outcomes["client"].size() == 2);
    CHECK(f.sink.outcomes["client"][1].ok);
    CHECK(f.sink.outcomes["client"][1].causes.empty());
    CHECK(f.sink.sessions["client"][1] == 7);
    CHECK(f.scheduler.stats().redriven == 1);
    CHECK(f.scheduler.redrive("client", "1", 7, f.now) == RedriveOutcome::not_dead);
}

TEST_CASE("Redriving a failure whose outcome is still kept replaces it") {
    SchedulerFixture f(one_attempt());
    f.ready("w", 10);
    dead_letter(f, "1", false);
    const JobRef failed = f.sink.delivered.at("client").back();
    REQUIRE(f.scheduler.kept() == 1);
    CHECK(f.scheduler.redrive("client", "1", 1, f.now) == RedriveOutcome::redriven);
    CHECK(f.scheduler.kept() == 0);
    CHECK(f.sink.kept["client"] == 0);
    CHECK(f.scheduler.acknowledge("client", std::span(&failed, 1)) == 0); // stale now
    f.scheduler.dispatch(f.now);
    f.answer("w", key("1"), true);
    CHECK(f.sink.outcomes["client"].back().ok);
    CHECK(f.scheduler.kept() == 1);
}

TEST_CASE("A redrive never runs a job twice and refuses what it cannot run") {
    BrokerConfig config = one_attempt();
    config.remember_done = 0; // the id may be submitted again once acknowledged
    config.max_payload_bytes = 4;
    SchedulerFixture f(config);
    f.ready("w", 10);
    dead_letter(f, "1");
    f.submit("1"); // submitted again under the same id: held, not dead
    CHECK(f.scheduler.redrive("client", "1", 1, f.now) == RedriveOutcome::held);
    CHECK(f.scheduler.table().dead_letter("client", "1") != nullptr);

    wire::SubmitJob big{"big",        "echo",       std::string(10, 'x'),
                        std::nullopt, std::nullopt, std::nullopt};
    CHECK(f.scheduler.submit("client", big, f.now) == SubmitOutcome::too_large);
    CHECK(f.scheduler.redrive("client", "big", 1, f.now) == RedriveOutcome::payload_gone);
    CHECK(f.scheduler.redrive("client", "never", 1, f.now) == RedriveOutcome::not_dead);
}
