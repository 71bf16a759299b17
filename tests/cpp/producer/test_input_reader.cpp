// The input reader: records, ids, malformed lines with file and line, duplicates, directories.
#include "ferry/producer/input_check.hpp"
#include "ferry/producer/input_reader.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

using namespace ferry::producer;

namespace {

std::vector<InputItem> read_all(const std::string& path) {
    InputReader reader(path);
    std::vector<InputItem> items;
    while (auto item = reader.next())
        items.push_back(std::move(*item));
    return items;
}

} // namespace

TEST_CASE("a record without an id takes its line number as id") {
    ferry::test::TempDir dir;
    auto path = dir.write("in.jsonl", "{\"payload\": 1}\n\n{\"id\": 7, \"payload\": [1]}\n");
    auto items = read_all(path);
    REQUIRE(items.size() == 2);
    CHECK(std::get<InputRecord>(items[0]).id == "1");
    CHECK(std::get<InputRecord>(items[1]).id == "7");
    CHECK(std::get<InputRecord>(items[1]).line == 3);
    CHECK(std::get<InputRecord>(items[1]).index == 1);
}

TEST_CASE("a malformed line is reported with file, line and what is wrong") {
    ferry::test::TempDir dir;
    auto path =
        dir.write("in.jsonl", "{\"id\": \"a\", \"payload\": 1}\n{\"id\": \"b\", \"payload\": \n");
    auto items = read_all(path);
    REQUIRE(items.size() == 2);
    const auto& problem = std::get<InputProblem>(items[1]);
    CHECK(problem.line == 2);
    CHECK_THAT(problem.describe(), Catch::StartsWith(path + ":2: not valid JSON"));
}

TEST_CASE("a record without a payload or with a bad id is refused") {
    ferry::test::TempDir dir;
    auto path = dir.write("in.jsonl", "{\"id\": \"a\"}\n{\"id\": [1], \"payload\": 1}\n[1, 2]\n");
    auto items = read_all(path);
    REQUIRE(items.size() == 3);
    CHECK_THAT(std::get<InputProblem>(items[0]).message, Catch::Contains("missing \"payload\""));
    CHECK_THAT(std::get<InputProblem>(items[1]).message, Catch::Contains("\"id\" must be"));
    CHECK_THAT(std::get<InputProblem>(items[2]).message, Catch::Contains("JSON object"));
}

TEST_CASE("a duplicate id names both lines") {
    ferry::test::TempDir dir;
    auto path =
        dir.write("in.jsonl", "{\"id\": \"x\", \"payload\": 1}\n{\"id\": \"x\", \"payload\": 2}\n");
    auto check = check_input(path, {});
    CHECK(check.records == 1);
    REQUIRE(check.problems.size() == 1);
    CHECK(check.problems[0].line == 2);
    CHECK_THAT(check.problems[0].message, Catch::Contains("line 1"));
}

TEST_CASE("the payload is carried as MessagePack") {
    ferry::test::TempDir dir;
    auto path = dir.write("in.jsonl", "{\"payload\": {\"a\": 1}}\n");
    auto items = read_all(path);
    // fixmap(1) "a" 1
    CHECK(std::get<InputRecord>(items.at(0)).payload == std::string("\x81\xa1"
                                                                    "a\x01",
                                                                    4));
}

TEST_CASE("a directory gives one job per file, named by the file") {
    ferry::test::TempDir dir;
    std::filesystem::create_directory(dir.path("scans"));
    dir.write("scans/b.png", "B");
    dir.write("scans/a.png", "A");
    auto items = read_all(dir.path("scans"));
    REQUIRE(items.size() == 2);
    CHECK(std::get<InputRecord>(items[0]).id == "a.png");
    CHECK(std::get<InputRecord>(items[1]).id == "b.png");
}

TEST_CASE("an unreadable input is an input error naming the path") {
    CHECK_THROWS_AS(InputReader("/nonexistent/input.jsonl"), InputError);
}

TEST_CASE("captured input fields travel with their record") {
    ferry::test::TempDir dir;
    auto path = dir.write("in.jsonl", "{\"payload\": {\"x\": 1}, \"label\": 3}\n");
    InputReader reader(path, {{"label"}, {"payload", "x"}, {"missing"}});
    auto record = std::get<InputRecord>(*reader.next());
    REQUIRE(record.captured.size() == 3);
    CHECK(record.captured[0].numeric);
    CHECK(record.captured[0].number == 3);
    CHECK(record.captured[1].number == 1);
    CHECK_FALSE(record.captured[2].present);
}
