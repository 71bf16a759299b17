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

// Duplicate ids among records seen once, in order, without keeping their ids. add() writes each
// record's id hash, line and byte offset to an unlinked scratch file (24 bytes a record, on
// disk). finish() reads that file back twice: first through a Bloom filter sized for the count
// now known, which flags the hashes seen (maybe) before (about 1% of them); then to keep the
// records with a flagged hash. Only the records whose hash another record shares are looked up
// again to compare the real ids: a hash collision is never a duplicate, and as the filter has
// no false negatives, no duplicate is missed.
class DuplicateFinder {
  public:
    explicit DuplicateFinder(IdHash hash = hash_id);

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
    // Reads the scratch file from the start in blocks, calling `each` on every record.
    template <typename Each> void read_spill(Each each);
    [[nodiscard]] std::vector<std::uint64_t> flagged_hashes();
    [[nodiscard]] std::vector<Spilled> flagged_records(const std::vector<std::uint64_t>& flagged);
    // Compares the ids of records sharing one hash (in line order) and adds the repeats.
    static void confirm_group(const Spilled* group, std::size_t size, const IdAt& id_at,
                              std::vector<Duplicate>& found);

    IdHash hash_;             // hash of an id
    std::uint64_t count_ = 0; // records added
    ScratchFile spill_;       // every record's Spilled, in input order
};

} // namespace ferry::producer
