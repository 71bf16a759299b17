// Replay of kept outcomes and restart without rewriting: the journal after answered and done
// records, compaction of their accepts, and a writer that continues where the last life stopped.
#include "ferry/broker/journal_lock.hpp"
#include "ferry/broker/journal_reader.hpp"
#include "ferry/broker/journal_writer.hpp"
#include "scheduler_fixture.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <unistd.h>

using namespace ferry::broker;
using namespace ferry::broker::testing;
namespace fs = std::filesystem;

namespace {

JournalJob make_job(const std::string& id) {
    return JournalJob{"c1", id, "echo", "\xa2hi", 0, 0, 3, 0};
}

JournalJobView view(const JournalJob& job) {
    return {job.client,   job.id,         job.type,         job.payload,
            job.priority, job.timeout_ms, job.max_attempts, job.attempts};
}

JournalConfig config_in(const std::string& dir, std::uint64_t segment_bytes = 1 << 20) {
    return JournalConfig{dir, FsyncPolicy::off, 10, segment_bytes};
}

} // namespace

TEST_CASE("An answered job is replayed with its outcome until its done record") {
    ferry::test::TempDir temp;
    JournalWriter writer(config_in(temp.root()), {});
    const auto a = writer.append_accept(view(make_job("a")));
    const auto b = writer.append_accept(view(make_job("b")));
    const auto a_answered = writer.append_answered("c1", "a", "OUTCOME-A", a);
    (void)writer.commit();
    auto contents = read_journal(temp.root());
    REQUIRE(contents.jobs.size() == 2);
    CHECK(contents.jobs[0].job.id == "a");
    REQUIRE(contents.jobs[0].outcome.has_value());
    CHECK(*contents.jobs[0].outcome == "OUTCOME-A");
    CHECK(contents.jobs[0].place.segment == a_answered.segment);
    CHECK(contents.jobs[0].place.bytes == a_answered.bytes);
    CHECK_FALSE(contents.jobs[1].outcome.has_value());
    CHECK(contents.jobs[1].place.bytes == b.bytes);

    writer.append_done(make_job_key("c1", "a"), a_answered);
    (void)writer.commit();
    contents = read_journal(temp.root());
    REQUIRE(contents.jobs.size() == 1);
    CHECK(contents.jobs[0].job.id == "b");
}

TEST_CASE("An answered record replays on its own once the segment of its accept is gone") {
    ferry::test::TempDir temp;
    JournalWriter writer(config_in(temp.root(), 64), {}); // every commit rolls a segment
    const auto accepted = writer.append_accept(view(make_job("a")));
    (void)writer.commit();
    (void)writer.append_answered("c1", "a", "OUTCOME-A", accepted);
    (void)writer.commit();
    const auto sealed = writer.oldest_sealed();
    REQUIRE(sealed.has_value());
    CHECK(writer.live(*sealed).jobs == 0); // the answered record is the job's live record now
    writer.remove_segment(*sealed);
    const auto contents = read_journal(temp.root());
    REQUIRE(contents.jobs.size() == 1);
    CHECK(contents.jobs[0].job.client == "c1");
    CHECK(contents.jobs[0].job.id == "a");
    CHECK(contents.jobs[0].outcome == std::optional<std::string>("OUTCOME-A"));
}

TEST_CASE("A restarted writer continues the last segment and counts the replayed jobs as live") {
    ferry::test::TempDir temp;
    {
        JournalWriter first(config_in(temp.root()), {});
        (void)first.append_accept(view(make_job("a")));
        (void)first.append_accept(view(make_job("b")));
        (void)first.commit();
    }
    const std::string path = segment_path(temp.root(), 1);
    const auto size = fs::file_size(path);
    auto contents = read_journal(temp.root());
    JournalWriter again(config_in(temp.root()), contents.segments);
    CHECK(again.active_segment() == 1);
    CHECK(fs::file_size(path) == size); // replay wrote nothing
    for (const auto& job : contents.jobs) {
        again.adopt(job.place);
    }
    CHECK(again.live(1).jobs == 2);
    again.append_done(make_job_key("c1", "a"), contents.jobs[0].place);
    (void)again.commit();
    CHECK(again.live(1).jobs == 1);
    CHECK(fs::file_size(path) > size);
    contents = read_journal(temp.root());
    REQUIRE(contents.jobs.size() == 1);
    CHECK(contents.jobs[0].job.id == "b");
}

TEST_CASE("Replayed outcomes are kept for a resubmission and are not delivered before it") {
    SchedulerFixture f;
    wire::OutcomeView outcome;
    outcome.id = "done";
    outcome.ok = true;
    outcome.result = "\xc0";
    outcome.attempts = 1;
    std::string encoded;
    wire::append_outcome(outcome, encoded);
    CHECK(f.scheduler.restore(restored_job("done", 0, false, encoded), f.now) ==
          RestoreOutcome::answered);
    CHECK(f.scheduler.kept() == 1);
    CHECK(f.sink.kept["c1"] == 1);
    CHECK(f.sink.outcomes.empty()); // nobody has asked for it in this life yet
    const wire::SubmitJob again{"done", "echo", "\xa1x", std::nullopt, std::nullopt, std::nullopt};
    CHECK(f.scheduler.submit("c1", again, f.now, 7) == SubmitOutcome::duplicate);
    REQUIRE(f.sink.sessions["c1"] == std::vector<std::uint32_t>{7});
    CHECK(f.sink.outcomes["c1"][0].id == "done");
    CHECK(f.sink.outcomes["c1"][0].ok);
}

TEST_CASE("A second lock on a journal directory is refused, naming the directory and the pid") {
    ferry::test::TempDir temp;
    JournalLock first(temp.root());
    try {
        JournalLock second(temp.root());
        FAIL("two locks on one journal directory");
    } catch (const JournalError& error) {
        CHECK_THAT(error.what(), Catch::Contains(temp.root()));
        CHECK_THAT(error.what(), Catch::Contains("pid " + std::to_string(::getpid())));
    }
}

TEST_CASE("The journal lock is free again once its owner releases it") {
    ferry::test::TempDir temp;
    { JournalLock first(temp.root()); }
    JournalLock second(temp.root());
    CHECK(fs::exists(second.path()));
}
