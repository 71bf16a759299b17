// Typed numeric arrays inside payloads and results (PROTOCOL.md section 5): reading the ext
// data's header and writing one, shared by the producer's renderer and the native worker.
#pragma once

#include "ferry/wire/generated/protocol_tables.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::wire {

// Bytes before the shape: the dtype code and the rank.
inline constexpr std::size_t typed_array_fixed_header = 2;

// A checked typed array: element type, shape, and its raw little-endian elements.
struct TypedArrayView {
    const tables::ArrayDtypeRow* dtype = nullptr; // element type (code, name, size, kind)
    std::vector<std::uint32_t> shape;             // sizes per dimension, outermost first
    std::string_view elements;                    // product(shape) x size bytes, unaligned
};

// The generated row of a dtype code, or nullptr for a code that is not in protocol.yaml.
[[nodiscard]] const tables::ArrayDtypeRow* array_dtype_of_code(std::uint8_t code);

// Reads ext data (after the ext header) into `view`; returns "" or what makes it malformed
// (short header, unknown dtype, rank above the limit, element bytes that do not match the
// shape). `view` refers into `data`.
[[nodiscard]] std::string parse_typed_array(std::string_view data, TypedArrayView& view);

// IEEE half precision to float (subnormals, infinities and NaN included).
[[nodiscard]] float half_to_float(std::uint16_t half);

// Appends a whole typed-array ext value: ext header, dtype code, rank, shape and `elements`
// (already little-endian, product(shape) x size bytes).
void append_typed_array(std::string& out, ArrayDtype dtype, std::span<const std::uint32_t> shape,
                        std::string_view elements);

} // namespace ferry::wire
