// Streams jobs from the input: a JSON Lines file, standard input ("-"), or a directory.
#pragma once

#include "ferry/producer/duplicate_ids.hpp"
#include "ferry/producer/id_table.hpp"
#include "ferry/producer/input_item.hpp"
#include "ferry/producer/line_source.hpp"
#include "ferry/producer/positional_file.hpp"
#include "ferry/producer/typed_array.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <simdjson.h>
#include <string>
#include <variant>
#include <vector>

namespace ferry::producer {

// Reads records one at a time. Each line is parsed with simdjson; a bad line becomes an
// InputProblem and the reader goes on, so the caller chooses between failing and skipping.
//
// A repeated id is a problem naming both lines. How it is caught decides the memory: a file that
// check_input() (input_check.hpp) has read is given the duplicates it found
// (use_checked_duplicates: nothing per record is kept); otherwise (stdin, which is not checked
// beforehand) every id is kept in a SeenIds:
// its bytes, 12 bytes of line and length, and an 8-byte table entry (docs/configuration.md).
class InputReader : public JobSource {
  public:
    // Opens `path`; throws InputError naming the path when it cannot be read.
    // `capture` lists dotted paths whose values each record carries along (aggregates).
    // `hash` is the id hash of the in-memory duplicate check (tests inject collisions).
    explicit InputReader(std::string path, std::vector<std::vector<std::string>> capture = {},
                         IdHash hash = hash_id);

    // Validation only (the check before submitting): records are parsed and checked, but their
    // payloads are not converted to MessagePack, which is most of the per-record cost.
    void skip_payload_encoding() { encode_payloads_ = false; }
    // Payload fields packed as typed arrays (input.arrays); a value that does not fit its dtype
    // makes the record a problem.
    void pack_arrays(ArrayFields arrays) { arrays_ = std::move(arrays); }
    // The caller checks ids itself (check_input, with a DuplicateFinder): keep none here.
    void skip_duplicate_check() { check_ids_ = false; }
    // check_input() read this file and found these duplicates: report those lines, keep no ids.
    void use_checked_duplicates(DuplicateLines duplicates) { checked_ = std::move(duplicates); }
    // Byte offset of the line of the item next() returned last (JSON Lines only).
    [[nodiscard]] std::uint64_t line_offset() const { return line_offset_; }

    // The next record or problem; empty at the end of the input.
    [[nodiscard]] std::optional<InputItem> next() override;

    [[nodiscard]] const std::string& path() const { return path_; }

  private:
    [[nodiscard]] std::optional<InputItem> next_line();
    [[nodiscard]] std::optional<InputItem> next_file();
    [[nodiscard]] InputItem parse_line(std::string_view text);
    [[nodiscard]] InputItem accept(std::string id, std::string payload,
                                   std::vector<FieldValue> captured = {});
    [[nodiscard]] InputProblem problem(std::string id, std::string message);
    [[nodiscard]] std::optional<std::uint64_t> earlier_use(const std::string& id);

    std::string path_;                              // as given ("-" is stdin)
    std::vector<std::vector<std::string>> capture_; // paths to capture per record
    std::unique_ptr<LineSource> lines_;             // the JSONL file or stdin, if not a directory
    std::vector<std::filesystem::path> directory_;  // files of a directory input, sorted
    std::size_t directory_next_ = 0;                // next file in directory_
    simdjson::dom::parser parser_;                  // reused across lines
    std::uint64_t line_ = 0;                        // current 1-based line
    std::uint64_t next_index_ = 0;                  // output index of the next item
    std::uint64_t line_offset_ = 0;                 // byte offset of the current line
    bool encode_payloads_ = true;                   // false while only validating
    ArrayFields arrays_;                            // fields packed as typed arrays
    bool check_ids_ = true;                         // false: the caller checks ids
    std::optional<DuplicateLines> checked_;         // duplicates check_input() found
    SeenIds seen_;                                  // ids so far, when not checked_
};

// The message of a record whose id `id` was first used on `first_line`.
[[nodiscard]] std::string duplicate_id_message(const std::string& id, std::uint64_t first_line);

// The id of the valid record on the line at `offset` of `file` (the duplicate check's
// confirmation); throws InputError when that line no longer holds a valid record.
[[nodiscard]] std::string record_id_at(const PositionalFile& file, std::uint64_t offset,
                                       std::uint64_t line);

} // namespace ferry::producer
