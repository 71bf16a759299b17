// JSON text of input payloads -> MessagePack bytes for the wire.
#pragma once

#include "ferry/producer/msgpack_json.hpp" // the other direction
#include "ferry/producer/typed_array.hpp"

#include <simdjson.h>
#include <string>
#include <string_view>

namespace ferry::producer {

// Encodes a parsed JSON value as one MessagePack value (ints stay ints, floats stay floats).
[[nodiscard]] std::string json_to_msgpack(simdjson::dom::element value);

// Appends the MessagePack encoding of `value` to `out`, written byte by byte (no packer). The
// `arrays` fields of an object value become typed arrays; a field that does not fit its dtype
// leaves `out` as it was and returns what is wrong, naming the field. Else returns "".
[[nodiscard]] std::string append_msgpack(simdjson::dom::element value, const ArrayFields& arrays,
                                         std::string& out);

} // namespace ferry::producer
