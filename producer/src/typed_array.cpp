// Packs JSON lists into typed-array ext values (dtype, shape, raw little-endian elements).
#include "ferry/producer/typed_array.hpp"

#include "ferry/wire/msgpack_append.hpp"
#include "typed_array_dtypes.hpp"

#include <bit>
#include <cmath>
#include <fmt/format.h>
#include <limits>

namespace ferry::producer {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Appends the low `bytes` bytes of `bits`, least significant first.
void append_little_endian(std::string& out, std::uint64_t bits, std::size_t bytes) {
    char little[8];
    for (std::size_t i = 0; i < bytes; ++i)
        little[i] = static_cast<char>(bits >> (8 * i));
    out.append(little, bytes);
}

const char* json_kind(element value) {
    switch (value.type()) {
    case element_type::ARRAY:
        return "a list";
    case element_type::OBJECT:
        return "an object";
    case element_type::STRING:
        return "a string";
    case element_type::BOOL:
        return "a bool";
    case element_type::NULL_VALUE:
        return "null";
    default:
        return "a number";
    }
}

// One packing: the dtype, the shape found from the first elements, where it is (for messages).
class ArrayPacker {
  public:
    ArrayPacker(ArrayDtype dtype, std::string& out) : info_(detail::dtype_info(dtype)), out_(out) {}

    // The shape, from the first element of each level; "" or what is wrong.
    std::string find_shape(element value) {
        if (!value.is_array())
            return fmt::format("must be a list of numbers, not {}", json_kind(value));
        while (value.is_array()) {
            simdjson::dom::array items = value.get_array().value_unsafe();
            if (shape_.size() == typed_array_max_rank)
                return fmt::format("lists nest deeper than {} levels", typed_array_max_rank);
            const std::size_t size = items.size();
            if (size > std::numeric_limits<std::uint32_t>::max())
                return "a list has more than 2^32-1 items";
            shape_.push_back(static_cast<std::uint32_t>(size));
            if (size == 0)
                break;
            value = items.at(0).value_unsafe();
        }
        return {};
    }

    void write_header() {
        std::size_t count = 1;
        for (std::uint32_t dim : shape_)
            count *= dim;
        const std::size_t header = typed_array_fixed_header + 4 * shape_.size();
        out_.reserve(out_.size() + 16 + header +
                     count * info_.size); // one growth, not one per element
        wire::append_ext_header(out_, typed_array_ext_type, header + count * info_.size);
        out_.push_back(static_cast<char>(info_.dtype));
        out_.push_back(static_cast<char>(shape_.size()));
        for (std::uint32_t dim : shape_)
            append_little_endian(out_, dim, 4);
    }

    // Writes the elements of `value` at nesting `depth`; "" or what is wrong and where.
    std::string write(element value, std::size_t depth) {
        if (depth == shape_.size())
            return write_scalar(value);
        if (!value.is_array()) {
            return fmt::format("element {} is {} where a list of {} was expected", where(),
                               json_kind(value), shape_[depth]);
        }
        simdjson::dom::array items = value.get_array().value_unsafe();
        if (items.size() != shape_[depth]) {
            return fmt::format("ragged lists: element {} has {} items, the first list at that "
                               "depth has {}",
                               where(), items.size(), shape_[depth]);
        }
        path_.push_back(0);
        for (element item : items) {
            if (depth + 1 == shape_.size() && write_plain_number(item)) {
                ++path_.back();
                continue;
            }
            if (std::string problem = write(item, depth + 1); !problem.empty())
                return problem;
            ++path_.back();
        }
        path_.pop_back();
        return {};
    }

  private:
    // The common element: an integer that fits an integer dtype. Written at once; anything
    // else (false) goes the long way, which also words the errors.
    bool write_plain_number(element value) {
        if (info_.kind != detail::DtypeKind::unsigned_int &&
            info_.kind != detail::DtypeKind::signed_int)
            return false;
        std::int64_t v = 0;
        if (value.type() == element_type::INT64)
            v = value.get_int64().value_unsafe();
        else
            return false;
        if (v < info_.min || (v > 0 && static_cast<std::uint64_t>(v) > info_.max))
            return false;
        if (info_.size == 1)
            out_.push_back(static_cast<char>(v));
        else
            append_little_endian(out_, static_cast<std::uint64_t>(v), info_.size);
        return true;
    }

    std::string where() const {
        std::string text;
        for (std::size_t index : path_)
            fmt::format_to(std::back_inserter(text), "[{}]", index);
        return text.empty() ? "[]" : text;
    }

    std::string write_scalar(element value) {
        switch (value.type()) {
        case element_type::INT64:
            return write_integer(value.get_int64().value_unsafe());
        case element_type::UINT64:
            return write_unsigned(value.get_uint64().value_unsafe());
        case element_type::DOUBLE:
            return write_double(value.get_double().value_unsafe());
        case element_type::BOOL:
            if (info_.dtype != ArrayDtype::bool_)
                return fmt::format("element {} is a bool, not a number", where());
            out_.push_back(value.get_bool().value_unsafe() ? 1 : 0);
            return {};
        default:
            return fmt::format("element {} is {}, not a number", where(), json_kind(value));
        }
    }

    std::string not_bool() const {
        return fmt::format("element {} is a number; a bool array takes true and false", where());
    }

    std::string out_of_range(std::string_view text) const {
        return fmt::format("element {} is {}, out of range for {} ({})", where(), text, info_.name,
                           detail::range_text(info_));
    }

    std::string write_integer(std::int64_t v) {
        if (info_.kind == detail::DtypeKind::floating)
            return write_double(static_cast<double>(v));
        if (info_.kind == detail::DtypeKind::boolean)
            return not_bool();
        if (v < info_.min || (v > 0 && static_cast<std::uint64_t>(v) > info_.max))
            return out_of_range(std::to_string(v));
        append_little_endian(out_, static_cast<std::uint64_t>(v), info_.size);
        return {};
    }

    std::string write_unsigned(std::uint64_t v) {
        if (info_.kind == detail::DtypeKind::floating)
            return write_double(static_cast<double>(v));
        if (info_.kind == detail::DtypeKind::boolean)
            return not_bool();
        if (v > info_.max)
            return out_of_range(std::to_string(v));
        append_little_endian(out_, v, info_.size);
        return {};
    }

    std::string write_double(double v) {
        if (info_.kind == detail::DtypeKind::boolean)
            return not_bool();
        if (info_.kind != detail::DtypeKind::floating) {
            return fmt::format("element {} is {}, not an integer as {} needs", where(), v,
                               info_.name);
        }
        if (info_.dtype == ArrayDtype::float64) {
            append_little_endian(out_, std::bit_cast<std::uint64_t>(v), 8);
            return {};
        }
        if (std::fabs(v) > std::numeric_limits<float>::max())
            return out_of_range(fmt::format("{}", v));
        append_little_endian(out_, std::bit_cast<std::uint32_t>(static_cast<float>(v)), 4);
        return {};
    }

    const detail::DtypeInfo& info_;    // the element type
    std::string& out_;                 // where the ext goes
    std::vector<std::uint32_t> shape_; // sizes of each level
    std::vector<std::size_t> path_;    // index of the element being written, per level
};

} // namespace

namespace detail {

std::string range_text(const DtypeInfo& info) {
    switch (info.kind) {
    case DtypeKind::boolean:
        return "false..true";
    case DtypeKind::floating: // the largest finite value of each IEEE width, rounded
        return info.size == 2   ? "-65504..65504"
               : info.size == 4 ? "-3.4e38..3.4e38"
                                : "-1.8e308..1.8e308";
    case DtypeKind::signed_int:
        return info.size == 8 ? "-2^63..2^63-1" : fmt::format("{}..{}", info.min, info.max);
    case DtypeKind::unsigned_int:
        return info.size == 8 ? "0..2^64-1" : fmt::format("0..{}", info.max);
    }
    return {};
}

} // namespace detail

std::optional<ArrayDtype> dtype_named(std::string_view name) {
    for (const auto& info : detail::dtype_table()) {
        if (info.name == name)
            return info.dtype;
    }
    return std::nullopt;
}

std::string_view dtype_name(ArrayDtype dtype) {
    return detail::dtype_info(dtype).name;
}

std::string packable_dtype_names() {
    std::string names;
    for (const auto& info : detail::dtype_table()) {
        if (info.dtype == ArrayDtype::float16)
            continue;
        names += names.empty() ? "" : ", ";
        names += info.name;
    }
    return names;
}

std::string append_typed_array(element value, ArrayDtype dtype, std::string& out) {
    if (dtype == ArrayDtype::float16)
        return "float16 arrays cannot be packed from JSON; use float32";
    const std::size_t start = out.size();
    ArrayPacker packer(dtype, out);
    std::string problem = packer.find_shape(value);
    if (problem.empty()) {
        packer.write_header();
        problem = packer.write(value, 0);
    }
    if (!problem.empty())
        out.resize(start);
    return problem;
}

} // namespace ferry::producer
