// Finds the jobs an interrupted run already wrote, so `--resume` can skip them.
#pragma once

#include "ferry/producer/output_writer.hpp"

#include <string>
#include <unordered_set>

namespace ferry::producer {

// The ids of complete records in an existing output file. A torn last record (the run was
// killed mid-write) is cut off the file so appending continues on a record boundary.
// A missing file means nothing was done yet.
[[nodiscard]] std::unordered_set<std::string> scan_finished_ids(const std::string& path,
                                                                OutputFormat format);

} // namespace ferry::producer
