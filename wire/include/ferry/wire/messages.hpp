// Message structs of the Ferry wire protocol, one per command and record (generated).
#pragma once

#include "ferry/wire/generated/message_structs.hpp"
#include "ferry/wire/protocol.hpp"

namespace ferry::wire {

// Why the hot records and messages are templates over the string type: decoding them with
// std::string_view fields points into the received frame instead of copying (the broker's hot
// path reads a SUBMIT or RESULTS and keeps only what it stores), while the std::string form owns
// its bytes. Both forms encode and decode alike; `...View` names the borrowed form. Which ones
// are templates, and their C++ names, are set in schemas/cpp_names.py.

// The command of a message value.
[[nodiscard]] Command command_of(const Message& message) noexcept;

} // namespace ferry::wire
