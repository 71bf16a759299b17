// Renders typed-array ext data back as JSON (nested lists of numbers) for output records.
#include "ferry/producer/json_msgpack.hpp"
#include "ferry/producer/typed_array.hpp"
#include "ferry/wire/protocol.hpp"
#include "ferry/wire/typed_array.hpp"
#include "typed_array_dtypes.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fmt/format.h>

namespace ferry::producer {
namespace {

// A checked typed array (wire's view) with the producer's dtype entry for rendering.
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

// Reads `data` into `view` through the shared parser; "" or what is wrong.
std::string parse(std::string_view data, ArrayView& view) {
    wire::TypedArrayView checked;
    std::string problem = wire::parse_typed_array(data, checked);
    if (!problem.empty())
        return problem;
    view.info = detail::dtype_of_code(static_cast<std::uint8_t>(checked.dtype->dtype));
    view.shape = std::move(checked.shape);
    view.elements = checked.elements;
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
            append_float(wire::half_to_float(static_cast<std::uint16_t>(bits)), out);
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
