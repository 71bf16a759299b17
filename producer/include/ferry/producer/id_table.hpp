// Compact sets of job ids: 8-byte table entries that point at where each id is kept (an arena,
// or a file), so an id costs its entry rather than a heap node, and a hit is always confirmed
// against the id itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::producer {

// A 64-bit hash of an id. Injectable so tests can force collisions.
using IdHash = std::uint64_t (*)(std::string_view id);

// The hash every id check uses by default (std::hash).
[[nodiscard]] std::uint64_t hash_id(std::string_view id);

// Open addressing with linear probing over 8-byte entries: the top 16 bits of the id's hash
// (a tag) and a 48-bit reference to where the id is kept. It stores no id, so a tag match is
// only a candidate that the caller confirms against the real id; no hash collision can pass.
class IdTable {
  public:
    // Sized so `expected` references fit without growing.
    explicit IdTable(std::size_t expected = 0);

    // The first stored reference under `hash` for which same(reference) is true.
    template <typename Same>
    [[nodiscard]] std::optional<std::uint64_t> find(std::uint64_t hash, Same&& same) const {
        const std::uint64_t tag = hash >> reference_bits;
        for (std::size_t at = hash & mask_; slots_[at] != 0; at = (at + 1) & mask_) {
            if ((slots_[at] >> reference_bits) == tag && same(reference_of(slots_[at]))) {
                return reference_of(slots_[at]);
            }
        }
        return std::nullopt;
    }

    // Adds `reference` (below 2^48 - 1) under `hash`. Past three quarters full the table
    // doubles, and hash_of(reference) gives the hash of each reference already stored.
    template <typename HashOf>
    void insert(std::uint64_t hash, std::uint64_t reference, HashOf&& hash_of) {
        if ((size_ + 1) * 4 > slots_.size() * 3) {
            std::vector<std::uint64_t> old(slots_.size() * 2, 0);
            old.swap(slots_);
            mask_ = slots_.size() - 1;
            for (const std::uint64_t slot : old) {
                if (slot != 0)
                    place(hash_of(reference_of(slot)), reference_of(slot));
            }
        }
        place(hash, reference);
        ++size_;
    }

    [[nodiscard]] std::size_t size() const { return size_; }
    // Bytes of the table itself.
    [[nodiscard]] std::size_t memory_bytes() const { return slots_.size() * sizeof(slots_[0]); }

  private:
    static constexpr unsigned reference_bits = 48;
    static constexpr std::uint64_t reference_mask = (std::uint64_t{1} << reference_bits) - 1;

    [[nodiscard]] static std::uint64_t reference_of(std::uint64_t slot) {
        return (slot & reference_mask) - 1;
    }
    void place(std::uint64_t hash, std::uint64_t reference);

    std::vector<std::uint64_t> slots_; // 0: empty; else tag << 48 | (reference + 1)
    std::size_t mask_ = 0;             // slots_.size() - 1 (a power of two)
    std::size_t size_ = 0;             // references stored
};

// An exact set of ids with the line where each was first used, for input that cannot be read
// twice (stdin): each id's bytes are kept in one arena, with its line and length (12 bytes),
// plus an 8-byte table entry at a load between 3/8 and 3/4.
class SeenIds {
  public:
    explicit SeenIds(IdHash hash = hash_id) : hash_(hash) {}

    // The line where `id` was first used; or, when it is new, nothing, and it is remembered as
    // used on `line`.
    [[nodiscard]] std::optional<std::uint64_t> first_use(std::string_view id, std::uint64_t line);

  private:
    [[nodiscard]] std::string_view id_at(std::uint64_t offset) const;
    [[nodiscard]] std::uint64_t line_at(std::uint64_t offset) const;

    IdHash hash_;       // hash of an id
    IdTable table_;     // id hash -> arena offset
    std::string arena_; // per id: line (8 bytes), size (4 bytes), bytes
};

} // namespace ferry::producer
