// Run records to and from JSON lines: written with the producer's string escape, read with
// simdjson.
#include "ferry/schedule/run_record_json.hpp"

#include "ferry/producer/msgpack_json.hpp"

#include <fmt/format.h>
#include <simdjson.h>

namespace ferry::schedule {
namespace {

void add_string(std::string& out, std::string_view key, std::string_view value) {
    fmt::format_to(std::back_inserter(out), ",\"{}\":", key);
    producer::append_json_string(value, out);
}

void add_instant(std::string& out, std::string_view key, std::optional<Instant> at) {
    if (at)
        add_string(out, key, format_instant(*at));
}

using Element = simdjson::dom::element;

std::optional<std::string_view> string_field(Element object, const char* key) {
    std::string_view value;
    if (object[key].get(value) != simdjson::SUCCESS)
        return std::nullopt;
    return value;
}

// A required field that is missing or of the wrong type names itself in the error.
std::string_view required_string(Element object, const char* key) {
    auto value = string_field(object, key);
    if (!value)
        throw LineError{fmt::format("missing or non-string field \"{}\"", key)};
    return *value;
}

std::optional<Instant> instant_field(Element object, const char* key, bool required) {
    auto text = string_field(object, key);
    if (!text) {
        if (required)
            throw LineError{fmt::format("missing field \"{}\"", key)};
        return std::nullopt;
    }
    auto at = parse_instant(*text);
    if (!at)
        throw LineError{fmt::format("field \"{}\" is not a UTC instant: {}", key, *text)};
    return at;
}

std::uint64_t count_field(Element object, const char* key) {
    std::uint64_t value = 0;
    if (object[key].get(value) != simdjson::SUCCESS)
        return 0;
    return value;
}

RunRecord record_of(Element object) {
    RunRecord record;
    record.run_id = required_string(object, "run_id");
    record.pipeline = required_string(object, "pipeline");
    record.nominal = *instant_field(object, "nominal", true);
    auto reason = parse_run_reason(required_string(object, "reason"));
    auto state = parse_run_state(required_string(object, "state"));
    if (!reason || !state)
        throw LineError{"unknown reason or state"};
    record.reason = *reason;
    record.state = *state;
    record.fired = instant_field(object, "fired", false);
    record.ended = instant_field(object, "ended", false);
    record.counts = {count_field(object, "ok"), count_field(object, "failed"),
                     count_field(object, "total")};
    record.output = string_field(object, "output").value_or("");
    record.cause = string_field(object, "cause").value_or("");
    return record;
}

} // namespace

std::string to_json_line(const RunRecord& record) {
    std::string out = "{\"run_id\":";
    producer::append_json_string(record.run_id, out);
    add_string(out, "pipeline", record.pipeline);
    add_string(out, "nominal", format_instant(record.nominal));
    add_string(out, "reason", to_string(record.reason));
    add_string(out, "state", to_string(record.state));
    add_instant(out, "fired", record.fired);
    add_instant(out, "ended", record.ended);
    fmt::format_to(std::back_inserter(out), ",\"ok\":{},\"failed\":{},\"total\":{}",
                   record.counts.ok, record.counts.failed, record.counts.total);
    add_string(out, "output", record.output);
    add_string(out, "cause", record.cause);
    out += '}';
    return out;
}

std::variant<RunRecord, LineError> parse_json_line(std::string_view line) {
    simdjson::dom::parser parser;
    Element element;
    if (parser.parse(line.data(), line.size(), true).get(element) != simdjson::SUCCESS)
        return LineError{"not valid JSON"};
    if (!element.is_object())
        return LineError{"not a JSON object"};
    try {
        return record_of(element);
    } catch (const LineError& error) {
        return error;
    }
}

} // namespace ferry::schedule
