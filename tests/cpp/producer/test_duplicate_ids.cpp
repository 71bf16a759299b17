// Duplicate ids: caught in large files and on stdin with both lines named, never invented by a
// hash collision, and found without keeping every id in memory.
#include "ferry/producer/duplicate_ids.hpp"
#include "ferry/producer/input_check.hpp"
#include "ferry/producer/input_reader.hpp"
#include "heap_usage.hpp"
#include "stdin_from.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>
#include <vector>

using namespace ferry::producer;

namespace {

// Every id gets the same hash: each record collides with every other.
std::uint64_t colliding_hash(std::string_view /*id*/) {
    return 0x5EED'0000'0000'0001ULL;
}

CheckOptions hashed_by(IdHash hash) {
    CheckOptions options;
    options.hash = hash;
    return options;
}

std::string record(const std::string& id) {
    return "{\"id\": \"" + id + "\", \"payload\": 1}\n";
}

// `count` records with ids r1, r2, ...; `repeats` maps a line to the earlier line whose id it
// reuses.
std::string records(std::size_t count,
                    const std::vector<std::pair<std::size_t, std::size_t>>& repeats) {
    std::vector<std::string> ids(count + 1);
    for (std::size_t line = 1; line <= count; ++line)
        ids[line] = "r" + std::to_string(line);
    for (const auto& [line, earlier] : repeats)
        ids[line] = ids[earlier];
    std::string text;
    for (std::size_t line = 1; line <= count; ++line)
        text += record(ids[line]);
    return text;
}

// Reads stdin replaced by `text`.
// The items of `text` read from the real standard input (a file put on descriptor 0).
std::vector<InputItem> read_stdin(const std::string& text, IdHash hash = hash_id) {
    ferry::test::TempDir dir;
    const ferry::test::StdinFrom stdin_from(dir.write("stdin.jsonl", text));
    std::vector<InputItem> items;
    InputReader reader("-", {}, hash);
    while (auto item = reader.next())
        items.push_back(std::move(*item));
    return items;
}

std::vector<std::uint64_t> problem_lines(const std::vector<InputItem>& items) {
    std::vector<std::uint64_t> lines;
    for (const auto& item : items) {
        if (const auto* problem = std::get_if<InputProblem>(&item))
            lines.push_back(problem->line);
    }
    return lines;
}

} // namespace

TEST_CASE("duplicate ids in a large input are caught with the file and both lines") {
    ferry::test::TempDir dir;
    const auto text = records(200'000, {{150'000, 7}, {199'999, 7}, {8, 2}});
    const auto path = dir.write("big.jsonl", text);
    InputCheck check = check_input(path, {});
    CHECK(check.records == 199'997);
    REQUIRE(check.problems.size() == 3);
    CHECK(check.problems[0].describe() ==
          path + ":8: duplicate id \"r2\": already used on line 2; ids must be unique within an "
                 "input");
    CHECK(check.problems[1].line == 150'000);
    CHECK_THAT(check.problems[1].message, Catch::Contains("\"r7\": already used on line 7"));
    CHECK(check.problems[2].line == 199'999);
    CHECK_THAT(check.problems[2].message, Catch::Contains("\"r7\": already used on line 7"));
    REQUIRE(check.duplicates.has_value());
    CHECK(check.duplicates->size() == 3);
}

TEST_CASE("the run over a checked file reports its duplicates and keeps no ids") {
    ferry::test::TempDir dir;
    const auto path = dir.write("big.jsonl", records(200'000, {{123'456, 99}}));
    // Replayed from the check's spool, and read a second time when the check kept nothing.
    for (const bool keep : {true, false}) {
        CAPTURE(keep);
        CheckOptions options;
        options.keep = keep;
        CheckedInput input(path, check_input(path, options), options);
        CHECK(input.replayed() == keep);
        const std::size_t before = ferry::test::heap_bytes_in_use();
        std::vector<std::uint64_t> lines;
        std::uint64_t items = 0;
        while (auto item = input.next()) {
            ++items;
            if (auto* problem = std::get_if<InputProblem>(&*item)) {
                lines.push_back(problem->line);
                CHECK(problem->index == 123'455);
                CHECK_THAT(problem->message, Catch::Contains("\"r99\": already used on line 99"));
            }
        }
        CHECK(items == 200'000);
        CHECK(lines == std::vector<std::uint64_t>{123'456});
        CHECK(ferry::test::heap_bytes_in_use() - before < 64 * 1024);
    }
}

TEST_CASE("finding duplicates keeps under 2 bytes of memory per record") {
    constexpr std::uint64_t count = 200'000;
    const std::size_t before = ferry::test::heap_bytes_in_use();
    DuplicateFinder finder;
    for (std::uint64_t line = 1; line <= count; ++line) {
        finder.add("id-" + std::to_string(line), line, line * 40);
    }
    CHECK((ferry::test::heap_bytes_in_use() - before) < 64 * 1024); // records go to disk
    CHECK(BloomFilter(count).memory_bytes() < 2 * count);           // what finish() sizes
    auto found = finder.finish([](std::uint64_t, std::uint64_t) -> std::string {
        FAIL("no record needs re-reading when no two hashes are equal");
        return {};
    });
    CHECK(found.size() == 0);
}

TEST_CASE("colliding hashes in a file are not reported as duplicates, real duplicates are") {
    ferry::test::TempDir dir;
    // Every hash equal: lines 3 and 5 repeat line 2's and line 4's ids; the rest are unique.
    const auto path = dir.write("in.jsonl", record("a") + record("b") + record("b") + record("c") +
                                                record("c") + record("d"));
    InputCheck check = check_input(path, hashed_by(colliding_hash));
    CHECK(check.records == 4);
    REQUIRE(check.problems.size() == 2);
    CHECK(check.problems[0].line == 3);
    CHECK_THAT(check.problems[0].message, Catch::Contains("\"b\": already used on line 2"));
    CHECK(check.problems[1].line == 5);
    CHECK_THAT(check.problems[1].message, Catch::Contains("\"c\": already used on line 4"));
}

TEST_CASE("duplicate ids on stdin are caught with both lines") {
    auto items = read_stdin(record("x") + "\n" + record("y") + record("x") + record("y"));
    CHECK(problem_lines(items) == std::vector<std::uint64_t>{4, 5});
    CHECK_THAT(std::get<InputProblem>(items[2]).message,
               Catch::Contains("duplicate id \"x\": already used on line 1"));
    CHECK_THAT(std::get<InputProblem>(items[3]).message, Catch::Contains("already used on line 3"));
}

TEST_CASE("colliding hashes on stdin are not reported as duplicates") {
    std::string text;
    for (int i = 0; i < 300; ++i)
        text += record("s" + std::to_string(i));
    text += record("s17");
    auto items = read_stdin(text, colliding_hash);
    REQUIRE(items.size() == 301);
    CHECK(problem_lines(items) == std::vector<std::uint64_t>{301});
    CHECK_THAT(std::get<InputProblem>(items[300]).message,
               Catch::Contains("already used on line 18"));
}

TEST_CASE("the id set of stdin finds every id again after growing") {
    SeenIds seen;
    for (std::uint64_t line = 1; line <= 100'000; ++line) {
        REQUIRE_FALSE(seen.first_use("k" + std::to_string(line), line).has_value());
    }
    for (std::uint64_t line = 1; line <= 100'000; line += 997) {
        REQUIRE(seen.first_use("k" + std::to_string(line), 200'000 + line) == line);
    }
    CHECK_FALSE(seen.first_use("k0", 1).has_value());
}

TEST_CASE("a duplicate check with no writable scratch directory is an input error saying what "
          "to set") {
    ferry::test::TempDir dir;
    const auto path = dir.write("in.jsonl", record("a"));
    const char* saved = std::getenv("TMPDIR");
    const std::string previous = saved != nullptr ? saved : "";
    ::setenv("TMPDIR", "/proc", 1); // a directory where nobody, root included, can create files
    CHECK_THROWS_WITH(check_input(path, {}),
                      Catch::Contains("scratch file") && Catch::Contains("set TMPDIR"));
    CHECK_THROWS_AS(check_input(path, {}), InputError);
    if (saved != nullptr) {
        ::setenv("TMPDIR", previous.c_str(), 1);
    } else {
        ::unsetenv("TMPDIR");
    }
}
