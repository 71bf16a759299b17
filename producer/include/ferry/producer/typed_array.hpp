// Typed numeric arrays on the wire: a MessagePack ext value holding a dtype, a shape and the raw
// little-endian elements (schemas/PROTOCOL.md, "Typed arrays"). Packing from JSON, rendering back.
#pragma once

#include "ferry/wire/generated/protocol_tables.hpp"
#include "ferry/wire/typed_array.hpp"

#include <cstdint>
#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::producer {

// The MessagePack ext type code of a typed array (ASCII 'A'), from protocol.yaml.
using wire::typed_array_ext_type;
// Bytes before the shape: the dtype code and the rank.
using wire::typed_array_fixed_header;
// Largest rank a typed array may have (protocol.yaml typed_array.max_rank).
using wire::typed_array_max_rank;

// Element types; the values are the dtype codes on the wire (generated from protocol.yaml).
using ArrayDtype = wire::ArrayDtype;

// The dtype of a config name ("uint8", "float32", ...); empty for an unknown name.
[[nodiscard]] std::optional<ArrayDtype> dtype_named(std::string_view name);
// The config name of a dtype.
[[nodiscard]] std::string_view dtype_name(ArrayDtype dtype);
// Every name a config may use, comma-separated (for messages). float16 is receive-only.
[[nodiscard]] std::string packable_dtype_names();

// Payload fields (top-level keys of an object payload) to pack as typed arrays.
using ArrayFields = std::vector<std::pair<std::string, ArrayDtype>>;

// Appends the JSON list `value` (nested lists for rank > 1) as a typed-array ext of `dtype`.
// On a value that does not fit (not a list, ragged, a non-number, a fraction in an integer
// dtype, out of range) leaves `out` as it was and returns what is wrong; else returns "".
[[nodiscard]] std::string append_typed_array(simdjson::dom::element value, ArrayDtype dtype,
                                             std::string& out);

// Appends the JSON text of a typed array's ext data: a (nested) list of numbers, NaN and
// infinities as null, bool as true/false. Malformed data becomes a JSON string saying why.
void append_typed_array_json(std::string_view ext_data, std::string& out);

// What is wrong with typed-array ext data, or "" when it is well formed.
[[nodiscard]] std::string typed_array_problem(std::string_view ext_data);

} // namespace ferry::producer
