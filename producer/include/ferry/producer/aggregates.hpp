// Configured reductions over a run's outcomes: counts by a field, sums, means, extremes,
// the match rate of a result field against the input, and character accuracy of text.
#pragma once

#include "ferry/producer/field_value.hpp"
#include "ferry/producer/job_outcome.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ferry::producer {

enum class AggregateKind { count_by, sum, mean, min, max, match_rate, char_accuracy };

// One entry of the `aggregates` list.
struct AggregateSpec {
    std::string name; // key in the summary
    AggregateKind kind = AggregateKind::count_by;
    std::vector<std::string> result_path; // dotted path into the result
    std::vector<std::string> input_path;  // dotted path into the input record (match kinds)
    std::string stage; // multi-stage: fold that stage's job results (empty: the output records)
};

// Parses a kind name; false when unknown.
[[nodiscard]] bool aggregate_kind_from_name(std::string_view name, AggregateKind& out);
[[nodiscard]] std::string_view name_of(AggregateKind kind);
// Whether a kind compares against the input (and so needs `input_field`).
[[nodiscard]] bool needs_input(AggregateKind kind);

// The running state of every configured aggregate.
class Aggregates {
  public:
    explicit Aggregates(std::vector<AggregateSpec> specs);

    // Input paths the reader must capture for each record, one list per aggregate
    // (empty for aggregates that need no input).
    [[nodiscard]] std::vector<std::vector<std::string>> input_paths() const;

    // Folds one output record in; `expected[i]` is the captured input value for aggregate i.
    void record(const JobOutcome& outcome, const std::vector<FieldValue>& expected);
    // Folds one job of `stage` in, for the aggregates that name that stage.
    void record_stage(std::string_view stage, const JobOutcome& outcome,
                      const std::vector<FieldValue>& expected);

    [[nodiscard]] bool empty() const { return specs_.empty(); }
    [[nodiscard]] std::string to_json() const; // {"name": {...}, ...}
    [[nodiscard]] std::string to_text() const; // one line per aggregate

  private:
    struct State {
        std::uint64_t count = 0;                     // values seen (or jobs compared)
        std::uint64_t matched = 0;                   // match_rate: equal values
        double sum = 0;                              // sum of values / of char scores
        double chars = 0;                            // char_accuracy: expected chars
        double min = 0, max = 0;                     // extremes
        std::map<std::string, std::uint64_t> counts; // count_by
    };
    void fold_matching(std::string_view stage, const JobOutcome& outcome,
                       const std::vector<FieldValue>& expected);
    void fold(const AggregateSpec& spec, State& state, const FieldValue& value,
              const FieldValue& expected, bool ok);
    [[nodiscard]] double value_of(const AggregateSpec& spec, const State& state) const;

    std::vector<AggregateSpec> specs_; // configuration
    std::vector<State> states_;        // one per spec
};

} // namespace ferry::producer
