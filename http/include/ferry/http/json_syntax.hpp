// Where a JSON text goes wrong, for a 400 that names the byte: simdjson says that a document is
// bad, not where, so a rejected body is walked once more by this small checker.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ferry::http {

struct JsonSyntaxError {
    std::size_t offset = 0; // byte offset of the first byte that cannot be right (0-based)
    std::string what;       // what was expected there
};

// The first syntax error of `text` as one JSON value (RFC 8259, surrounding whitespace allowed);
// offset == text.size() means the text ended too early. Returns {npos, ""} when it is valid.
[[nodiscard]] JsonSyntaxError json_syntax_error(std::string_view text);

} // namespace ferry::http
