// The journal on a disk that fills up (a real tmpfs): records wait in order, nothing is lost, and
// writing resumes by itself when space returns.
#include "ferry/broker/journal_reader.hpp"
#include "ferry/broker/journal_writer.hpp"
#include "tmpfs_mount.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace ferry::broker;
namespace fs = std::filesystem;

namespace {

// Fills the file system of `path` until a write fails, leaving `spare` bytes free again.
void fill_disk(const std::string& path, std::size_t spare) {
    {
        std::ofstream filler(path, std::ios::binary);
        const std::string block(4096, '\0');
        while (filler.write(block.data(), static_cast<std::streamsize>(block.size()))) {
        }
    }
    const auto size = fs::file_size(path);
    fs::resize_file(path, size > spare ? size - spare : 0);
}

JournalJob job_number(int i) {
    return JournalJob{"c1", "job" + std::to_string(i), "echo", std::string(100, 'p'), 0, 0, 3, 0};
}

JournalJobView view(const JournalJob& job) {
    return {job.client,   job.id,         job.type,         job.payload,
            job.priority, job.timeout_ms, job.max_attempts, job.attempts};
}

// A fresh journal directory on `disk`; false (with a warning) when no tmpfs could be mounted.
bool journal_dir_on(const ferry::test::TmpfsMount& disk, std::string& dir) {
    if (!disk.mounted()) {
        WARN(disk.why() << ": not run (needs root)");
        return false;
    }
    dir = disk.path("journal");
    fs::create_directories(dir);
    return true;
}

// Commits until the writer has written everything, or a deadline passes (retries on a full disk
// are spaced by the writer itself).
bool commit_until_written(JournalWriter& writer) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
        (void)writer.commit();
        if (!writer.blocked() && writer.written_bytes() == writer.appended_bytes()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

} // namespace

TEST_CASE(
    "A journal on a full disk keeps its records in order and writes them when space returns") {
    ferry::test::TmpfsMount disk(512 * 1024);
    std::string dir;
    if (!journal_dir_on(disk, dir)) {
        return;
    }
    JournalWriter writer(JournalConfig{dir, FsyncPolicy::always, 10, 1 << 20}, {});
    fill_disk(disk.path("filler"), 2048);
    for (int i = 0; i < 100; ++i) { // about 16 KB of records for 2 KB of room
        (void)writer.append_accept(view(job_number(i)));
    }
    (void)writer.commit();
    REQUIRE(writer.blocked());
    CHECK(writer.written_bytes() < writer.appended_bytes());

    fs::remove(disk.path("filler"));
    REQUIRE(commit_until_written(writer));
    CHECK_FALSE(writer.blocked());
    const JournalContents contents = read_journal(dir);
    REQUIRE(contents.jobs.size() == 100);
    for (int i = 0; i < 100; ++i) {
        CHECK(contents.jobs[static_cast<std::size_t>(i)].job.id == "job" + std::to_string(i));
    }
}

TEST_CASE("A journal that cannot start a new segment on a full disk keeps writing its last one") {
    ferry::test::TmpfsMount disk(512 * 1024);
    std::string dir;
    if (!journal_dir_on(disk, dir)) {
        return;
    }
    JournalWriter writer(JournalConfig{dir, FsyncPolicy::off, 10, 4096}, {});
    fill_disk(disk.path("filler"), 0);
    // The first segment is full; the roll finds no room and the records stay appended to it.
    for (int i = 0; i < 40; ++i) {
        (void)writer.append_accept(view(job_number(i)));
        (void)writer.commit();
    }
    CHECK(writer.active_segment() == 1);
    fs::remove(disk.path("filler"));
    REQUIRE(commit_until_written(writer));
    CHECK(read_journal(dir).jobs.size() == 40);
}

TEST_CASE("A journal restarted on a completely full disk starts and replays without writing") {
    ferry::test::TmpfsMount disk(512 * 1024);
    std::string dir;
    if (!journal_dir_on(disk, dir)) {
        return;
    }
    JournalConfig config{dir, FsyncPolicy::always, 10, 4096};
    {
        JournalWriter first(config, {});
        for (int i = 0; i < 60; ++i) { // spans several segments
            (void)first.append_accept(view(job_number(i)));
            (void)first.commit();
        }
    }
    fill_disk(disk.path("filler"), 0);
    JournalContents contents = read_journal(dir);
    REQUIRE(contents.jobs.size() == 60);
    std::uint64_t on_disk = 0;
    for (const auto& segment : contents.segments) {
        on_disk += fs::file_size(segment_path(dir, segment.number));
    }
    JournalWriter again(config, contents.segments);
    CHECK(again.total_bytes() == on_disk); // nothing was written to start
    for (int i = 60; i < 100; ++i) {       // more than the last page's slack
        (void)again.append_accept(view(job_number(i)));
    }
    (void)again.commit();
    CHECK(again.blocked());
    fs::remove(disk.path("filler"));
    REQUIRE(commit_until_written(again));
    CHECK(read_journal(dir).jobs.size() == 100);
}
