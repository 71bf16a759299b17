// Resume: ids of complete records, and a torn final record cut off the file.
#include "ferry/producer/output_writer.hpp"
#include "ferry/producer/resume_scan.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace ferry::producer;

TEST_CASE("a torn last line is cut off and its job is not counted as done") {
    ferry::test::TempDir dir;
    std::string complete = "{\"id\":\"a\",\"status\":\"ok\"}\n{\"id\":\"b\",\"status\":\"ok\"}\n";
    dir.write("out.jsonl", complete + "{\"id\":\"c\",\"sta");
    auto ids = scan_finished_ids(dir.path("out.jsonl"), OutputFormat::jsonl);
    CHECK(ids == std::unordered_set<std::string>{"a", "b"});
    CHECK(dir.read("out.jsonl") == complete);
}

TEST_CASE("a MessagePack output is scanned record by record") {
    ferry::test::TempDir dir;
    JobOutcome outcome;
    outcome.id = "m1";
    outcome.ok = true;
    outcome.result = "\xc0";
    std::string one = render_msgpack(outcome);
    dir.write("out.mp", one + one.substr(0, one.size() / 2));
    auto ids = scan_finished_ids(dir.path("out.mp"), OutputFormat::msgpack);
    CHECK(ids == std::unordered_set<std::string>{"m1"});
    CHECK(dir.read("out.mp") == one);
}

TEST_CASE("a missing output means nothing was done") {
    CHECK(scan_finished_ids("/nonexistent/out.jsonl", OutputFormat::jsonl).empty());
}
