// Finds the jobs an interrupted run already wrote, so `--resume` can skip them.
#pragma once

#include "ferry/producer/id_table.hpp"
#include "ferry/producer/output_writer.hpp"
#include "ferry/producer/positional_file.hpp"

#include <cstdint>
#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>

namespace ferry::producer {

// The ids of the complete records of an output file, kept as an IdTable of each record's byte
// offset (8-byte entries at a load between 3/8 and 3/4: 11-21 bytes an id, not the ids). A
// table hit is confirmed by reading that record's id back from the file, so an id is never
// taken as done because another id has the same hash: that would lose the job.
class FinishedIds {
  public:
    FinishedIds() = default; // nothing is finished

    // Reads the complete records of `path` in two streaming passes (count, then index) with
    // a bounded buffer. A torn last record (the run was killed mid-write) is cut off the file
    // first, so appending continues on a record boundary. A missing file means nothing was done.
    [[nodiscard]] static FinishedIds scan(const std::string& path, OutputFormat format,
                                          IdHash hash = hash_id);

    [[nodiscard]] bool contains(std::string_view id) const;
    [[nodiscard]] std::size_t size() const { return table_.size(); }

  private:
    // The id of the record at `offset` of the file.
    [[nodiscard]] std::string id_at(std::uint64_t offset) const;

    std::optional<PositionalFile> file_;        // the output, read at record offsets
    OutputFormat format_ = OutputFormat::jsonl; // how its records are written
    IdHash hash_ = hash_id;                     // hash of an id
    IdTable table_;                             // id hash -> record offset
    mutable simdjson::dom::parser parser_;      // reused by id_at()
    mutable std::string record_;                // id_at()'s read buffer
};

// FinishedIds::scan() with the default hash.
[[nodiscard]] inline FinishedIds scan_finished_ids(const std::string& path, OutputFormat format) {
    return FinishedIds::scan(path, format);
}

} // namespace ferry::producer
