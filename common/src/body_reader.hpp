// Typed walk from a scanned MessagePack body to a message struct.
#pragma once

#include "ferry/wire/codec.hpp"

#include <string_view>
#include <variant>

namespace ferry::wire::detail {

// Reads `body`, which scan_body has passed, as the body of `command`.
[[nodiscard]] std::variant<Message, DecodeError> read_body(Command command, std::string_view body);

} // namespace ferry::wire::detail
