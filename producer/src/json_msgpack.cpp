// JSON payloads -> MessagePack bytes written straight into the record; declared fields as typed
// arrays.
#include "ferry/producer/json_msgpack.hpp"

#include "ferry/wire/float64.hpp"
#include "ferry/wire/msgpack_append.hpp"

#include <fmt/format.h>

namespace ferry::producer {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

void pack_json(element value, std::string& out) {
    switch (value.type()) {
    case element_type::ARRAY: {
        simdjson::dom::array items = value.get_array().value_unsafe();
        wire::append_array_header(out, items.size());
        for (element item : items)
            pack_json(item, out);
        return;
    }
    case element_type::OBJECT: {
        simdjson::dom::object fields = value.get_object().value_unsafe();
        wire::append_map_header(out, fields.size());
        for (simdjson::dom::key_value_pair field : fields) {
            wire::append_str(out, field.key);
            pack_json(field.value, out);
        }
        return;
    }
    case element_type::INT64:
        wire::append_int(out, value.get_int64().value_unsafe());
        return;
    case element_type::UINT64:
        wire::append_uint(out, value.get_uint64().value_unsafe());
        return;
    case element_type::DOUBLE: {
        const auto bytes = wire::float64_bytes(value.get_double().value_unsafe());
        out.append(bytes.data(), bytes.size());
        return;
    }
    case element_type::STRING:
        wire::append_str(out, value.get_string().value_unsafe());
        return;
    case element_type::BOOL:
        out.push_back(static_cast<char>(value.get_bool().value_unsafe() ? 0xc3 : 0xc2));
        return;
    case element_type::NULL_VALUE:
        out.push_back(static_cast<char>(0xc0));
        return;
    }
}

const ArrayDtype* array_dtype_of(std::string_view key, const ArrayFields& arrays) {
    for (const auto& [name, dtype] : arrays) {
        if (name == key)
            return &dtype;
    }
    return nullptr;
}

// An object payload whose declared fields become typed arrays; "" or what is wrong.
std::string pack_with_arrays(simdjson::dom::object fields, const ArrayFields& arrays,
                             std::string& out) {
    wire::append_map_header(out, fields.size());
    for (simdjson::dom::key_value_pair field : fields) {
        wire::append_str(out, field.key);
        const ArrayDtype* dtype = array_dtype_of(field.key, arrays);
        if (dtype == nullptr) {
            pack_json(field.value, out);
            continue;
        }
        if (std::string problem = append_typed_array(field.value, *dtype, out); !problem.empty()) {
            return fmt::format("payload field \"{}\" (declared {} in input.arrays): {}", field.key,
                               dtype_name(*dtype), problem);
        }
    }
    return {};
}

} // namespace

std::string json_to_msgpack(simdjson::dom::element value) {
    std::string out;
    pack_json(value, out);
    return out;
}

std::string append_msgpack(simdjson::dom::element value, const ArrayFields& arrays,
                           std::string& out) {
    if (arrays.empty() || !value.is_object()) {
        pack_json(value, out);
        return {};
    }
    const std::size_t start = out.size();
    std::string problem = pack_with_arrays(value.get_object().value_unsafe(), arrays, out);
    if (!problem.empty())
        out.resize(start);
    return problem;
}

} // namespace ferry::producer
