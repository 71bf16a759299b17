// Payload fields to float32 rows: typed arrays copied or widened, lists of numbers converted.
#include "ferry/worker/tensor_input.hpp"

#include "ferry/wire/typed_array.hpp"

#include <bit>
#include <cstring>
#include <fmt/format.h>

namespace ferry::worker {
namespace {

bool is_typed_array(const msgpack::object& value) {
    return value.type == msgpack::type::EXT && value.via.ext.type() == wire::typed_array_ext_type;
}

std::string_view ext_data(const msgpack::object& value) {
    return {value.via.ext.data(), value.via.ext.size};
}

const char* type_text(const msgpack::object& value) {
    switch (value.type) {
    case msgpack::type::NIL:
        return "nil";
    case msgpack::type::BOOLEAN:
        return "a bool";
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER:
        return "an integer";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
        return "a float";
    case msgpack::type::STR:
        return "a str";
    case msgpack::type::BIN:
        return "a bin";
    case msgpack::type::ARRAY:
        return "a list";
    case msgpack::type::MAP:
        return "a map";
    case msgpack::type::EXT:
        return "an ext value";
    }
    return "a value";
}

bool is_number(const msgpack::object& value) {
    return value.type == msgpack::type::POSITIVE_INTEGER ||
           value.type == msgpack::type::NEGATIVE_INTEGER || value.type == msgpack::type::FLOAT32 ||
           value.type == msgpack::type::FLOAT64;
}

float number_of(const msgpack::object& value) {
    switch (value.type) {
    case msgpack::type::POSITIVE_INTEGER:
        return static_cast<float>(value.via.u64);
    case msgpack::type::NEGATIVE_INTEGER:
        return static_cast<float>(value.via.i64);
    default:
        return static_cast<float>(value.via.f64);
    }
}

std::string tensor_text(const InputSpec& input) {
    return input.tensor.empty() ? std::string("the model input")
                                : "model input '" + input.tensor + "'";
}

// The shape a (nested) list claims: the length at each level along its first elements.
std::vector<std::uint32_t> first_shape(const msgpack::object& value) {
    std::vector<std::uint32_t> shape;
    const msgpack::object* at = &value;
    while (at->type == msgpack::type::ARRAY) {
        shape.push_back(at->via.array.size);
        if (at->via.array.size == 0)
            break;
        at = &at->via.array.ptr[0];
    }
    return shape;
}

// "" when `value` is a list of numbers of exactly `shape` from `depth` on; "ragged", or what
// non-number it holds and where (`where` is the index path so far).
std::string check_list(const msgpack::object& value, const std::vector<std::uint32_t>& shape,
                       std::size_t depth, const std::string& where) {
    const bool leaf = depth == shape.size();
    if (value.type != msgpack::type::ARRAY) {
        if (is_number(value))
            return leaf ? "" : "ragged";
        return fmt::format("holds {} at {}; expected numbers", type_text(value), where);
    }
    if (leaf || value.via.array.size != shape[depth])
        return "ragged";
    for (std::uint32_t i = 0; i < value.via.array.size; ++i) {
        std::string problem =
            check_list(value.via.array.ptr[i], shape, depth + 1, fmt::format("{}[{}]", where, i));
        if (!problem.empty())
            return problem;
    }
    return {};
}

// Widens `count` little-endian elements of type T at `bytes` into floats.
template <class T> void widen(const char* bytes, std::size_t count, float* row) {
    for (std::size_t i = 0; i < count; ++i) {
        T element;
        std::memcpy(&element, bytes + i * sizeof(T), sizeof(T));
        row[i] = static_cast<float>(element);
    }
}

void fill_typed(const wire::TypedArrayView& array, std::size_t count, float* row) {
    const char* bytes = array.elements.data();
    switch (array.dtype->dtype) {
    case wire::ArrayDtype::float32:
        std::memcpy(row, bytes, count * sizeof(float));
        return;
    case wire::ArrayDtype::bool_:
    case wire::ArrayDtype::uint8:
        widen<std::uint8_t>(bytes, count, row);
        return;
    case wire::ArrayDtype::int8:
        widen<std::int8_t>(bytes, count, row);
        return;
    case wire::ArrayDtype::int16:
        widen<std::int16_t>(bytes, count, row);
        return;
    case wire::ArrayDtype::uint16:
        widen<std::uint16_t>(bytes, count, row);
        return;
    case wire::ArrayDtype::int32:
        widen<std::int32_t>(bytes, count, row);
        return;
    case wire::ArrayDtype::uint32:
        widen<std::uint32_t>(bytes, count, row);
        return;
    case wire::ArrayDtype::int64:
        widen<std::int64_t>(bytes, count, row);
        return;
    case wire::ArrayDtype::uint64:
        widen<std::uint64_t>(bytes, count, row);
        return;
    case wire::ArrayDtype::float64:
        widen<double>(bytes, count, row);
        return;
    case wire::ArrayDtype::float16:
        for (std::size_t i = 0; i < count; ++i) {
            std::uint16_t half;
            std::memcpy(&half, bytes + 2 * i, 2);
            row[i] = wire::half_to_float(half);
        }
        return;
    }
}

void fill_list(const msgpack::object& value, float*& at) {
    if (value.type != msgpack::type::ARRAY) {
        *at++ = number_of(value);
        return;
    }
    for (std::uint32_t i = 0; i < value.via.array.size; ++i)
        fill_list(value.via.array.ptr[i], at);
}

} // namespace

Payload::Payload(std::string_view bytes, msgpack::zone& zone) {
    decode(bytes, zone, true);
}

Payload::Payload(std::string_view bytes) : own_zone_(std::make_unique<msgpack::zone>()) {
    decode(bytes, *own_zone_, false);
}

void Payload::decode(std::string_view bytes, msgpack::zone& zone, bool reference) {
    try {
        std::size_t offset = 0;
        // referenced: str, bin and ext point into `bytes` instead of being copied
        object_ = msgpack::unpack(
            zone, bytes.data(), bytes.size(), offset,
            [](msgpack::type::object_type, std::size_t, void* refer) { return refer != nullptr; },
            reference ? &zone : nullptr);
        if (offset != bytes.size())
            problem_ = fmt::format("payload is not one MessagePack value: {} bytes after it",
                                   bytes.size() - offset);
    } catch (const std::exception& error) {
        problem_ = fmt::format("payload is not one MessagePack value: {}", error.what());
    }
}

const msgpack::object* Payload::find(const std::vector<std::string>& path) const {
    const msgpack::object* at = &object_;
    for (const auto& key : path) {
        if (at->type != msgpack::type::MAP)
            return nullptr;
        const msgpack::object* next = nullptr;
        for (std::uint32_t i = 0; i < at->via.map.size; ++i) {
            const auto& entry = at->via.map.ptr[i];
            if (entry.key.type == msgpack::type::STR &&
                std::string_view(entry.key.via.str.ptr, entry.key.via.str.size) == key) {
                next = &entry.val;
                break;
            }
        }
        if (next == nullptr)
            return nullptr;
        at = next;
    }
    return at;
}

bool Payload::has_key(std::string_view key) const {
    return problem_.empty() && find({std::string(key)}) != nullptr;
}

std::string Payload::describe() const {
    return type_text(object_);
}

std::string shape_text(const std::vector<std::uint32_t>& shape) {
    return fmt::format("[{}]", fmt::join(shape, ", "));
}

std::size_t row_elements(const std::vector<std::uint32_t>& shape) {
    std::size_t count = 1;
    for (const auto dim : shape)
        count *= dim;
    return count;
}

std::string check_input(const InputSpec& input, const Payload& payload) {
    if (!payload.problem().empty())
        return payload.problem();
    const msgpack::object* value = payload.find(input.path);
    if (value == nullptr) {
        return fmt::format("payload ({}) has no field '{}'; {} needs it, shape {} per job",
                           payload.describe(), input.field, tensor_text(input),
                           shape_text(input.shape));
    }
    std::vector<std::uint32_t> shape;
    if (is_typed_array(*value)) {
        wire::TypedArrayView array;
        std::string problem = wire::parse_typed_array(ext_data(*value), array);
        if (!problem.empty()) {
            return fmt::format("payload field '{}' is a malformed typed array (MessagePack ext "
                               "0x41): {}",
                               input.field, problem);
        }
        shape = array.shape;
    } else if (value->type == msgpack::type::ARRAY) {
        shape = first_shape(*value);
        std::string problem = check_list(*value, shape, 0, input.field);
        if (problem == "ragged")
            return fmt::format("payload field '{}' is a ragged list; {} expects shape {} per job",
                               input.field, tensor_text(input), shape_text(input.shape));
        if (!problem.empty())
            return fmt::format("payload field '{}' {}", input.field, problem);
    } else {
        return fmt::format("payload field '{}' is {}; {} expects numbers of shape {} per job (a "
                           "list or a typed array)",
                           input.field, type_text(*value), tensor_text(input),
                           shape_text(input.shape));
    }
    if (shape != input.shape) {
        return fmt::format("payload field '{}' has shape {}; {} expects {} per job", input.field,
                           shape_text(shape), tensor_text(input), shape_text(input.shape));
    }
    return {};
}

void fill_row(const InputSpec& input, const Payload& payload, float* row) {
    const msgpack::object& value = *payload.find(input.path);
    if (is_typed_array(value)) {
        wire::TypedArrayView array;
        (void)wire::parse_typed_array(ext_data(value), array);
        fill_typed(array, row_elements(input.shape), row);
        return;
    }
    float* at = row;
    fill_list(value, at);
}

} // namespace ferry::worker
