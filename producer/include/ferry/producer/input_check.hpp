// The check before submitting: one read of the input finds every problem and keeps the records,
// packed, for the run, so the input is parsed once even when a bad record must stop everything.
#pragma once

#include "ferry/producer/duplicate_ids.hpp"
#include "ferry/producer/id_table.hpp"
#include "ferry/producer/input_reader.hpp"
#include "ferry/producer/record_spool.hpp"
#include "ferry/producer/typed_array.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ferry::producer {

// How the input is read and what the check keeps.
struct CheckOptions {
    std::size_t problem_limit = 20;                // problems kept for the report
    ArrayFields arrays;                            // payload fields packed as typed arrays
    std::vector<std::vector<std::string>> capture; // paths the aggregates compare per record
    IdHash hash = hash_id;                         // id hash (tests inject collisions)
    bool skip_invalid = false; // problems run as failed jobs; else any problem stops the run
    bool keep = true;          // keep the packed items for the run in a RecordSpool
};

// What a full read of the input found: its problems (at most a limit), its record count, and
// the items themselves when they could be kept.
struct InputCheck {
    std::vector<InputProblem> problems;       // first problems, in input order
    std::uint64_t records = 0;                // valid records (a duplicate is a problem)
    std::optional<DuplicateLines> duplicates; // every duplicate, for a JSON Lines file
    std::unique_ptr<RecordSpool> spool;       // every item read, ready to replay; or null
};

// Reads the whole input without submitting anything: every record is parsed, checked and
// packed once. Duplicate ids of a regular file are found with a DuplicateFinder (about 1.25
// bytes of memory and 24 bytes of scratch file per record). The packed items go to a
// RecordSpool in the temporary directory unless `keep` is false, a problem makes the run
// impossible (not skip_invalid), or the spool gives up (too little free space); the spool's
// reason is then in spool->why_not_kept().
[[nodiscard]] InputCheck check_input(const std::string& path, const CheckOptions& options);

// The items of a checked input in input order, for the submission loop: replayed from the
// check's spool, or, when it kept nothing, read from the input a second time. Either way the
// check's duplicates come back as problems at their lines and no id is kept in memory.
class CheckedInput : public JobSource {
  public:
    CheckedInput(std::string path, InputCheck check, const CheckOptions& options);
    [[nodiscard]] std::optional<InputItem> next() override;
    // True when the items come from the spool (the input is not read again).
    [[nodiscard]] bool replayed() const { return spool_ != nullptr; }

  private:
    std::string path_;                         // the input
    std::unique_ptr<RecordSpool> spool_;       // the kept items, when kept
    DuplicateLines duplicates_;                // the check's duplicates
    std::unique_ptr<InputReader> second_read_; // the input again, when nothing was kept
};

} // namespace ferry::producer
