// The journal on its own: records round-trip, torn tails are cut, bad headers refuse to start,
// segments are removed once done, and replay restores pending jobs with attempts counted.
#include "ferry/broker/journal_reader.hpp"
#include "ferry/broker/journal_writer.hpp"
#include "scheduler_fixture.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace ferry::broker;
using namespace ferry::broker::testing;
namespace fs = std::filesystem;

namespace {

// A fresh journal directory, removed afterwards.
struct TempJournal {
    ferry::test::TempDir scratch;     // owns the directory
    std::string dir = scratch.root(); // the journal directory
    [[nodiscard]] JournalConfig config(FsyncPolicy fsync = FsyncPolicy::off,
                                       std::uint64_t segment_bytes = 1 << 20) const {
        return JournalConfig{dir, fsync, 10, segment_bytes};
    }
};

JournalJob make_job(const std::string& id, std::uint32_t attempts = 0) {
    return JournalJob{"c1", id, "echo", "\xa2hi", 5, 3000, 3, attempts};
}

JournalJobView view(const JournalJob& job) {
    return {job.client,   job.id,         job.type,         job.payload,
            job.priority, job.timeout_ms, job.max_attempts, job.attempts};
}

std::string key_of(const std::string& id) {
    return make_job_key("c1", id);
}

} // namespace

TEST_CASE("Journal records written and committed are read back as the unfinished jobs") {
    TempJournal temp;
    {
        JournalWriter writer(temp.config(FsyncPolicy::always), {});
        const auto a = writer.append_accept(view(make_job("a")));
        (void)writer.append_accept(view(make_job("b")));
        (void)writer.append_accept(view(make_job("c")));
        writer.append_dispatch(key_of("b"), 1);
        writer.append_done(key_of("a"), a);
        REQUIRE(writer.commit());
        CHECK(writer.fsyncs() >= 1);
    }
    const JournalContents contents = read_journal(temp.dir);
    CHECK(contents.records == 5);
    CHECK(contents.torn_bytes == 0);
    REQUIRE(contents.jobs.size() == 2);
    const auto& b = contents.jobs[0];
    CHECK(b.job.id == "b");
    CHECK(b.in_flight);
    CHECK(b.job.attempts == 1);
    CHECK(b.job.payload == "\xa2hi");
    CHECK(b.job.priority == 5);
    CHECK(b.job.timeout_ms == 3000);
    CHECK(b.job.max_attempts == 3);
    CHECK(contents.jobs[1].job.id == "c");
    CHECK_FALSE(contents.jobs[1].in_flight);
}

TEST_CASE(
    "A journal cut mid-record loses only the torn record and is truncated to the last whole one") {
    TempJournal temp;
    {
        JournalWriter writer(temp.config(), {});
        (void)writer.append_accept(view(make_job("kept")));
        (void)writer.commit();
        (void)writer.append_accept(view(make_job("torn")));
        (void)writer.commit();
    }
    const std::string path = segment_path(temp.dir, 1);
    const auto full = fs::file_size(path);
    fs::resize_file(path, full - 5); // the crash hit the middle of the second record
    const JournalContents contents = read_journal(temp.dir);
    REQUIRE(contents.jobs.size() == 1);
    CHECK(contents.jobs[0].job.id == "kept");
    CHECK(contents.torn_bytes > 0);
    CHECK(fs::file_size(path) == full - 5 - contents.torn_bytes);
    CHECK(read_journal(temp.dir).torn_bytes == 0); // cut once, clean since
}

TEST_CASE("A record whose bytes were damaged is treated as the torn end of the journal") {
    TempJournal temp;
    {
        JournalWriter writer(temp.config(), {});
        (void)writer.append_accept(view(make_job("a")));
        (void)writer.append_accept(view(make_job("b")));
        (void)writer.commit();
    }
    const std::string path = segment_path(temp.dir, 1);
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(fs::file_size(path) - 2));
    file.put('\x7f');
    file.close();
    const JournalContents contents = read_journal(temp.dir);
    REQUIRE(contents.jobs.size() == 1);
    CHECK(contents.jobs[0].job.id == "a");
}

TEST_CASE("A journal with a corrupted header or another version is refused, naming the file") {
    TempJournal temp;
    { JournalWriter writer(temp.config(), {}); }
    const std::string path = segment_path(temp.dir, 1);
    const auto damage = [&path](std::streamoff at, char byte) {
        std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(at);
        file.put(byte);
    };
    SECTION("bad magic") {
        damage(0, 'X');
    }
    SECTION("another version") {
        damage(8, '\x07');
    }
    SECTION("a flipped header byte") {
        damage(13, '\x01');
    }
    try {
        (void)read_journal(temp.dir);
        FAIL("read_journal accepted a damaged header");
    } catch (const JournalError& error) {
        CHECK_THAT(error.what(), Catch::Contains(path));
        CHECK_THAT(error.what(), Catch::Contains("move it out"));
    }
    CHECK(fs::exists(path)); // never discarded
}

TEST_CASE("Sealed segments are removed once their jobs are done, so the journal stays small") {
    TempJournal temp;
    JournalWriter writer(temp.config(FsyncPolicy::off, 4096), {});
    for (int round = 0; round < 200; ++round) {
        const auto id = "job" + std::to_string(round);
        const auto place = writer.append_accept(view(make_job(id)));
        writer.append_dispatch(key_of(id), 1);
        writer.append_done(key_of(id), place);
        (void)writer.commit();
        while (const auto oldest = writer.oldest_sealed()) {
            REQUIRE(writer.live(*oldest).jobs == 0);
            writer.remove_segment(*oldest);
        }
    }
    CHECK(writer.active_segment() > 2);
    CHECK(list_segments(temp.dir).size() == 1);
    CHECK(writer.total_bytes() < 4096 + 200);
    CHECK(read_journal(temp.dir).jobs.empty());
}

TEST_CASE(
    "Replay restores pending jobs, counts interrupted attempts, and dead-letters spent ones") {
    SchedulerFixture f;
    CHECK(f.scheduler.restore(restored_job("queued", 1, false), f.now) == RestoreOutcome::queued);
    CHECK(f.scheduler.restore(restored_job("running", 1, true), f.now) == RestoreOutcome::queued);
    CHECK(f.scheduler.restore(restored_job("spent", 3, true), f.now) ==
          RestoreOutcome::dead_lettered);
    CHECK(f.scheduler.active() == 2);
    CHECK(f.scheduler.kept() == 1); // the dead letter's outcome waits for its producer's ACK
    CHECK(f.scheduler.stats().replayed == 3);
    const auto& dead = f.sink.outcomes.at("c1").at(0);
    CHECK(dead.id == "spent");
    CHECK_FALSE(dead.ok);
    CHECK(dead.attempts == 3);
    CHECK(dead.error->code == "WORKER_LOST");

    f.ready("w1", 8);
    f.advance(0);
    // The interrupted job is a suspect: it runs alone first, then the worker takes the rest.
    REQUIRE(f.sent_keys("w1") == std::vector<std::string>{key_of("running")});
    CHECK(f.sink.sent["w1"][0].jobs[0].attempt == 2);
    f.answer("w1", key_of("running"), true);
    const auto& done = f.sink.outcomes.at("c1").at(1);
    CHECK(done.id == "running");
    CHECK(done.attempts == 2);
    REQUIRE(done.causes.size() == 1);
    CHECK(done.causes[0].message == "broker restarted during attempt 1");
    f.advance(0);
    CHECK(f.sent_keys("w1").size() == 2);
}

TEST_CASE("After replay a resubmitted pending id is a duplicate, a forgotten finished id runs") {
    SchedulerFixture f;
    CHECK(f.scheduler.restore(restored_job("pending", 0, false), f.now) == RestoreOutcome::queued);
    wire::SubmitJob again{"pending", "echo", "\xa1x", std::nullopt, std::nullopt, std::nullopt};
    CHECK(f.scheduler.submit("c1", std::move(again), f.now) == SubmitOutcome::duplicate);
    wire::SubmitJob finished{"finished", "echo", "\xa1x", std::nullopt, std::nullopt, std::nullopt};
    CHECK(f.scheduler.submit("c1", std::move(finished), f.now) == SubmitOutcome::accepted);
}
