// MessagePack body encoding of message structs, fields in protocol.yaml order.
#pragma once

#include "ferry/wire/messages.hpp"

#include <string>

namespace ferry::wire::detail {

// Appends the body of `message` to `out`: a map of the present fields, table order.
void write_body(const Message& message, std::string& out);

} // namespace ferry::wire::detail
