// The Journal part without a Broker or a Scheduler: the observer hooks go to disk, replay hands
// the jobs back, compaction reaches held jobs only through its callback, and the lock holds.
#include "ferry/broker/journal.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <deque>
#include <filesystem>
#include <vector>

using namespace ferry::broker;

namespace {

// Jobs held by the test in place of a job table, and the journal following them.
struct HeldJobs {
    std::deque<JobRecord> records; // the held jobs (a deque: references stay valid)

    JobRecord& add(const std::string& id, std::uint32_t attempts = 0) {
        JobRecord& record = records.emplace_back();
        record.live = true;
        record.key = make_job_key("c1", id);
        record.client_size = 2;
        record.type = "echo";
        record.payload = "\xa2hi";
        record.priority = 5;
        record.timeout_ms = 3000;
        record.max_attempts = 3;
        record.attempts = attempts;
        return record;
    }
    [[nodiscard]] ForEachHeld visitor() {
        return [this](const std::function<void(JobRecord&)>& fn) {
            for (auto& record : records) {
                if (record.live) {
                    fn(record);
                }
            }
        };
    }
};

JournalConfig config_in(const std::string& dir, std::uint64_t segment_bytes = 1 << 20) {
    return JournalConfig{dir, FsyncPolicy::off, 10, segment_bytes};
}

// Replays the journal in `dir` into a list, as a scheduler would restore it.
std::vector<RestoredJob> replay(const std::string& dir, HeldJobs& held) {
    std::vector<RestoredJob> restored;
    Journal journal(config_in(dir), held.visitor());
    journal.replay([&restored](RestoredJob&& job) {
        restored.push_back(std::move(job));
        return RestoreOutcome::queued;
    });
    return restored;
}

} // namespace

TEST_CASE("A journal told of accepted, dispatched and answered jobs gives them back after a "
          "restart, and forgets the done ones") {
    ferry::test::TempDir temp;
    HeldJobs held;
    {
        Journal journal(config_in(temp.root()), held.visitor());
        journal.replay([](RestoredJob&&) { return RestoreOutcome::queued; });
        JobRecord& done = held.add("done");
        JobRecord& running = held.add("running");
        JobRecord& answered = held.add("answered");
        for (JobRecord* record : {&done, &running, &answered}) {
            journal.accepted(*record);
            CHECK(record->journal != no_journal);
        }
        running.attempts = 1;
        running.state = JobState::in_flight;
        journal.dispatched(running);
        answered.payload = "OUTCOME";
        answered.state = JobState::answered;
        journal.answered(answered);
        journal.answered(done);
        journal.done(done);
        journal.commit();
        CHECK(journal.written_bytes() == journal.appended_bytes());
    }
    HeldJobs next;
    const auto restored = replay(temp.root(), next);
    REQUIRE(restored.size() == 2);
    CHECK(restored[0].id == "running");
    CHECK(restored[0].in_flight);
    CHECK(restored[0].attempts == 1);
    CHECK(restored[0].payload == "\xa2hi");
    CHECK(restored[0].timeout_ms == 3000);
    CHECK_FALSE(restored[0].outcome.has_value());
    CHECK(restored[1].id == "answered");
    REQUIRE(restored[1].outcome.has_value());
    CHECK(*restored[1].outcome == "OUTCOME");
    CHECK(restored[1].token != no_journal);
}

TEST_CASE("A second journal on a directory another one holds is refused") {
    ferry::test::TempDir temp;
    HeldJobs held;
    Journal first(config_in(temp.root()), held.visitor());
    CHECK_THROWS_AS(Journal(config_in(temp.root()), held.visitor()), JournalError);
}

TEST_CASE("Compaction carries a long-held job forward through its callback, so old segments go "
          "and the job survives a restart") {
    ferry::test::TempDir temp;
    HeldJobs held;
    {
        Journal journal(config_in(temp.root(), 4096), held.visitor());
        journal.replay([](RestoredJob&&) { return RestoreOutcome::queued; });
        JobRecord& pinned = held.add("pinned", 1);
        journal.accepted(pinned);
        pinned.state = JobState::in_flight;
        journal.dispatched(pinned);
        for (int i = 0; i < 400; ++i) {
            JobRecord& passing = held.add("p" + std::to_string(i));
            journal.accepted(passing);
            journal.done(passing);
            passing.live = false;
            journal.commit();
        }
        CHECK(journal.writer().active_segment() > 3);
        CHECK(journal.writer().segment_count() <= 2);
    }
    HeldJobs next;
    const auto restored = replay(temp.root(), next);
    REQUIRE(restored.size() == 1);
    CHECK(restored[0].id == "pinned");
    CHECK(restored[0].in_flight);
    CHECK(restored[0].attempts == 1);
}
