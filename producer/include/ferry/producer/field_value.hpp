// A value picked out of an input record or a result by a dotted path, for aggregates.
#pragma once

#include <msgpack.hpp>
#include <simdjson.h>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::producer {

// A scalar as aggregates compare it: numbers by value, anything else by its text.
struct FieldValue {
    bool present = false; // the path led somewhere
    bool numeric = false; // a number (int or float): compare `number`
    double number = 0;    // the number, when numeric
    std::string text;     // a string's content, or the JSON text of anything else

    [[nodiscard]] bool same_as(const FieldValue& other) const;
};

// "payload.label" -> {"payload", "label"}.
[[nodiscard]] std::vector<std::string> split_path(std::string_view dotted);

// The value at `path` in a parsed JSON record; absent when a step is missing.
[[nodiscard]] FieldValue field_from_json(simdjson::dom::element record,
                                         const std::vector<std::string>& path);

// The object at `path` in an unpacked MessagePack value (an empty path is the value itself);
// null when a step is missing or is not a map.
[[nodiscard]] const msgpack::object* find_in_msgpack(const msgpack::object& value,
                                                     const std::vector<std::string>& path);

// The value at `path` in an unpacked MessagePack value (an empty path is the value itself).
[[nodiscard]] FieldValue field_from_msgpack(const msgpack::object& value,
                                            const std::vector<std::string>& path);

} // namespace ferry::producer
