// Contract tests: the borrowed forms (decode_view, encode_into of views, incremental OUTCOMES)
// against the owned codec on every golden vector of the hot commands.
#include "ferry/wire/codec.hpp"
#include "ferry/wire/views.hpp"
#include "vector_loader.hpp"

#include <catch2/catch.hpp>
#include <string_view>
#include <variant>
#include <vector>

namespace wire = ferry::wire;
using contract::Vector;
using contract::vectors;

namespace {

// The command of a vector whose frames are two and whose header is sound.
std::optional<wire::Command> command_of(const Vector& v) {
    if (v.frames.size() != 2) {
        return std::nullopt;
    }
    const auto command = wire::decode_header(v.frames[0]);
    if (const auto* c = std::get_if<wire::Command>(&command)) {
        return *c;
    }
    return std::nullopt;
}

// Decodes a vector's body into `view` (reused across calls) and checks it against decode():
// the same error kind and detail, or a view that encodes to the owned message's bytes.
template <class View> void check_against_owned(const Vector& v, View& view) {
    INFO(v.file << ": " << v.name);
    const auto owned = wire::decode(v.frames[0], v.frames[1]);
    const auto problem = wire::decode_view(v.frames[1], view);
    if (const auto* error = std::get_if<wire::DecodeError>(&owned)) {
        REQUIRE(problem.has_value());
        CHECK(problem->kind == error->kind);
        CHECK(problem->detail == error->detail);
        return;
    }
    INFO((problem ? problem->detail : std::string()));
    REQUIRE_FALSE(problem.has_value());
    wire::Frames from_view;
    wire::encode_into(view, from_view);
    const auto expected = wire::encode(std::get<wire::Message>(owned));
    CHECK(contract::to_hex(from_view.header) == contract::to_hex(expected.header));
    CHECK(contract::to_hex(from_view.body) == contract::to_hex(expected.body));
}

} // namespace

// One view object per command serves every vector in file order, so a field left over from the
// previous message (an optional that the next one lacks) would show as a byte difference.
TEST_CASE(
    "decode_view agrees with decode on every vector of SUBMIT, RESULTS, JOBS, OUTCOMES, ACK") {
    wire::SubmitView submit;
    wire::AckView ack;
    wire::ResultsView results;
    wire::JobsView jobs;
    wire::OutcomesView outcomes;
    int checked = 0;
    for (int pass = 0; pass < 2; ++pass) {
        for (const auto& v : vectors()) {
            const auto command = command_of(v);
            if (command == wire::Command::submit) {
                check_against_owned(v, submit);
            } else if (command == wire::Command::results) {
                check_against_owned(v, results);
            } else if (command == wire::Command::jobs) {
                check_against_owned(v, jobs);
            } else if (command == wire::Command::outcomes) {
                check_against_owned(v, outcomes);
            } else if (command == wire::Command::ack) {
                check_against_owned(v, ack);
            } else {
                continue;
            }
            ++checked;
        }
    }
    CHECK(checked >= 20); // each command has valid and invalid cases
}

TEST_CASE("decode_view strings point into the body, not into copies") {
    const wire::Message message =
        wire::Results{{wire::Result{"job-1", true, "\xa2ok", std::nullopt, 1.5}}, 3};
    const auto frames = wire::encode(message);
    wire::ResultsView view;
    REQUIRE_FALSE(wire::decode_view(frames.body, view).has_value());
    REQUIRE(view.results.size() == 1);
    const char* begin = frames.body.data();
    const char* end = begin + frames.body.size();
    CHECK(view.results[0].id.data() >= begin);
    CHECK(view.results[0].id.data() < end);
    CHECK(view.results[0].result->data() >= begin);
    CHECK(*view.results[0].result == "\xa2ok");
    CHECK(view.credit == 3u);
}

TEST_CASE("Outcomes appended one by one frame the same bytes as an OUTCOMES message") {
    wire::Outcomes owned;
    owned.outcomes.push_back(
        wire::Outcome{"a", true, "\xc0", std::nullopt, 1, {}, 0.25, "w1", 0.125, 0.0625});
    owned.outcomes.push_back(wire::Outcome{
        "b",
        false,
        std::nullopt,
        wire::Error{"TIMEOUT", "late", std::nullopt, std::nullopt, "w2"},
        2,
        {wire::Error{"WORKER_LOST", "gone", std::nullopt, std::nullopt, std::nullopt}},
        std::nullopt,
        std::nullopt,
        std::nullopt,
        std::nullopt});
    std::string records;
    for (const auto& outcome : owned.outcomes) {
        wire::OutcomeView view{outcome.id,       outcome.ok,        std::nullopt, outcome.error,
                               outcome.attempts, outcome.causes,    outcome.ms,   std::nullopt,
                               outcome.queue_ms, outcome.handler_ms};
        if (outcome.result) {
            view.result = std::string_view(*outcome.result);
        }
        if (outcome.worker) {
            view.worker = std::string_view(*outcome.worker);
        }
        wire::append_outcome(view, records);
    }
    wire::Frames frames;
    wire::encode_outcomes(records, owned.outcomes.size(), frames);
    const auto expected = wire::encode(owned);
    CHECK(contract::to_hex(frames.header) == contract::to_hex(expected.header));
    CHECK(contract::to_hex(frames.body) == contract::to_hex(expected.body));
}

namespace {

std::string str_bytes(std::string_view text) {
    return std::string(1, static_cast<char>(0xa0 | text.size())) + std::string(text);
}

// `levels` one-element arrays nested around a nil.
std::string nested(std::size_t levels) {
    return std::string(levels, static_cast<char>(0x91)) + std::string(1, static_cast<char>(0xc0));
}

// A RESULTS body with one result; `extra` is appended to the result's map as one more pair
// (`extra_pairs` 1) or to the body's map (`in_result` false).
std::string results_body(const std::string& extra, bool in_result) {
    std::string result = std::string(1, static_cast<char>(in_result ? 0x83 : 0x82)) +
                         str_bytes("id") + str_bytes("a") + str_bytes("ok") +
                         std::string(1, static_cast<char>(0xc3)) + (in_result ? extra : "");
    return std::string(1, static_cast<char>(in_result ? 0x81 : 0x82)) + str_bytes("results") +
           std::string(1, static_cast<char>(0x91)) + result + (in_result ? "" : extra);
}

} // namespace

// decode_view reads a body in one pass, checking the limits itself; the pre-scan of decode()
// must agree on every body, so values the typed reader only steps over (unknown fields, odd
// keys) are where the two could part.
TEST_CASE("decode_view refuses exactly what decode refuses in values it skips") {
    const std::string big_str = std::string("\xdb\x00\x10\x00\x01", 5) + std::string(1048577, 'x');
    const std::string lying_array = std::string("\xdd\x00\x01\x00\x00", 5);
    const std::vector<std::pair<std::string, std::string>> bodies = {
        {"deepest allowed unknown field", results_body(str_bytes("x") + nested(31), false)},
        {"unknown field one level too deep", results_body(str_bytes("x") + nested(32), false)},
        {"deepest allowed field in a result", results_body(str_bytes("x") + nested(29), true)},
        {"field in a result one level too deep", results_body(str_bytes("x") + nested(30), true)},
        {"unknown field with a str above the limit", results_body(str_bytes("x") + big_str, false)},
        {"unknown field holding 0xc1", results_body(str_bytes("x") + "\xc1", false)},
        {"unknown field with a lying array count",
         results_body(str_bytes("x") + lying_array, false)},
        {"a key that is a deep array", results_body(nested(32) + "\xc0", false)},
        {"a key that is a shallow array", results_body(nested(2) + "\xc0", false)},
        {"a trailing byte", results_body("", false).substr(0) + "\xc0"},
    };
    for (const auto& [name, raw] : bodies) {
        INFO(name);
        std::string body = raw;
        if (name == "a trailing byte") {
            body = std::string(1, static_cast<char>(0x81)) + raw.substr(1);
        }
        const auto owned = wire::decode(wire::encode_header(wire::Command::results), body);
        wire::ResultsView view;
        const auto problem = wire::decode_view(body, view);
        if (const auto* error = std::get_if<wire::DecodeError>(&owned)) {
            INFO(error->detail);
            REQUIRE(problem.has_value());
            CHECK(problem->kind == error->kind);
            CHECK(problem->detail == error->detail);
        } else {
            INFO((problem ? problem->detail : std::string()));
            CHECK_FALSE(problem.has_value());
            REQUIRE(view.results.size() == 1);
            CHECK(view.results[0].id == "a");
        }
    }
}

// The owned <-> borrowed conversions walk the generated bindings: every field, nested records
// and lists included, survives a trip to views and back.
TEST_CASE("Converting an outcome and a results message to views and back keeps every field") {
    const wire::Error cause{"TIMEOUT", "too slow", "tb", 25, "w1"};
    const wire::Outcome outcome{
        "id-1", false, std::string("\x90", 1), cause, 3, {cause, cause}, 12.5, "w1", 4.0, 7.5};
    const auto view = wire::convert<wire::OutcomeView>(outcome);
    CHECK(view.id.data() == outcome.id.data());
    CHECK(wire::convert<wire::Outcome>(view) == outcome);

    const wire::Results results{{{"a", true, std::string("\x01", 1), std::nullopt, 1.5},
                                 {"b", false, std::nullopt, cause, std::nullopt}},
                                9};
    const auto results_view = wire::view_of(results);
    REQUIRE(results_view.results.size() == 2);
    CHECK(results_view.results[1].error == cause);
    CHECK(wire::convert<wire::Results>(results_view) == results);
}
