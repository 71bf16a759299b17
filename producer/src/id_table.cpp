// The compact id table's placement, and the arena-backed exact id set.
#include "ferry/producer/id_table.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>

namespace ferry::producer {
namespace {
constexpr std::size_t min_slots = 16;
} // namespace

std::uint64_t hash_id(std::string_view id) {
    return std::hash<std::string_view>{}(id);
}

IdTable::IdTable(std::size_t expected)
    : slots_(std::bit_ceil(std::max(min_slots, expected * 4 / 3 + 1)), 0),
      mask_(slots_.size() - 1) {}

void IdTable::place(std::uint64_t hash, std::uint64_t reference) {
    std::size_t at = hash & mask_;
    while (slots_[at] != 0)
        at = (at + 1) & mask_;
    slots_[at] = (hash >> reference_bits) << reference_bits | (reference + 1);
}

std::optional<std::uint64_t> SeenIds::first_use(std::string_view id, std::uint64_t line) {
    const std::uint64_t hash = hash_(id);
    const auto earlier = table_.find(hash, [&](std::uint64_t at) { return id_at(at) == id; });
    if (earlier)
        return line_at(*earlier);
    const std::uint64_t offset = arena_.size();
    const auto size = static_cast<std::uint32_t>(id.size());
    arena_.append(reinterpret_cast<const char*>(&line), sizeof(line));
    arena_.append(reinterpret_cast<const char*>(&size), sizeof(size));
    arena_.append(id);
    table_.insert(hash, offset, [this](std::uint64_t at) { return hash_(id_at(at)); });
    return std::nullopt;
}

std::string_view SeenIds::id_at(std::uint64_t offset) const {
    std::uint32_t size = 0;
    std::memcpy(&size, arena_.data() + offset + sizeof(std::uint64_t), sizeof(size));
    return std::string_view(arena_).substr(offset + sizeof(std::uint64_t) + sizeof(size), size);
}

std::uint64_t SeenIds::line_at(std::uint64_t offset) const {
    std::uint64_t line = 0;
    std::memcpy(&line, arena_.data() + offset, sizeof(line));
    return line;
}

} // namespace ferry::producer
