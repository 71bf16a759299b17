// Conversion between JSON text (input and output files) and MessagePack bytes (the wire).
#pragma once

#include "ferry/producer/typed_array.hpp"

#include <msgpack.hpp>
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

// Appends the JSON text of an unpacked MessagePack value to `out`.
// bin and unknown ext become base64 strings, typed arrays (nested) lists of numbers, NaN and
// infinities become null, non-str map keys are stringified.
void append_json(const msgpack::object& value, std::string& out);

// Appends the JSON text of one encoded MessagePack value; on bad bytes writes a JSON string
// describing the problem rather than throwing (results come from the network).
void append_json_from_msgpack(std::string_view bytes, std::string& out);

// Appends `text` as a JSON string literal, escaping what JSON requires.
void append_json_string(std::string_view text, std::string& out);

} // namespace ferry::producer
