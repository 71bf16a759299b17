// Run ids, the instant format and the JSON line of a run record.
#include "every_seconds.hpp"
#include "ferry/schedule/run_record.hpp"
#include "ferry/schedule/run_record_json.hpp"

#include <catch2/catch.hpp>

using namespace ferry::schedule;
using ferry::test::at;

TEST_CASE("a run id is the pipeline and the nominal time in compact UTC") {
    CHECK(make_run_id("nightly", at(2 * 3600)) == "nightly@20261203T020000Z");
    CHECK(make_run_id("a.b-c_d", at(59)) == "a.b-c_d@20261203T000059Z");
}

TEST_CASE("an instant survives formatting and parsing") {
    CHECK(format_instant(at(3661)) == "2026-12-03T01:01:01Z");
    CHECK(parse_instant(format_instant(at(3661))) == at(3661));
    CHECK_FALSE(parse_instant("2026-13-03T01:01:01Z"));
    CHECK_FALSE(parse_instant("2026-12-03 01:01:01"));
    CHECK_FALSE(parse_instant("2026-12-03T01:01:01+01"));
}

TEST_CASE("a run record survives its JSON line, escapes included") {
    RunRecord record;
    record.run_id = make_run_id("p", at(60));
    record.pipeline = "p";
    record.nominal = at(60);
    record.reason = RunReason::catchup;
    record.state = RunState::failed;
    record.fired = at(61);
    record.ended = at(90);
    record.counts = {7, 2, 9};
    record.output = "/out/p \"x\".jsonl";
    record.cause = "input missing:\n\tin.jsonl\\";
    const auto line = to_json_line(record);
    CHECK(line.find('\n') == std::string::npos);
    auto parsed = parse_json_line(line);
    REQUIRE(std::holds_alternative<RunRecord>(parsed));
    const auto& back = std::get<RunRecord>(parsed);
    CHECK(back.run_id == record.run_id);
    CHECK(back.nominal == record.nominal);
    CHECK(back.reason == RunReason::catchup);
    CHECK(back.state == RunState::failed);
    CHECK(back.fired == at(61));
    CHECK(back.ended == at(90));
    CHECK(back.counts.ok == 7);
    CHECK(back.counts.failed == 2);
    CHECK(back.counts.total == 9);
    CHECK(back.output == record.output);
    CHECK(back.cause == record.cause);
}

TEST_CASE("a line without a required field or with an unknown state is rejected with the reason") {
    auto missing = parse_json_line(R"({"pipeline":"p","nominal":"2026-12-03T00:00:00Z"})");
    REQUIRE(std::holds_alternative<LineError>(missing));
    CHECK(std::get<LineError>(missing).message.find("run_id") != std::string::npos);
    auto bad_state = parse_json_line(
        R"({"run_id":"p@x","pipeline":"p","nominal":"2026-12-03T00:00:00Z","reason":"scheduled","state":"asleep"})");
    CHECK(std::holds_alternative<LineError>(bad_state));
    CHECK(std::holds_alternative<LineError>(parse_json_line("{\"run_id\":")));
}
