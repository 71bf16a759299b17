// Aggregates: match rate, character accuracy, numeric reductions, counts by value.
#include "ferry/producer/aggregates.hpp"
#include "ferry/wire/edit_distance.hpp"

#include <catch2/catch.hpp>
#include <deque>
#include <msgpack.hpp>

using namespace ferry::producer;

namespace {

// The encoded results the outcomes borrow (an outcome holds a view), kept for the whole run.
std::deque<std::string>& kept_results() {
    static std::deque<std::string> kept;
    return kept;
}

JobOutcome result_with(const std::map<std::string, msgpack::type::variant>& fields) {
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, fields);
    JobOutcome outcome;
    outcome.ok = true;
    outcome.result = kept_results().emplace_back(buffer.data(), buffer.size());
    return outcome;
}

FieldValue number(double value) {
    return FieldValue{true, true, value, {}};
}
FieldValue text(std::string value) {
    return FieldValue{true, false, 0, std::move(value)};
}

} // namespace

TEST_CASE("edit distance counts insertions, deletions and substitutions") {
    CHECK(ferry::wire::edit_distance("kitten", "sitting") == 3);
    CHECK(ferry::wire::edit_distance("", "abc") == 3);
    CHECK(ferry::wire::edit_distance("same", "same") == 0);
}

TEST_CASE("match rate compares numbers by value and counts failures as misses") {
    Aggregates aggregates({{"acc", AggregateKind::match_rate, {"label"}, {"label"}, {}}});
    aggregates.record(result_with({{"label", int64_t(7)}}), {number(7)});
    aggregates.record(result_with({{"label", 7.0}}), {number(7)});
    aggregates.record(result_with({{"label", int64_t(1)}}), {number(7)});
    JobOutcome failed;
    aggregates.record(failed, {number(7)});
    CHECK_THAT(aggregates.to_json(), Catch::Contains("\"matched\":2"));
    CHECK_THAT(aggregates.to_json(), Catch::Contains("\"count\":4"));
    CHECK_THAT(aggregates.to_json(), Catch::Contains("\"value\":0.5"));
}

TEST_CASE("character accuracy weighs edits by the expected text's length") {
    Aggregates aggregates({{"ocr", AggregateKind::char_accuracy, {"text"}, {"text"}, {}}});
    aggregates.record(result_with({{"text", std::string("hello world")}}), {text("hello world")});
    aggregates.record(result_with({{"text", std::string("hellq")}}), {text("hello")});
    // 1 edit over 16 expected characters
    CHECK_THAT(aggregates.to_json(), Catch::Contains("\"value\":0.9375"));
}

TEST_CASE("mean, min and max use only numeric results") {
    Aggregates aggregates({{"mean", AggregateKind::mean, {"c"}, {}, {}},
                           {"low", AggregateKind::min, {"c"}, {}, {}},
                           {"high", AggregateKind::max, {"c"}, {}, {}}});
    aggregates.record(result_with({{"c", 0.5}}), {});
    aggregates.record(result_with({{"c", 1.5}}), {});
    aggregates.record(result_with({{"c", std::string("n/a")}}), {});
    std::string json = aggregates.to_json();
    CHECK_THAT(json, Catch::Contains("\"mean\":{\"kind\":\"mean\",\"count\":2,\"value\":1"));
    CHECK_THAT(json, Catch::Contains("\"low\":{\"kind\":\"min\",\"count\":2,\"value\":0.5"));
    CHECK_THAT(json, Catch::Contains("\"high\":{\"kind\":\"max\",\"count\":2,\"value\":1.5"));
}

TEST_CASE("count by tallies each distinct value") {
    Aggregates aggregates({{"by", AggregateKind::count_by, {"k"}, {}, {}}});
    aggregates.record(result_with({{"k", std::string("x")}}), {});
    aggregates.record(result_with({{"k", std::string("x")}}), {});
    aggregates.record(result_with({{"k", std::string("y")}}), {});
    CHECK_THAT(aggregates.to_json(), Catch::Contains("\"counts\":{\"x\":2,\"y\":1}"));
}
