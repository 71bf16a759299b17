// The human rendering of the pipeline commands' replies: the runs table, the confirmation line.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace ferry::app {

// Writes the reply of "runs" ({"pipelines": [...]}, docs/commands.md) as one header line per
// pipeline and a table of its runs. Throws std::runtime_error when the reply is not that JSON.
void write_runs_table(std::ostream& out, std::string_view reply_json);

// The "message" of a trigger/pause/resume/backfill reply. Throws std::runtime_error when the
// reply is not a JSON object with a string "message".
[[nodiscard]] std::string reply_message(std::string_view reply_json);

} // namespace ferry::app
