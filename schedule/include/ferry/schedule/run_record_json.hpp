// A run record as one line of JSON in the run history, and back.
#pragma once

#include "ferry/schedule/run_record.hpp"

#include <string>
#include <string_view>
#include <variant>

namespace ferry::schedule {

// One line, without the newline: {"run_id":...,"state":"running",...}. Absent instants are
// left out rather than written as null.
[[nodiscard]] std::string to_json_line(const RunRecord& record);

// Why a line is not a run record, for an error naming file:line.
struct LineError {
    std::string message;
};

// The record a line holds, or what is wrong with it.
[[nodiscard]] std::variant<RunRecord, LineError> parse_json_line(std::string_view line);

} // namespace ferry::schedule
