// The checked input's spool: items come back exactly as kept, in order; it gives up (and gives
// its space back) past its limit or on a full disk, and the run then reads the input again.
#include "ferry/producer/input_check.hpp"
#include "ferry/producer/record_spool.hpp"
#include "temp_dir.hpp"
#include "tmpfs_mount.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <vector>

using namespace ferry::producer;

namespace {

InputRecord record_with(std::uint64_t n, std::string payload) {
    InputRecord record{"id-" + std::to_string(n), std::move(payload), n + 1, n, {}};
    FieldValue number{true, true, 0.5 * static_cast<double>(n), ""};
    FieldValue text{true, false, 0, "label " + std::to_string(n)};
    record.captured = {number, text, FieldValue{}};
    return record;
}

// Bytes of the file behind a spool's scratch file, seen through /proc (it has no name).
std::uint64_t scratch_bytes(std::FILE* file) {
    struct stat info {};
    REQUIRE(::fstat(::fileno(file), &info) == 0);
    return static_cast<std::uint64_t>(info.st_size);
}

// Sets TMPDIR for one scope.
class TmpdirSet {
  public:
    explicit TmpdirSet(const std::string& dir) {
        const char* saved = std::getenv("TMPDIR");
        had_ = saved != nullptr;
        previous_ = had_ ? saved : "";
        ::setenv("TMPDIR", dir.c_str(), 1);
    }
    ~TmpdirSet() {
        if (had_) {
            ::setenv("TMPDIR", previous_.c_str(), 1);
        } else {
            ::unsetenv("TMPDIR");
        }
    }
    TmpdirSet(const TmpdirSet&) = delete;
    TmpdirSet& operator=(const TmpdirSet&) = delete;

  private:
    bool had_ = false;     // TMPDIR was set before
    std::string previous_; // its value
};

} // namespace

TEST_CASE("a spool gives back every item as kept, in order, across block boundaries") {
    // A 64-byte block: most items straddle two blocks, and the long payload spans many.
    RecordSpool spool(open_scratch_file("a test"), "in.jsonl", 1 << 30, 64);
    std::vector<InputRecord> records;
    for (std::uint64_t n = 0; n < 500; ++n) {
        records.push_back(
            record_with(n, std::string(n == 250 ? 10'000 : n % 7, char('a' + n % 26))));
        REQUIRE(spool.append(records.back()));
        if (n % 100 == 50)
            REQUIRE(
                spool.append(InputProblem{"ignored", n + 1, "p" + std::to_string(n), "bad", n}));
    }
    REQUIRE(spool.finish_writing());
    std::size_t next_record = 0;
    std::size_t problems = 0;
    while (auto item = spool.next()) {
        if (const auto* problem = std::get_if<InputProblem>(&*item)) {
            CHECK(problem->file == "in.jsonl"); // the spool's input, not what was appended
            CHECK(problem->id == "p" + std::to_string(problem->index));
            CHECK(problem->message == "bad");
            CHECK(next_record == problem->index + 1); // right after its record
            ++problems;
            continue;
        }
        const auto& got = std::get<InputRecord>(*item);
        const InputRecord& kept = records.at(next_record++);
        CHECK(got.id == kept.id);
        CHECK(got.payload == kept.payload);
        CHECK(got.line == kept.line);
        CHECK(got.index == kept.index);
        REQUIRE(got.captured.size() == 3);
        CHECK(got.captured[0].same_as(kept.captured[0]));
        CHECK(got.captured[0].number == kept.captured[0].number);
        CHECK(got.captured[1].text == kept.captured[1].text);
        CHECK_FALSE(got.captured[2].present);
    }
    CHECK(next_record == records.size());
    CHECK(problems == 5);
}

TEST_CASE("a spool past its limit gives up, keeps nothing and gives its space back") {
    ScratchFile file = open_scratch_file("a test");
    std::FILE* raw = file.get();
    RecordSpool spool(std::move(file), "in.jsonl", 100'000, 4096);
    std::uint64_t appended = 0;
    while (spool.append(record_with(appended, std::string(100, 'x'))))
        ++appended;
    CHECK(appended > 400); // about 100,000 / 206 bytes
    CHECK(appended < 600);
    CHECK_FALSE(spool.kept());
    CHECK_THAT(spool.why_not_kept(), Catch::Contains("free space"));
    CHECK(scratch_bytes(raw) == 0);
    CHECK_FALSE(spool.append(record_with(0, "")));
    CHECK_FALSE(spool.finish_writing());
    CHECK_FALSE(spool.next().has_value());
}

TEST_CASE("a spool whose disk is full gives up saying so") {
    std::FILE* full = std::fopen("/dev/full", "w+b");
    REQUIRE(full != nullptr);
    RecordSpool spool(ScratchFile(full, &std::fclose), "in.jsonl", 1 << 30, 4096);
    bool kept = true;
    for (std::uint64_t n = 0; n < 1000 && kept; ++n)
        kept = spool.append(record_with(n, std::string(100, 'x')));
    CHECK_FALSE(kept);
    CHECK_FALSE(spool.kept());
    CHECK_THAT(spool.why_not_kept(),
               Catch::Contains("could not be written") && Catch::Contains("No space left"));
}

TEST_CASE("a checked input too large for the temporary directory is read again, item for item") {
    const ferry::test::TmpfsMount tmp(2 << 20);
    if (!tmp.mounted()) {
        WARN("not run: " << tmp.why());
        return;
    }
    ferry::test::TempDir dir;
    std::string text;
    for (int n = 1; n <= 20'000; ++n) {
        text += "{\"id\": \"r" + std::to_string(n) + "\", \"payload\": {\"s\": \"" +
                std::string(100, static_cast<char>('a' + n % 26)) + "\"}}\n";
        if (n == 15'000)
            text += "{\"id\": \"r7\", \"payload\": 1}\n"; // a duplicate after the spool gave up
    }
    const std::string path = dir.write("in.jsonl", text);
    const TmpdirSet tmpdir(tmp.root());
    CheckOptions options;
    options.skip_invalid = true;
    InputCheck check = check_input(path, options);
    CHECK(check.spool == nullptr); // 2.8 MB of items cannot fit in half of 2 MiB
    CHECK(check.records == 20'000);
    REQUIRE(check.problems.size() == 1);
    CHECK(check.problems[0].line == 15'001);
    CheckedInput input(path, std::move(check), options);
    CHECK_FALSE(input.replayed());
    std::uint64_t index = 0;
    while (auto item = input.next()) {
        if (const auto* problem = std::get_if<InputProblem>(&*item)) {
            CHECK(problem->line == 15'001);
            CHECK_THAT(problem->message, Catch::Contains("already used on line 7"));
            CHECK(problem->index == index++);
            continue;
        }
        const auto& record = std::get<InputRecord>(*item);
        CHECK(record.index == index++);
        CHECK(record.payload.size() == 105); // fixmap, "s", str8 of 100 bytes
    }
    CHECK(index == 20'001);
}

TEST_CASE("a checked input replays its invalid records as problems in their places") {
    ferry::test::TempDir dir;
    const std::string path = dir.write("in.jsonl", "{\"id\": \"a\", \"payload\": 1}\n"
                                                   "not json\n"
                                                   "{\"id\": \"b\", \"payload\": 2}\n"
                                                   "{\"id\": \"a\", \"payload\": 3}\n");
    CheckOptions options;
    options.skip_invalid = true;
    InputCheck check = check_input(path, options);
    REQUIRE(check.spool != nullptr);
    CHECK(check.problems.size() == 2);
    CheckedInput input(path, std::move(check), options);
    CHECK(input.replayed());
    std::vector<std::string> seen;
    while (auto item = input.next()) {
        if (const auto* problem = std::get_if<InputProblem>(&*item)) {
            CHECK(problem->file == path);
            seen.push_back("problem " + std::to_string(problem->line) + " " +
                           std::to_string(problem->index));
        } else {
            const auto& record = std::get<InputRecord>(*item);
            seen.push_back(record.id + " " + std::to_string(record.index));
        }
    }
    CHECK(seen == std::vector<std::string>{"a 0", "problem 2 1", "b 2", "problem 4 3"});
}

TEST_CASE("a check that finds a problem keeps nothing when nothing may run") {
    ferry::test::TempDir dir;
    const std::string path =
        dir.write("in.jsonl", "{\"payload\": 1}\nnot json\n{\"payload\": 2}\n");
    InputCheck check = check_input(path, CheckOptions{});
    CHECK(check.spool == nullptr);
    CHECK(check.records == 2);
    CHECK(check.problems.size() == 1);
}
