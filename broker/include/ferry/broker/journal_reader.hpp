// Reading a journal directory back at start: what was held when the previous broker life ended.
#pragma once

#include "ferry/broker/journal_record.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ferry::broker {

// A job the previous life held: not finished, or finished with an outcome its producer had not
// acknowledged yet.
struct ReplayedJob {
    JournalJob job;                     // the job, attempts as last recorded (an answered job
                                        // whose accept was compacted away has client and id only)
    bool in_flight = false;             // its last record was a dispatch: an attempt was running
    std::optional<std::string> outcome; // its kept outcome, when it was answered
    JournalPlace place;                 // where its live record (accept or answered) is on disk
};

// One segment file as found: its number and size after any torn tail was cut.
struct SegmentFile {
    std::uint32_t number = 0; // segment number
    std::uint64_t bytes = 0;  // file size
};

// What a journal directory holds.
struct JournalContents {
    std::vector<ReplayedJob> jobs;     // held jobs, in order of first acceptance
    std::vector<SegmentFile> segments; // segment files found, ascending
    std::uint64_t records = 0;         // records read
    std::uint64_t torn_bytes = 0;      // bytes cut from the end of the last segment
};

// The path of segment `number` in `dir`.
[[nodiscard]] std::string segment_path(const std::string& dir, std::uint32_t number);

// The segment numbers present in `dir` (created when missing), ascending.
[[nodiscard]] std::vector<std::uint32_t> list_segments(const std::string& dir);

// Reads every segment of `dir` (created when missing). A torn tail of the last segment (a crash
// mid-append) is cut off the file with a warning. Throws JournalError naming the file for a header
// that is not ours, of another version or damaged, and for a damaged record before the last
// segment's tail.
[[nodiscard]] JournalContents read_journal(const std::string& dir);

} // namespace ferry::broker
