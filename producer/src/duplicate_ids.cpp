// Duplicate ids of a file: Bloom filter candidates, confirmed against the records themselves.
#include "ferry/producer/duplicate_ids.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <stdexcept>
#include <unordered_map>

namespace ferry::producer {
namespace {

__extension__ using Wide = unsigned __int128;

constexpr std::uint64_t bits_per_key = 10;
constexpr unsigned probes = 7;            // about ln 2 x bits_per_key: the fewest false positives
constexpr std::size_t spill_block = 4096; // records per read of the scratch file

} // namespace

std::optional<std::uint64_t> DuplicateLines::first_use(std::uint64_t line) const {
    auto before = [](const Duplicate& d, std::uint64_t wanted) { return d.line < wanted; };
    auto it = std::lower_bound(lines_.begin(), lines_.end(), line, before);
    if (it == lines_.end() || it->line != line)
        return std::nullopt;
    return it->first_line;
}

BloomFilter::BloomFilter(std::uint64_t expected)
    : words_((std::max<std::uint64_t>(expected, 1) * bits_per_key + 63) / 64, 0),
      bits_(words_.size() * 64) {}

// Double hashing: probe i looks at bit (hash + i x step), mapped onto [0, bits_) by a multiply
// instead of a division; the step is the hash turned around, forced odd.
bool BloomFilter::test_and_set(std::uint64_t hash) {
    const std::uint64_t step = ((hash >> 32) | (hash << 32)) | 1;
    bool seen = true;
    for (unsigned i = 0; i < probes; ++i) {
        const std::uint64_t mixed = hash + i * step;
        const auto bit = static_cast<std::uint64_t>((Wide{mixed} * bits_) >> 64);
        const std::uint64_t mask = std::uint64_t{1} << (bit & 63);
        seen = seen && (words_[bit >> 6] & mask) != 0;
        words_[bit >> 6] |= mask;
    }
    return seen;
}

DuplicateFinder::DuplicateFinder(IdHash hash)
    : hash_(hash), spill_(open_scratch_file("the duplicate-id check")) {}

void DuplicateFinder::add(std::string_view id, std::uint64_t line, std::uint64_t offset) {
    const Spilled record{hash_(id), line, offset};
    ++count_;
    if (std::fwrite(&record, sizeof(record), 1, spill_.get()) != 1) {
        throw std::runtime_error(fmt::format("cannot write the duplicate-id check's scratch file "
                                             "(24 bytes a record, in $TMPDIR or /tmp): {}",
                                             std::strerror(errno)));
    }
}

template <typename Each> void DuplicateFinder::read_spill(Each each) {
    std::vector<Spilled> block(spill_block);
    std::rewind(spill_.get()); // flushes what add() buffered
    while (const std::size_t read =
               std::fread(block.data(), sizeof(Spilled), block.size(), spill_.get())) {
        for (std::size_t i = 0; i < read; ++i)
            each(block[i]);
    }
    if (std::ferror(spill_.get()) != 0) {
        throw std::runtime_error("cannot read back the duplicate-id check's scratch file");
    }
}

// The hashes the filter had seen (maybe) before, sorted and unique. The filter lives only here.
std::vector<std::uint64_t> DuplicateFinder::flagged_hashes() {
    BloomFilter filter(count_);
    std::vector<std::uint64_t> flagged;
    read_spill([&](const Spilled& record) {
        if (filter.test_and_set(record.hash))
            flagged.push_back(record.hash);
    });
    std::sort(flagged.begin(), flagged.end());
    flagged.erase(std::unique(flagged.begin(), flagged.end()), flagged.end());
    return flagged;
}

// The scratch file's records whose hash was flagged, grouped by hash, in line order within one.
std::vector<DuplicateFinder::Spilled>
DuplicateFinder::flagged_records(const std::vector<std::uint64_t>& flagged) {
    std::vector<Spilled> records;
    read_spill([&](const Spilled& record) {
        if (std::binary_search(flagged.begin(), flagged.end(), record.hash))
            records.push_back(record);
    });
    std::stable_sort(records.begin(), records.end(),
                     [](const Spilled& a, const Spilled& b) { return a.hash < b.hash; });
    return records;
}

// Records sharing a hash are compared by their real ids: the first line of each id is kept,
// and every later line with that id is a duplicate of it. One group at a time is in memory.
DuplicateLines DuplicateFinder::finish(const IdAt& id_at) {
    std::vector<Duplicate> found;
    if (std::vector<std::uint64_t> flagged = flagged_hashes(); !flagged.empty()) {
        const std::vector<Spilled> records = flagged_records(flagged);
        for (std::size_t begin = 0, end = 0; begin < records.size(); begin = end) {
            end = begin + 1;
            while (end < records.size() && records[end].hash == records[begin].hash)
                ++end;
            if (end - begin > 1)
                confirm_group(records.data() + begin, end - begin, id_at, found);
        }
    }
    std::sort(found.begin(), found.end(),
              [](const Duplicate& a, const Duplicate& b) { return a.line < b.line; });
    DuplicateLines duplicates;
    for (const Duplicate& duplicate : found)
        duplicates.add(duplicate);
    return duplicates;
}

void DuplicateFinder::confirm_group(const Spilled* group, std::size_t size, const IdAt& id_at,
                                    std::vector<Duplicate>& found) {
    std::unordered_map<std::string, std::uint64_t> first_lines;
    for (const Spilled* record = group; record != group + size; ++record) {
        auto [it, first] = first_lines.emplace(id_at(record->offset, record->line), record->line);
        if (!first)
            found.push_back({record->line, it->second, record->offset});
    }
}

} // namespace ferry::producer
