// Encoding and decoding of Ferry messages: two frames, header and MessagePack body.
#pragma once

#include "ferry/wire/messages.hpp"

#include <span>
#include <string>
#include <string_view>
#include <variant>

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

// Added: the frame-count check of a whole message (after the routing envelope): anything but
// exactly two frames is BAD_FRAMES; two frames are decoded as decode(header, body).
[[nodiscard]] std::variant<Message, DecodeError>
decode_frames(std::span<const std::string_view> frames) noexcept;

// Added: the header alone (signature, version, command byte), for routing before the body is
// read; BAD_SIGNATURE / VERSION_MISMATCH / UNKNOWN_COMMAND on failure.
[[nodiscard]] std::variant<Command, DecodeError> decode_header(std::string_view header) noexcept;

// Added: the 7-byte header frame of a command.
[[nodiscard]] std::string encode_header(Command command);

// Added: encode into existing frames, reusing their capacity (hot path: no new allocation once
// the buffers have grown). Overwrites both frames.
void encode_into(const Message& message, Frames& out);

} // namespace ferry::wire
