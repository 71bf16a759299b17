// Picking scalars out of JSON records and MessagePack results by dotted path.
#include "ferry/producer/field_value.hpp"

#include "ferry/producer/json_msgpack.hpp"

#include <cmath>

namespace ferry::producer {

bool FieldValue::same_as(const FieldValue& other) const {
    if (!present || !other.present)
        return false;
    if (numeric && other.numeric)
        return number == other.number;
    return numeric == other.numeric && text == other.text;
}

std::vector<std::string> split_path(std::string_view dotted) {
    std::vector<std::string> parts;
    while (!dotted.empty()) {
        std::size_t dot = dotted.find('.');
        parts.emplace_back(dotted.substr(0, dot));
        if (dot == std::string_view::npos)
            break;
        dotted.remove_prefix(dot + 1);
    }
    return parts;
}

FieldValue field_from_json(simdjson::dom::element record, const std::vector<std::string>& path) {
    simdjson::dom::element at = record;
    for (const auto& key : path) {
        if (!at.is_object() || at[key].get(at) != simdjson::SUCCESS)
            return {};
    }
    FieldValue value{true, false, 0, {}};
    if (at.is_number()) {
        value.numeric = true;
        value.number = at.is_double()  ? at.get_double().value_unsafe()
                       : at.is_int64() ? double(at.get_int64().value_unsafe())
                                       : double(at.get_uint64().value_unsafe());
    } else if (at.is_string()) {
        value.text = std::string(at.get_string().value_unsafe());
    } else {
        value.text = simdjson::minify(at);
    }
    return value;
}

namespace {

const msgpack::object* map_lookup(const msgpack::object& map, std::string_view key) {
    if (map.type != msgpack::type::MAP)
        return nullptr;
    for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
        const auto& entry = map.via.map.ptr[i];
        if (entry.key.type == msgpack::type::STR &&
            std::string_view(entry.key.via.str.ptr, entry.key.via.str.size) == key) {
            return &entry.val;
        }
    }
    return nullptr;
}

} // namespace

const msgpack::object* find_in_msgpack(const msgpack::object& value,
                                       const std::vector<std::string>& path) {
    const msgpack::object* at = &value;
    for (const auto& key : path) {
        at = map_lookup(*at, key);
        if (at == nullptr)
            return nullptr;
    }
    return at;
}

FieldValue field_from_msgpack(const msgpack::object& value, const std::vector<std::string>& path) {
    const msgpack::object* at = find_in_msgpack(value, path);
    if (at == nullptr)
        return {};
    FieldValue out{true, false, 0, {}};
    switch (at->type) {
    case msgpack::type::POSITIVE_INTEGER:
        out.numeric = true;
        out.number = double(at->via.u64);
        break;
    case msgpack::type::NEGATIVE_INTEGER:
        out.numeric = true;
        out.number = double(at->via.i64);
        break;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
        out.numeric = true;
        out.number = at->via.f64;
        break;
    case msgpack::type::STR:
        out.text.assign(at->via.str.ptr, at->via.str.size);
        break;
    default:
        append_json(*at, out.text);
    }
    return out;
}

} // namespace ferry::producer
