// MessagePack -> JSON text: output records, `ferry status --json`.
#pragma once

#include <msgpack.hpp>
#include <string>
#include <string_view>

namespace ferry::producer {

// Appends the JSON text of an unpacked MessagePack value to `out`.
// bin becomes a base64 string, NaN and infinities become null, non-str map keys are stringified.
void append_json(const msgpack::object& value, std::string& out);

// Appends the JSON text of one encoded MessagePack value, walking the bytes once without
// building an object tree; the text is the same as append_json's. On bad bytes (results come
// from the network) it writes one JSON string describing the problem instead, never throwing.
void append_json_from_msgpack(std::string_view bytes, std::string& out);

// Appends `text` as a JSON string literal, escaping what JSON requires.
void append_json_string(std::string_view text, std::string& out);

} // namespace ferry::producer
