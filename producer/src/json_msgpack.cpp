// JSON -> MessagePack conversion of input payloads (the other direction: msgpack_json.cpp).
#include "ferry/producer/json_msgpack.hpp"

#include "ferry/wire/float64.hpp"
#include "ferry/wire/msgpack_values.hpp"

#include <msgpack.hpp>

namespace ferry::producer {
namespace {

void pack_json(simdjson::dom::element value, msgpack::sbuffer& buffer,
               msgpack::packer<msgpack::sbuffer>& packer) {
    using simdjson::dom::element_type;
    switch (value.type()) {
    case element_type::ARRAY: {
        simdjson::dom::array items = value.get_array().value_unsafe();
        packer.pack_array(static_cast<std::uint32_t>(items.size()));
        for (simdjson::dom::element item : items)
            pack_json(item, buffer, packer);
        return;
    }
    case element_type::OBJECT: {
        simdjson::dom::object fields = value.get_object().value_unsafe();
        packer.pack_map(static_cast<std::uint32_t>(fields.size()));
        for (simdjson::dom::key_value_pair field : fields) {
            wire::pack_str(packer, field.key);
            pack_json(field.value, buffer, packer);
        }
        return;
    }
    case element_type::INT64:
        packer.pack_int64(value.get_int64().value_unsafe());
        return;
    case element_type::UINT64:
        packer.pack_uint64(value.get_uint64().value_unsafe());
        return;
    case element_type::DOUBLE: {
        const auto bytes = wire::float64_bytes(value.get_double().value_unsafe());
        buffer.write(bytes.data(), bytes.size());
        return;
    }
    case element_type::STRING: {
        wire::pack_str(packer, value.get_string().value_unsafe());
        return;
    }
    case element_type::BOOL:
        if (value.get_bool().value_unsafe())
            packer.pack_true();
        else
            packer.pack_false();
        return;
    case element_type::NULL_VALUE:
        packer.pack_nil();
        return;
    }
}

} // namespace

std::string json_to_msgpack(simdjson::dom::element value) {
    msgpack::sbuffer buffer(128);
    msgpack::packer<msgpack::sbuffer> packer(buffer);
    pack_json(value, buffer, packer);
    return std::string(buffer.data(), buffer.size());
}

} // namespace ferry::producer
