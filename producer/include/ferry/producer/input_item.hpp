// What the submission loop takes from its input: a job, or a record that cannot be one.
#pragma once

#include "ferry/producer/field_value.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace ferry::producer {

// The input cannot be used at all (unreadable path, or a bad record with on_invalid: fail on a
// stream that could not be checked beforehand): a usage error, exit code 2.
class InputError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// One job read from the input.
struct InputRecord {
    std::string id;                   // the record's "id", or its line number when it has none
    std::string payload;              // the "payload" value, encoded as MessagePack
    std::uint64_t line = 0;           // 1-based line (or file number, for a directory)
    std::uint64_t index = 0;          // 0-based position in the input: the output order
    std::vector<FieldValue> captured; // input values the aggregates compare against
};

// A record that cannot become a job: where it is and what is wrong.
struct InputProblem {
    std::string file;        // input path
    std::uint64_t line = 0;  // 1-based line
    std::string id;          // the id it would have had, for the failure record
    std::string message;     // what is wrong and what to do
    std::uint64_t index = 0; // output position, like InputRecord::index
    [[nodiscard]] std::string describe() const;
};

using InputItem = std::variant<InputRecord, InputProblem>;

// Where the submission loop takes its items from, in input order: the input itself as it is
// read (InputReader), or the items a check already read and kept (CheckedInput).
class JobSource {
  public:
    virtual ~JobSource() = default;
    // The next record or problem; empty at the end of the input.
    [[nodiscard]] virtual std::optional<InputItem> next() = 0;
};

} // namespace ferry::producer
