// The run history file: fsynced appends, folding, torn and corrupt lines, compaction.
#include "every_seconds.hpp"
#include "ferry/schedule/run_record_json.hpp"
#include "ferry/schedule/run_store.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace ferry::schedule;
using ferry::test::at;
using ferry::test::TempDir;

namespace {

RunRecord run_at(long seconds, RunState state = RunState::succeeded) {
    RunRecord record;
    record.pipeline = "p";
    record.nominal = at(seconds);
    record.run_id = make_run_id("p", record.nominal);
    record.state = state;
    return record;
}

std::size_t line_count(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::size_t lines = 0;
    for (std::string line; std::getline(in, line);)
        ++lines;
    return lines;
}

} // namespace

TEST_CASE("each append is in the file and fsynced when the call returns") {
    TempDir dir;
    RunStore store(dir.root());
    REQUIRE(store.create(run_at(0, RunState::pending)));
    CHECK(store.syncs() == 1);
    CHECK(line_count(store.file_of("p")) == 1);
    store.update(run_at(0, RunState::running));
    CHECK(store.syncs() == 2);
    CHECK(line_count(store.file_of("p")) == 2);
    CHECK(store.file_of("p") == std::filesystem::path(dir.root()) / "runs" / "p.jsonl");
}

TEST_CASE("loading folds the lines to the latest state of each run") {
    TempDir dir;
    {
        RunStore store(dir.root());
        REQUIRE(store.create(run_at(0, RunState::pending)));
        store.update(run_at(0, RunState::running));
        REQUIRE(store.create(run_at(60, RunState::pending)));
        store.update(run_at(0, RunState::failed));
    }
    RunStore reread(dir.root());
    const auto runs = reread.runs("p");
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].nominal == at(0));
    CHECK(runs[0].state == RunState::failed);
    CHECK(runs[1].state == RunState::pending);
}

TEST_CASE("a second run for the same nominal time is refused") {
    TempDir dir;
    RunStore store(dir.root());
    REQUIRE(store.create(run_at(0)));
    CHECK_FALSE(store.create(run_at(0, RunState::running)));
    CHECK(line_count(store.file_of("p")) == 1);
    RunStore reread(dir.root());
    CHECK_FALSE(reread.create(run_at(0)));
}

TEST_CASE("a torn last line is ignored and removed before the next append") {
    TempDir dir;
    {
        RunStore store(dir.root());
        REQUIRE(store.create(run_at(0)));
    }
    const auto file = std::filesystem::path(dir.root()) / "runs" / "p.jsonl";
    std::ofstream(file, std::ios::app) << R"({"run_id":"p@2026120)";
    RunStore store(dir.root());
    REQUIRE(store.runs("p").size() == 1);
    REQUIRE(store.create(run_at(60)));
    RunStore reread(dir.root());
    CHECK(reread.runs("p").size() == 2);
    CHECK(line_count(file) == 2);
}

TEST_CASE("a corrupt line before the last is an error naming file and line") {
    TempDir dir;
    {
        RunStore store(dir.root());
        REQUIRE(store.create(run_at(0)));
    }
    const auto file = std::filesystem::path(dir.root()) / "runs" / "p.jsonl";
    std::ofstream(file, std::ios::app) << "{not json}\n" << to_json_line(run_at(60)) << "\n";
    RunStore store(dir.root());
    try {
        (void)store.runs("p");
        FAIL("a corrupt middle line must not load");
    } catch (const std::runtime_error& error) {
        CHECK_THAT(error.what(), Catch::Contains(file.string() + ":2: corrupt run record"));
    }
}

TEST_CASE("compaction keeps the last N finished runs and every running one") {
    TempDir dir;
    RunStore store(dir.root(), 5);
    REQUIRE(store.create(run_at(0, RunState::running)));
    for (long i = 1; i <= 10; ++i)
        REQUIRE(store.create(run_at(i * 60)));
    CHECK(store.rewrites() == 1);
    const auto file = store.file_of("p");
    CHECK(line_count(file) == 6);
    CHECK_FALSE(std::filesystem::exists(file.string() + ".tmp"));
    RunStore reread(dir.root(), 5);
    const auto runs = reread.runs("p");
    REQUIRE(runs.size() == 6);
    CHECK(runs[0].state == RunState::running);
    CHECK(runs[1].nominal == at(6 * 60));
    CHECK(runs[5].nominal == at(10 * 60));
}

TEST_CASE("compaction never drops the newest scheduled run behind newer manual ones") {
    TempDir dir;
    RunStore store(dir.root(), 2);
    REQUIRE(store.create(run_at(0)));
    for (long i = 1; i <= 4; ++i) {
        RunRecord manual = run_at(i * 60);
        manual.reason = RunReason::trigger;
        REQUIRE(store.create(manual));
    }
    CHECK(store.rewrites() == 1);
    const auto runs = store.runs("p");
    REQUIRE(runs.size() == 3);
    CHECK(runs[0].nominal == at(0));
}

TEST_CASE("a batch of new runs is one write and one fsync, skipping existing ids") {
    TempDir dir;
    RunStore store(dir.root());
    REQUIRE(store.create(run_at(0)));
    store.create_all({run_at(0), run_at(60), run_at(120)});
    CHECK(store.syncs() == 2);
    CHECK(line_count(store.file_of("p")) == 3);
}

TEST_CASE("a temp file left by a crash during a rewrite changes nothing and is replaced") {
    TempDir dir;
    {
        RunStore store(dir.root(), 2);
        REQUIRE(store.create(run_at(0)));
    }
    const auto file = std::filesystem::path(dir.root()) / "runs" / "p.jsonl";
    std::ofstream(file.string() + ".tmp") << "half a rewrite";
    RunStore store(dir.root(), 2);
    REQUIRE(store.runs("p").size() == 1);
    for (long i = 1; i <= 4; ++i)
        REQUIRE(store.create(run_at(i * 60)));
    CHECK(store.rewrites() == 1);
    CHECK_FALSE(std::filesystem::exists(file.string() + ".tmp"));
    RunStore reread(dir.root(), 2);
    const auto runs = reread.runs("p");
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].nominal == at(180));
    CHECK(runs[1].nominal == at(240));
}
