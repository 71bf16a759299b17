// Typed-array ext data: header checks and writing.
#include "ferry/wire/typed_array.hpp"

#include "ferry/wire/msgpack_append.hpp"

#include <bit>
#include <cmath>

namespace ferry::wire {
namespace {

std::uint32_t read_u32_le(const char* bytes) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i)
        value |= std::uint32_t(std::uint8_t(bytes[i])) << (8 * i);
    return value;
}

void append_u32_le(std::string& out, std::uint32_t value) {
    for (std::size_t i = 0; i < 4; ++i)
        out.push_back(static_cast<char>(value >> (8 * i)));
}

} // namespace

const tables::ArrayDtypeRow* array_dtype_of_code(std::uint8_t code) {
    for (const auto& row : tables::array_dtype_rows) {
        if (static_cast<std::uint8_t>(row.dtype) == code)
            return &row;
    }
    return nullptr;
}

std::string parse_typed_array(std::string_view data, TypedArrayView& view) {
    view.shape.clear();
    if (data.size() < typed_array_fixed_header)
        return std::to_string(data.size()) + " bytes, shorter than the 2-byte header";
    const auto code = static_cast<std::uint8_t>(data[0]);
    view.dtype = array_dtype_of_code(code);
    if (view.dtype == nullptr)
        return "unknown dtype code " + std::to_string(code);
    const auto rank = static_cast<std::uint8_t>(data[1]);
    if (rank > typed_array_max_rank)
        return "rank " + std::to_string(rank) + " is above the limit of " +
               std::to_string(typed_array_max_rank);
    const std::size_t header = typed_array_fixed_header + 4 * std::size_t(rank);
    if (data.size() < header)
        return std::to_string(data.size()) + " bytes, shorter than the header of rank " +
               std::to_string(rank) + " (" + std::to_string(header) + ")";
    // element bytes as a 64-bit product; a shape that overflows it cannot match any data
    std::uint64_t bytes = view.dtype->size;
    bool overflow = false;
    for (std::size_t i = 0; i < rank; ++i) {
        view.shape.push_back(read_u32_le(data.data() + typed_array_fixed_header + 4 * i));
        overflow = overflow || __builtin_mul_overflow(bytes, view.shape.back(), &bytes);
    }
    view.elements = data.substr(header);
    if (overflow || bytes != view.elements.size()) {
        return std::to_string(view.elements.size()) + " element bytes where shape and " +
               std::string(view.dtype->name) + " need " +
               (overflow ? std::string("more than 2^64") : std::to_string(bytes));
    }
    return {};
}

float half_to_float(std::uint16_t half) {
    const std::uint32_t sign = std::uint32_t(half & 0x8000) << 16;
    const int exponent = (half >> 10) & 0x1f;
    const std::uint32_t mantissa = half & 0x3ff;
    if (exponent == 0) {
        const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31)
        return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
    return std::bit_cast<float>(sign | std::uint32_t(exponent + 112) << 23 | (mantissa << 13));
}

void append_typed_array(std::string& out, ArrayDtype dtype, std::span<const std::uint32_t> shape,
                        std::string_view elements) {
    const std::size_t size = typed_array_fixed_header + 4 * shape.size() + elements.size();
    append_ext_header(out, typed_array_ext_type, size);
    out.push_back(static_cast<char>(dtype));
    out.push_back(static_cast<char>(shape.size()));
    for (const std::uint32_t dim : shape)
        append_u32_le(out, dim);
    out.append(elements);
}

} // namespace ferry::wire
