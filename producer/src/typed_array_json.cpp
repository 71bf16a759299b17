// Renders typed-array ext data back as JSON (nested lists of numbers) for output records.
#include "ferry/producer/json_msgpack.hpp"
#include "ferry/producer/typed_array.hpp"
#include "ferry/wire/protocol.hpp"
#include "typed_array_dtypes.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fmt/format.h>

namespace ferry::producer {
namespace {

// A checked header: element type, shape, and where the elements start.
struct ArrayView {
    const detail::DtypeInfo* info = nullptr; // element type
    std::vector<std::uint32_t> shape;        // sizes per level
    std::string_view elements;               // the raw little-endian elements
};

std::uint64_t read_little_endian(const char* bytes, std::size_t size) {
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < size; ++i)
        bits |= std::uint64_t(std::uint8_t(bytes[i])) << (8 * i);
    return bits;
}

// Reads the header of `data` into `view`; "" or what is wrong.
std::string parse(std::string_view data, ArrayView& view) {
    if (data.size() < typed_array_fixed_header)
        return fmt::format("{} bytes, shorter than the 2-byte header", data.size());
    const auto code = static_cast<std::uint8_t>(data[0]);
    view.info = detail::dtype_of_code(code);
    if (view.info == nullptr)
        return fmt::format("unknown dtype code {}", code);
    const auto rank = static_cast<std::uint8_t>(data[1]);
    if (rank > typed_array_max_rank)
        return fmt::format("rank {} is above the limit of {}", rank, typed_array_max_rank);
    const std::size_t header = typed_array_fixed_header + 4 * std::size_t(rank);
    if (data.size() < header)
        return fmt::format("{} bytes, shorter than the header of rank {} ({})", data.size(), rank,
                           header);
    // element bytes as a 64-bit product; a shape that overflows it cannot match any data
    std::uint64_t bytes = view.info->size;
    bool overflow = false;
    for (std::size_t i = 0; i < rank; ++i) {
        view.shape.push_back(static_cast<std::uint32_t>(
            read_little_endian(data.data() + typed_array_fixed_header + 4 * i, 4)));
        overflow = overflow || __builtin_mul_overflow(bytes, view.shape.back(), &bytes);
    }
    view.elements = data.substr(header);
    if (overflow || bytes != view.elements.size()) {
        return fmt::format("{} element bytes where shape and {} need {}", view.elements.size(),
                           view.info->name,
                           overflow ? std::string("more than 2^64") : std::to_string(bytes));
    }
    return {};
}

// A float written shortest-exact for its own width, and always with a fraction or exponent.
template <class Float> void append_float(Float value, std::string& out) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    const std::size_t start = out.size();
    fmt::format_to(std::back_inserter(out), "{}", value);
    if (out.find_first_of(".eE", start) == std::string::npos)
        out += ".0";
}

// IEEE half precision to float (subnormals, infinities and NaN included).
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

void append_element(const detail::DtypeInfo& info, const char* bytes, std::string& out) {
    const std::uint64_t bits = read_little_endian(bytes, info.size);
    switch (info.kind) {
    case detail::DtypeKind::boolean:
        out += bits != 0 ? "true" : "false";
        return;
    case detail::DtypeKind::unsigned_int:
        fmt::format_to(std::back_inserter(out), "{}", bits);
        return;
    case detail::DtypeKind::signed_int: {
        const unsigned shift = 64 - 8 * unsigned(info.size); // sign-extend from the element width
        fmt::format_to(std::back_inserter(out), "{}",
                       static_cast<std::int64_t>(bits << shift) >> shift);
        return;
    }
    case detail::DtypeKind::floating:
        if (info.size == 2)
            append_float(half_to_float(static_cast<std::uint16_t>(bits)), out);
        else if (info.size == 4)
            append_float(std::bit_cast<float>(static_cast<std::uint32_t>(bits)), out);
        else
            append_float(std::bit_cast<double>(bits), out);
        return;
    }
}

// Writes level `depth` of the array, advancing `at` through the elements.
void append_level(const ArrayView& view, std::size_t depth, const char*& at, std::string& out) {
    if (depth == view.shape.size()) {
        append_element(*view.info, at, out);
        at += view.info->size;
        return;
    }
    out.push_back('[');
    for (std::uint32_t i = 0; i < view.shape[depth]; ++i) {
        if (i > 0)
            out.push_back(',');
        append_level(view, depth + 1, at, out);
    }
    out.push_back(']');
}

// Why a well-formed array with a zero dimension is still refused: it holds no element bytes, so
// its size says nothing about the lists it renders; shape [4000000000, 0] is 4 billion `[]`.
// The lists before the first zero dimension are capped at limits.max_batch, the most items the
// protocol lets one list carry. "" when within it.
std::string empty_lists_problem(const ArrayView& view) {
    std::uint64_t lists = 1;
    bool empty = false; // a zero dimension: no element bytes at all
    for (std::uint32_t dim : view.shape) {
        empty = dim == 0;
        if (empty)
            break;
        lists = std::min<std::uint64_t>(lists * dim, wire::max_batch + 1); // no overflow
    }
    if (!empty || lists <= wire::max_batch)
        return {};
    std::string shape;
    for (std::uint32_t dim : view.shape)
        fmt::format_to(std::back_inserter(shape), "{}{}", shape.empty() ? "" : ", ", dim);
    return fmt::format("shape [{}] renders more than {} empty lists (limits.max_batch)", shape,
                       wire::max_batch);
}

} // namespace

std::string typed_array_problem(std::string_view ext_data) {
    ArrayView view;
    return parse(ext_data, view);
}

void append_typed_array_json(std::string_view ext_data, std::string& out) {
    ArrayView view;
    std::string problem = parse(ext_data, view);
    if (problem.empty())
        problem = empty_lists_problem(view);
    if (!problem.empty()) {
        append_json_string(fmt::format("<malformed typed array: {}>", problem), out);
        return;
    }
    const char* at = view.elements.data();
    append_level(view, 0, at, out);
}

} // namespace ferry::producer
