// Typed walk from an unpacked MessagePack body to a message struct.
#pragma once

#include "ferry/wire/codec.hpp"

#include <msgpack.hpp>
#include <string_view>
#include <variant>

namespace ferry::wire::detail {

// Reads the unpacked `root` of `body` as the body of `command`. `body` is the raw frame, used
// only for STATUS_REPLY, whose status map is kept as its original bytes.
[[nodiscard]] std::variant<Message, DecodeError>
read_body(Command command, const msgpack::object& root, std::string_view body);

} // namespace ferry::wire::detail
