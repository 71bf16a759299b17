// Finding duplicate ids in a JSON Lines file with about 1.25 bytes of memory per record: a Bloom
// filter flags candidates, and each candidate is confirmed against the file itself.
#pragma once

#include "ferry/producer/id_table.hpp"
#include "ferry/producer/positional_file.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::producer {

// A record whose id an earlier record of the same input already used.
struct Duplicate {
    std::uint64_t line = 0;       // its 1-based line
    std::uint64_t first_line = 0; // the line that used the id first
    std::uint64_t offset = 0;     // byte offset of its line, to read its id again
};

// The duplicates of an input, in line order (24 bytes each; nothing for unique records).
class DuplicateLines {
  public:
    // Adds a duplicate; lines must come in increasing order.
    void add(const Duplicate& duplicate) { lines_.push_back(duplicate); }
    // The first line that used the id of `line`, when `line` is a duplicate.
    [[nodiscard]] std::optional<std::uint64_t> first_use(std::uint64_t line) const;
    [[nodiscard]] std::size_t size() const { return lines_.size(); }
    [[nodiscard]] const std::vector<Duplicate>& lines() const { return lines_; }

  private:
    std::vector<Duplicate> lines_; // by line
};

// A Bloom filter of 64-bit hashes: 10 bits per expected key and 7 probes, about 0.8% false
// positives when full, never a false negative.
class BloomFilter {
  public:
    explicit BloomFilter(std::uint64_t expected);
    // Sets the hash's bits; true when every one was set already (seen, or a false positive).
    bool test_and_set(std::uint64_t hash);
    [[nodiscard]] std::size_t memory_bytes() const { return words_.size() * sizeof(words_[0]); }

  private:
    std::vector<std::uint64_t> words_; // the bits
    std::uint64_t bits_;               // words_.size() * 64
};

// Two passes over one file's ids. add() sees every valid record in order: its hash goes
// through the Bloom filter and, with its line and byte offset, into an unlinked scratch file
// (24 bytes a record, on disk). finish() reads the scratch file back, keeps the records whose
// hash the filter flagged (about 1% of them), and re-reads just those whose hash another record
// shares to compare the real ids: a hash collision is never a duplicate, and as the filter has
// no false negatives, no duplicate is missed.
class DuplicateFinder {
  public:
    // `max_records` bounds the records to come (the file's line count) and sizes the filter.
    explicit DuplicateFinder(std::uint64_t max_records, IdHash hash = hash_id);

    // Re-reads the id of the record whose line starts at `offset`.
    using IdAt = std::function<std::string(std::uint64_t offset, std::uint64_t line)>;

    void add(std::string_view id, std::uint64_t line, std::uint64_t offset);
    // The duplicates, in line order.
    [[nodiscard]] DuplicateLines finish(const IdAt& id_at);

  private:
    // What the scratch file keeps of each record.
    struct Spilled {
        std::uint64_t hash;   // id hash
        std::uint64_t line;   // 1-based line
        std::uint64_t offset; // byte offset of the line
    };
    [[nodiscard]] std::vector<Spilled> flagged_records();
    // Compares the ids of records sharing one hash (in line order) and adds the repeats.
    static void confirm_group(const Spilled* group, std::size_t size, const IdAt& id_at,
                              std::vector<Duplicate>& found);

    IdHash hash_;                        // hash of an id
    BloomFilter filter_;                 // hashes seen so far
    std::vector<std::uint64_t> flagged_; // hashes the filter had seen (maybe) before
    ScratchFile spill_;                  // every record's Spilled, in input order
};

} // namespace ferry::producer
