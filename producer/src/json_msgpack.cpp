// JSON <-> MessagePack conversion used by the producer's input reader and output writer.
#include "ferry/producer/json_msgpack.hpp"

#include "ferry/wire/float64.hpp"
#include "msgpack_append.hpp"

#include <cmath>
#include <fmt/format.h>
#include <msgpack.hpp>

namespace ferry::producer {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

void pack_json(element value, std::string& out) {
    switch (value.type()) {
    case element_type::ARRAY: {
        simdjson::dom::array items = value.get_array().value_unsafe();
        detail::append_array_header(out, items.size());
        for (element item : items)
            pack_json(item, out);
        return;
    }
    case element_type::OBJECT: {
        simdjson::dom::object fields = value.get_object().value_unsafe();
        detail::append_map_header(out, fields.size());
        for (simdjson::dom::key_value_pair field : fields) {
            detail::append_str(out, field.key);
            pack_json(field.value, out);
        }
        return;
    }
    case element_type::INT64:
        detail::append_int(out, value.get_int64().value_unsafe());
        return;
    case element_type::UINT64:
        detail::append_uint(out, value.get_uint64().value_unsafe());
        return;
    case element_type::DOUBLE: {
        const auto bytes = wire::float64_bytes(value.get_double().value_unsafe());
        out.append(bytes.data(), bytes.size());
        return;
    }
    case element_type::STRING:
        detail::append_str(out, value.get_string().value_unsafe());
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
    detail::append_map_header(out, fields.size());
    for (simdjson::dom::key_value_pair field : fields) {
        detail::append_str(out, field.key);
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

void append_base64(std::string_view bytes, std::string& out) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out.push_back('"');
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        auto n = (std::uint32_t(std::uint8_t(bytes[i])) << 16) |
                 (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) | std::uint8_t(bytes[i + 2]);
        for (int shift = 18; shift >= 0; shift -= 6)
            out.push_back(alphabet[(n >> shift) & 63]);
    }
    if (std::size_t rest = bytes.size() - i; rest > 0) {
        std::uint32_t n = std::uint32_t(std::uint8_t(bytes[i])) << 16;
        if (rest == 2)
            n |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
        out.push_back(alphabet[(n >> 18) & 63]);
        out.push_back(alphabet[(n >> 12) & 63]);
        out.push_back(rest == 2 ? alphabet[(n >> 6) & 63] : '=');
        out.push_back('=');
    }
    out.push_back('"');
}

void append_double(double value, std::string& out) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    // Shortest text that reads back to the same double; keep "1.0" a float, not "1".
    std::string text = fmt::format("{}", value);
    if (text.find_first_of(".eE") == std::string::npos)
        text += ".0";
    out += text;
}

void append_map_key(const msgpack::object& key, std::string& out) {
    if (key.type == msgpack::type::STR) {
        append_json_string(std::string_view(key.via.str.ptr, key.via.str.size), out);
        return;
    }
    std::string text;
    append_json(key, text);
    append_json_string(text, out);
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

void append_json_string(std::string_view text, std::string& out) {
    out.push_back('"');
    for (char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
            } else {
                out.push_back(c);
            }
        }
    }
    out.push_back('"');
}

void append_json(const msgpack::object& value, std::string& out) {
    switch (value.type) {
    case msgpack::type::NIL:
        out += "null";
        return;
    case msgpack::type::BOOLEAN:
        out += value.via.boolean ? "true" : "false";
        return;
    case msgpack::type::POSITIVE_INTEGER:
        fmt::format_to(std::back_inserter(out), "{}", value.via.u64);
        return;
    case msgpack::type::NEGATIVE_INTEGER:
        fmt::format_to(std::back_inserter(out), "{}", value.via.i64);
        return;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
        append_double(value.via.f64, out);
        return;
    case msgpack::type::STR:
        append_json_string({value.via.str.ptr, value.via.str.size}, out);
        return;
    case msgpack::type::BIN:
        append_base64({value.via.bin.ptr, value.via.bin.size}, out);
        return;
    case msgpack::type::EXT:
        if (value.via.ext.type() == typed_array_ext_type) {
            append_typed_array_json({value.via.ext.data(), value.via.ext.size}, out);
            return;
        }
        append_base64({value.via.ext.data(), value.via.ext.size}, out);
        return;
    case msgpack::type::ARRAY:
        out.push_back('[');
        for (std::uint32_t i = 0; i < value.via.array.size; ++i) {
            if (i > 0)
                out.push_back(',');
            append_json(value.via.array.ptr[i], out);
        }
        out.push_back(']');
        return;
    case msgpack::type::MAP:
        out.push_back('{');
        for (std::uint32_t i = 0; i < value.via.map.size; ++i) {
            if (i > 0)
                out.push_back(',');
            append_map_key(value.via.map.ptr[i].key, out);
            out.push_back(':');
            append_json(value.via.map.ptr[i].val, out);
        }
        out.push_back('}');
        return;
    }
}

void append_json_from_msgpack(std::string_view bytes, std::string& out) {
    try {
        msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size());
        append_json(handle.get(), out);
    } catch (const std::exception& error) {
        append_json_string(fmt::format("<undecodable MessagePack: {}>", error.what()), out);
    }
}

} // namespace ferry::producer
