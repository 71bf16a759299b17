// The output writer: input order through the reorder buffer, completion order, resume skips.
#include "ferry/producer/output_writer.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace ferry::producer;

namespace {

JobOutcome ok_outcome(std::uint64_t index, std::string_view id) {
    JobOutcome outcome;
    outcome.index = index;
    outcome.id = id;
    outcome.ok = true;
    outcome.result = "\x01";
    outcome.attempts = 1;
    return outcome;
}

} // namespace

TEST_CASE("outcomes that arrive out of order are written in input order") {
    ferry::test::TempDir dir;
    {
        OutputWriter writer(dir.path("out.jsonl"), OutputOrder::input, OutputFormat::jsonl, false);
        writer.write(ok_outcome(2, "c"));
        writer.write(ok_outcome(0, "a"));
        CHECK(writer.buffered() == 1);
        writer.write(ok_outcome(1, "b"));
        CHECK(writer.buffered() == 0);
        writer.finish();
    }
    std::string text = dir.read("out.jsonl");
    CHECK(text.find("\"a\"") < text.find("\"b\""));
    CHECK(text.find("\"b\"") < text.find("\"c\""));
}

TEST_CASE("completion order writes each outcome as it comes") {
    ferry::test::TempDir dir;
    {
        OutputWriter writer(dir.path("out.jsonl"), OutputOrder::completion, OutputFormat::jsonl,
                            false);
        writer.write(ok_outcome(1, "b"));
        writer.write(ok_outcome(0, "a"));
        writer.finish();
    }
    std::string text = dir.read("out.jsonl");
    CHECK(text.find("\"b\"") < text.find("\"a\""));
}

TEST_CASE("indexes already in the output let the order move past them") {
    ferry::test::TempDir dir;
    OutputWriter writer(dir.path("out.jsonl"), OutputOrder::input, OutputFormat::jsonl, false);
    writer.write(ok_outcome(1, "b"));
    CHECK(writer.buffered() == 1);
    writer.skip(0);
    CHECK(writer.buffered() == 0);
    CHECK(writer.written() == 1);
}

TEST_CASE("a failed outcome carries its error and every cause") {
    JobOutcome outcome;
    outcome.id = "j";
    outcome.error = {"TIMEOUT", "ran past 100 ms", {}, {}, {}};
    outcome.causes = {{"WORKER_LOST", "killed by signal 9", {}, {}, {}},
                      {"TIMEOUT", "ran past 100 ms", {}, {}, {}}};
    outcome.attempts = 2;
    std::string json = render_json(outcome);
    CHECK_THAT(json, Catch::Contains("\"status\":\"failed\""));
    CHECK_THAT(json, Catch::Contains("\"causes\":[{\"code\":\"WORKER_LOST\""));
    CHECK_THAT(json, Catch::Contains("\"attempts\":2"));
}

TEST_CASE("MessagePack output embeds the result without re-encoding it") {
    std::string record = render_msgpack(ok_outcome(0, "a"));
    CHECK(record.find(std::string("\xa6result\x01", 8)) != std::string::npos);
}

TEST_CASE("resumed records waiting behind an unwritten one count against the window") {
    ferry::test::TempDir dir;
    OutputWriter writer(dir.path("out.jsonl"), OutputOrder::input, OutputFormat::jsonl, false);
    for (std::uint64_t index = 1; index <= 5; ++index)
        writer.skip(index);
    CHECK(writer.buffered() == 5); // the producer stops reading once the window is full
    writer.write(ok_outcome(0, "a"));
    CHECK(writer.buffered() == 0);
    writer.skip(6);
    CHECK(writer.buffered() == 0);
    writer.finish();
}

TEST_CASE("outcomes far ahead of the next index wait in the ring and come out in order") {
    ferry::test::TempDir dir;
    {
        OutputWriter writer(dir.path("out.jsonl"), OutputOrder::input, OutputFormat::jsonl, false);
        std::vector<std::string> ids;
        for (std::uint64_t i = 0; i < 1000; ++i)
            ids.push_back("j" + std::to_string(i));
        for (std::uint64_t i = 1; i < 1000; ++i)
            writer.write(ok_outcome(i, ids[i])); // grows the ring several times
        CHECK(writer.buffered() == 999);
        writer.write(ok_outcome(0, ids[0]));
        CHECK(writer.buffered() == 0);
        CHECK(writer.written() == 1000);
        writer.write(ok_outcome(5, "again")); // behind the order: written, not parked
        CHECK(writer.buffered() == 0);
        writer.finish();
    }
    const std::string text = dir.read("out.jsonl");
    std::size_t at = 0;
    for (int i = 0; i < 1000; ++i) {
        const std::size_t found = text.find("\"j" + std::to_string(i) + "\"", at);
        REQUIRE(found != std::string::npos);
        at = found;
    }
    CHECK(text.find("\"again\"") > at);
}
