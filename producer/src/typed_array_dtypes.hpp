// The table of typed-array element types: wire code, name, size, range (packing and rendering).
#pragma once

#include "ferry/producer/typed_array.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <string_view>

namespace ferry::producer::detail {

// How an element's bytes are read.
enum class DtypeKind { boolean, signed_int, unsigned_int, floating };

// One element type.
struct DtypeInfo {
    ArrayDtype dtype;          // the wire code
    std::string_view name;     // config and numpy name
    std::size_t size;          // bytes per element
    DtypeKind kind;            // how the bytes are read
    std::int64_t min;          // smallest integer (integer kinds)
    std::uint64_t max;         // largest integer (integer kinds)
    std::string_view min_text; // range for messages
    std::string_view max_text; // range for messages
};

inline constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();
inline constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();

// Indexed by code - 1: the codes are 1..12 in order.
inline constexpr std::array<DtypeInfo, 12> dtype_table_ = {{
    {ArrayDtype::bool_, "bool", 1, DtypeKind::boolean, 0, 1, "false", "true"},
    {ArrayDtype::int8, "int8", 1, DtypeKind::signed_int, -128, 127, "-128", "127"},
    {ArrayDtype::uint8, "uint8", 1, DtypeKind::unsigned_int, 0, 255, "0", "255"},
    {ArrayDtype::int16, "int16", 2, DtypeKind::signed_int, -32768, 32767, "-32768", "32767"},
    {ArrayDtype::uint16, "uint16", 2, DtypeKind::unsigned_int, 0, 65535, "0", "65535"},
    {ArrayDtype::int32, "int32", 4, DtypeKind::signed_int, -2147483648LL, 2147483647, "-2147483648",
     "2147483647"},
    {ArrayDtype::uint32, "uint32", 4, DtypeKind::unsigned_int, 0, 4294967295ULL, "0", "4294967295"},
    {ArrayDtype::int64, "int64", 8, DtypeKind::signed_int, i64_min, 9223372036854775807ULL, "-2^63",
     "2^63-1"},
    {ArrayDtype::uint64, "uint64", 8, DtypeKind::unsigned_int, 0, u64_max, "0", "2^64-1"},
    {ArrayDtype::float16, "float16", 2, DtypeKind::floating, 0, 0, "-65504", "65504"},
    {ArrayDtype::float32, "float32", 4, DtypeKind::floating, 0, 0, "-3.4e38", "3.4e38"},
    {ArrayDtype::float64, "float64", 8, DtypeKind::floating, 0, 0, "-1.8e308", "1.8e308"},
}};

inline const std::array<DtypeInfo, 12>& dtype_table() {
    return dtype_table_;
}

inline const DtypeInfo& dtype_info(ArrayDtype dtype) {
    return dtype_table_[static_cast<std::size_t>(dtype) - 1];
}

// The entry of a wire code, or nullptr for an unknown one.
inline const DtypeInfo* dtype_of_code(std::uint8_t code) {
    return code >= 1 && code <= dtype_table_.size() ? &dtype_table_[code - 1] : nullptr;
}

} // namespace ferry::producer::detail
