// JSON text of input payloads -> MessagePack bytes for the wire.
#pragma once

#include "ferry/producer/msgpack_json.hpp" // the other direction

#include <simdjson.h>
#include <string>
#include <string_view>

namespace ferry::producer {

// Encodes a parsed JSON value as one MessagePack value (ints stay ints, floats stay floats).
[[nodiscard]] std::string json_to_msgpack(simdjson::dom::element value);

} // namespace ferry::producer
