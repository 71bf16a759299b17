// The typed-array element types as packing and rendering use them: protocol.yaml's dtype table
// (generated into ferry/wire) with the integer range each one packs.
#pragma once

#include "ferry/producer/typed_array.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace ferry::producer::detail {

using wire::DtypeKind;

// One element type.
struct DtypeInfo {
    ArrayDtype dtype{};    // the wire code
    std::string_view name; // config and numpy name
    std::size_t size = 0;  // bytes per element
    DtypeKind kind{};      // how the bytes are read
    std::int64_t min = 0;  // smallest integer (integer kinds)
    std::uint64_t max = 0; // largest integer (integer kinds)
};

inline constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();
inline constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();

// A generated row with the range of integers its width holds (0..1 for bool).
constexpr DtypeInfo info_of(const wire::tables::ArrayDtypeRow& row) {
    DtypeInfo info{row.dtype, row.name, row.size, row.kind};
    const unsigned bits = 8 * static_cast<unsigned>(row.size);
    if (row.kind == DtypeKind::boolean) {
        info.max = 1;
    } else if (row.kind == DtypeKind::unsigned_int) {
        info.max = bits == 64 ? u64_max : (std::uint64_t{1} << bits) - 1;
    } else if (row.kind == DtypeKind::signed_int) {
        info.max = (std::uint64_t{1} << (bits - 1)) - 1;
        info.min = bits == 64 ? i64_min : -(std::int64_t{1} << (bits - 1));
    }
    return info;
}

// Indexed by code - 1 (checked below).
inline constexpr auto dtype_table_ = [] {
    std::array<DtypeInfo, wire::tables::array_dtype_rows.size()> table{};
    for (std::size_t i = 0; i < table.size(); ++i)
        table[i] = info_of(wire::tables::array_dtype_rows[i]);
    return table;
}();

static_assert(
    [] {
        for (std::size_t i = 0; i < dtype_table_.size(); ++i) {
            if (static_cast<std::size_t>(dtype_table_[i].dtype) != i + 1)
                return false;
        }
        return true;
    }(),
    "protocol.yaml typed_array.dtypes must list the codes 1, 2, 3, ... in order");

inline const auto& dtype_table() {
    return dtype_table_;
}

inline const DtypeInfo& dtype_info(ArrayDtype dtype) {
    return dtype_table_[static_cast<std::size_t>(dtype) - 1];
}

// The entry of a wire code, or nullptr for an unknown one.
inline const DtypeInfo* dtype_of_code(std::uint8_t code) {
    return code >= 1 && code <= dtype_table_.size() ? &dtype_table_[code - 1] : nullptr;
}

// The values a dtype holds, for messages: "0..255", "-2^63..2^63-1", "-3.4e38..3.4e38".
std::string range_text(const DtypeInfo& info);

} // namespace ferry::producer::detail
