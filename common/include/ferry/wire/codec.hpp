// Encoding and decoding of Ferry messages: two frames, header and MessagePack body.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "ferry/wire/messages.hpp"

namespace ferry::wire {

// The two frames of a message after the routing envelope.
struct Frames {
    std::string header; // signature + version + command (7 bytes)
    std::string body;   // MessagePack map
};

// Why bytes were refused, and a detail for the log line.
struct DecodeError {
    DecodeErrorKind kind; // one of decode_errors in protocol.yaml
    std::string detail;   // e.g. "field 'jobs': expected array, got str"
};

// Encodes a message into its two frames. Never fails for a well-formed value.
[[nodiscard]] Frames encode(const Message& message);

// Decodes a header and a body. Never throws on bad bytes: returns a DecodeError instead.
[[nodiscard]] std::variant<Message, DecodeError> decode(std::string_view header,
                                                        std::string_view body) noexcept;

} // namespace ferry::wire
