// Aggregates over outcomes: count_by, sum, mean, min, max, match_rate, char_accuracy.
#include "ferry/producer/aggregates.hpp"

#include "ferry/producer/json_msgpack.hpp"
#include "ferry/wire/edit_distance.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <limits>

namespace ferry::producer {
namespace {

constexpr std::array<std::pair<std::string_view, AggregateKind>, 7> kind_names{{
    {"count_by", AggregateKind::count_by},
    {"sum", AggregateKind::sum},
    {"mean", AggregateKind::mean},
    {"min", AggregateKind::min},
    {"max", AggregateKind::max},
    {"match_rate", AggregateKind::match_rate},
    {"char_accuracy", AggregateKind::char_accuracy},
}};

FieldValue result_field(const JobOutcome& outcome, const std::vector<std::string>& path) {
    if (!outcome.ok)
        return {};
    try {
        msgpack::object_handle handle =
            msgpack::unpack(outcome.result.data(), outcome.result.size());
        return field_from_msgpack(handle.get(), path);
    } catch (const std::exception&) {
        return {};
    }
}

} // namespace

bool aggregate_kind_from_name(std::string_view name, AggregateKind& out) {
    for (const auto& [text, kind] : kind_names) {
        if (text == name) {
            out = kind;
            return true;
        }
    }
    return false;
}

std::string_view name_of(AggregateKind kind) {
    for (const auto& [text, value] : kind_names) {
        if (value == kind)
            return text;
    }
    return "?";
}

bool needs_input(AggregateKind kind) {
    return kind == AggregateKind::match_rate || kind == AggregateKind::char_accuracy;
}

Aggregates::Aggregates(std::vector<AggregateSpec> specs)
    : specs_(std::move(specs)), states_(specs_.size()) {}

std::vector<std::vector<std::string>> Aggregates::input_paths() const {
    std::vector<std::vector<std::string>> paths;
    for (const auto& spec : specs_)
        paths.push_back(needs_input(spec.kind) ? spec.input_path : std::vector<std::string>{});
    return paths;
}

void Aggregates::record(const JobOutcome& outcome, const std::vector<FieldValue>& expected) {
    fold_matching({}, outcome, expected);
}

void Aggregates::record_stage(std::string_view stage, const JobOutcome& outcome,
                              const std::vector<FieldValue>& expected) {
    fold_matching(stage, outcome, expected);
}

void Aggregates::fold_matching(std::string_view stage, const JobOutcome& outcome,
                               const std::vector<FieldValue>& expected) {
    for (std::size_t i = 0; i < specs_.size(); ++i) {
        if (specs_[i].stage != stage)
            continue;
        FieldValue value = result_field(outcome, specs_[i].result_path);
        fold(specs_[i], states_[i], value, i < expected.size() ? expected[i] : FieldValue{},
             outcome.ok);
    }
}

// Match kinds count every job that has an expected value: a failed job is a miss, so accuracy
// is never flattered by failures. Numeric kinds count only results that hold a number.
void Aggregates::fold(const AggregateSpec& spec, State& state, const FieldValue& value,
                      const FieldValue& expected, bool /*ok*/) {
    switch (spec.kind) {
    case AggregateKind::count_by:
        if (value.present)
            ++state.counts[value.numeric ? fmt::format("{}", value.number) : value.text];
        return;
    case AggregateKind::match_rate:
        if (!expected.present)
            return;
        ++state.count;
        if (value.same_as(expected))
            ++state.matched;
        return;
    case AggregateKind::char_accuracy: {
        if (!expected.present)
            return;
        ++state.count;
        double length = double(expected.text.size());
        double edits =
            value.present ? double(wire::edit_distance(value.text, expected.text)) : length;
        state.chars += length;
        state.sum += std::min(edits, length);
        return;
    }
    default:
        if (!value.numeric)
            return;
        state.min = state.count == 0 ? value.number : std::min(state.min, value.number);
        state.max = state.count == 0 ? value.number : std::max(state.max, value.number);
        state.sum += value.number;
        ++state.count;
    }
}

double Aggregates::value_of(const AggregateSpec& spec, const State& state) const {
    switch (spec.kind) {
    case AggregateKind::sum:
        return state.sum;
    case AggregateKind::mean:
        return state.count > 0 ? state.sum / double(state.count) : 0;
    case AggregateKind::min:
        return state.min;
    case AggregateKind::max:
        return state.max;
    case AggregateKind::match_rate:
        return state.count > 0 ? double(state.matched) / double(state.count) : 0;
    case AggregateKind::char_accuracy:
        return state.chars > 0 ? 1.0 - state.sum / state.chars : 0;
    case AggregateKind::count_by:
        return double(state.counts.size());
    }
    return 0;
}

std::string Aggregates::to_json() const {
    std::string out = "{";
    for (std::size_t i = 0; i < specs_.size(); ++i) {
        const auto& spec = specs_[i];
        const auto& state = states_[i];
        if (i > 0)
            out += ",";
        append_json_string(spec.name, out);
        out += fmt::format(":{{\"kind\":\"{}\"", name_of(spec.kind));
        if (spec.kind == AggregateKind::count_by) {
            out += ",\"counts\":{";
            bool first = true;
            for (const auto& [key, count] : state.counts) {
                if (!first)
                    out += ",";
                first = false;
                append_json_string(key, out);
                out += fmt::format(":{}", count);
            }
            out += "}}";
            continue;
        }
        out += fmt::format(",\"count\":{}", state.count);
        if (spec.kind == AggregateKind::match_rate)
            out += fmt::format(",\"matched\":{}", state.matched);
        out += fmt::format(",\"value\":{}}}", value_of(spec, state));
    }
    return out + "}";
}

std::string Aggregates::to_text() const {
    std::string out;
    for (std::size_t i = 0; i < specs_.size(); ++i) {
        const auto& spec = specs_[i];
        const auto& state = states_[i];
        if (spec.kind == AggregateKind::count_by) {
            out += fmt::format("{} (count by):", spec.name);
            for (const auto& [key, count] : state.counts)
                out += fmt::format(" {}={}", key, count);
            out += "\n";
        } else if (spec.kind == AggregateKind::match_rate) {
            out += fmt::format("{} (match rate): {:.4f} ({}/{})\n", spec.name,
                               value_of(spec, state), state.matched, state.count);
        } else {
            out += fmt::format("{} ({}): {:.4f} over {} values\n", spec.name, name_of(spec.kind),
                               value_of(spec, state), state.count);
        }
    }
    return out;
}

} // namespace ferry::producer
