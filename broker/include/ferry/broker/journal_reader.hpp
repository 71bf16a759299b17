// Reading a journal directory back at start: what was held when the previous broker life ended.
#pragma once

#include "ferry/broker/journal_record.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ferry::broker {

// A job the previous life held and had not finished.
struct ReplayedJob {
    JournalJob job;         // the job, attempts as last recorded
    bool in_flight = false; // its last record was a dispatch: an attempt was running
};

// What a journal directory holds.
struct JournalContents {
    std::vector<ReplayedJob> jobs;       // unfinished jobs, in order of first acceptance
    std::vector<std::uint32_t> segments; // segment numbers found, ascending
    std::uint64_t records = 0;           // records read
    std::uint64_t torn_bytes = 0;        // bytes cut from the end of the last segment
};

// The path of segment `number` in `dir`.
[[nodiscard]] std::string segment_path(const std::string& dir, std::uint32_t number);

// The segment numbers present in `dir` (created when missing), ascending.
[[nodiscard]] std::vector<std::uint32_t> list_segments(const std::string& dir);

// Reads every segment of `dir`. A torn tail of the last segment (a crash mid-append) is cut off
// the file with a warning. Throws JournalError naming the file for a header that is not ours, of
// another version or damaged, and for a damaged record before the last segment's tail.
[[nodiscard]] JournalContents read_journal(const std::string& dir);

} // namespace ferry::broker
