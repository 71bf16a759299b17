// Resume: ids of complete records, a torn final record cut off the file, exact answers with
// colliding hashes, and memory that holds no ids.
#include "ferry/producer/output_writer.hpp"
#include "ferry/producer/resume_scan.hpp"
#include "heap_usage.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace ferry::producer;

namespace {

// Every id gets the same hash: each lookup meets every stored record.
std::uint64_t colliding_hash(std::string_view /*id*/) {
    return 42;
}

JobOutcome outcome_for(std::string_view id) {
    JobOutcome outcome;
    outcome.id = id;
    outcome.ok = true;
    outcome.result = "\xc0"; // nil
    return outcome;
}

// An output file of `ids` as `ferry run` writes it.
std::string output_of(const std::vector<std::string>& ids, OutputFormat format) {
    std::string text;
    for (const auto& id : ids) {
        text += format == OutputFormat::jsonl ? render_json(outcome_for(id)) + "\n"
                                              : render_msgpack(outcome_for(id));
    }
    return text;
}

} // namespace

TEST_CASE("a torn last line is cut off and its job is not counted as done") {
    ferry::test::TempDir dir;
    std::string complete = "{\"id\":\"a\",\"status\":\"ok\"}\n{\"id\":\"b\",\"status\":\"ok\"}\n";
    dir.write("out.jsonl", complete + "{\"id\":\"c\",\"sta");
    auto ids = scan_finished_ids(dir.path("out.jsonl"), OutputFormat::jsonl);
    CHECK(ids.size() == 2);
    CHECK(ids.contains("a"));
    CHECK(ids.contains("b"));
    CHECK_FALSE(ids.contains("c"));
    CHECK(dir.read("out.jsonl") == complete);
}

TEST_CASE("a MessagePack output is scanned record by record") {
    ferry::test::TempDir dir;
    std::string one = render_msgpack(outcome_for("m1"));
    dir.write("out.mp", one + one.substr(0, one.size() / 2));
    auto ids = scan_finished_ids(dir.path("out.mp"), OutputFormat::msgpack);
    CHECK(ids.size() == 1);
    CHECK(ids.contains("m1"));
    CHECK(dir.read("out.mp") == one);
}

TEST_CASE("a missing output means nothing was done") {
    auto ids = scan_finished_ids("/nonexistent/out.jsonl", OutputFormat::jsonl);
    CHECK(ids.size() == 0);
    CHECK_FALSE(ids.contains("a"));
}

TEST_CASE("resume skips exactly the ids in the output, even when every hash collides") {
    const auto format = GENERATE(OutputFormat::jsonl, OutputFormat::msgpack);
    ferry::test::TempDir dir;
    std::vector<std::string> done;
    for (int i = 0; i < 300; i += 3)
        done.push_back("job-" + std::to_string(i));
    dir.write("out", output_of(done, format));
    auto ids = FinishedIds::scan(dir.path("out"), format, colliding_hash);
    CHECK(ids.size() == done.size());
    for (int i = 0; i < 300; ++i) {
        INFO("job-" << i);
        REQUIRE(ids.contains("job-" + std::to_string(i)) == (i % 3 == 0));
    }
    CHECK_FALSE(ids.contains("job-"));
    CHECK_FALSE(ids.contains("job-30 "));
}

TEST_CASE("a large output is scanned with a table of offsets, not the ids or the file") {
    ferry::test::TempDir dir;
    std::vector<std::string> done;
    for (int i = 0; i < 200'000; ++i)
        done.push_back("a-rather-long-job-id-" + std::to_string(i));
    dir.write("out.jsonl", output_of(done, OutputFormat::jsonl));
    const std::size_t before = ferry::test::heap_bytes_in_use();
    auto ids = scan_finished_ids(dir.path("out.jsonl"), OutputFormat::jsonl);
    // At most 8-byte entries at a load of 3/8, plus the parser and a read block.
    CHECK(ferry::test::heap_bytes_in_use() - before < 22 * done.size() + (4 << 20));
    CHECK(ids.size() == done.size());
    CHECK(ids.contains("a-rather-long-job-id-123456"));
    CHECK_FALSE(ids.contains("a-rather-long-job-id-200000"));
}
