// Encoding and decoding of Ferry messages: two frames, header and MessagePack body.
#pragma once

#include "ferry/wire/messages.hpp"

#include <optional>
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

// Added: the header alone (signature, version, command byte), for routing before the body is
// read; BAD_SIGNATURE / VERSION_MISMATCH / UNKNOWN_COMMAND on failure.
[[nodiscard]] std::variant<Command, DecodeError> decode_header(std::string_view header) noexcept;

// Added: the 7-byte header frame of a command.
[[nodiscard]] std::string encode_header(Command command);

// Added: encode into existing frames, reusing their capacity (hot path: no new allocation once
// the buffers have grown). Overwrites both frames.
void encode_into(const Message& message, Frames& out);

// The hot path's borrowed forms. decode_view checks a body exactly as decode() does (same
// errors) but fills a reused message whose strings point into `body`: nothing is copied, and
// once the vectors have grown nothing is allocated. The views are valid while `body` is.
[[nodiscard]] std::optional<DecodeError> decode_view(std::string_view body,
                                                     SubmitView& out) noexcept;
[[nodiscard]] std::optional<DecodeError> decode_view(std::string_view body,
                                                     ResultsView& out) noexcept;
[[nodiscard]] std::optional<DecodeError> decode_view(std::string_view body, JobsView& out) noexcept;
[[nodiscard]] std::optional<DecodeError> decode_view(std::string_view body,
                                                     OutcomesView& out) noexcept;
[[nodiscard]] std::optional<DecodeError> decode_view(std::string_view body, AckView& out) noexcept;
// Encodes a borrowed form into existing frames; the bytes equal encode() of the owned form.
void encode_into(const SubmitView& message, Frames& out);
void encode_into(const ResultsView& message, Frames& out);
void encode_into(const JobsView& message, Frames& out);
void encode_into(const OutcomesView& message, Frames& out);
void encode_into(const AckView& message, Frames& out);

// OUTCOMES built incrementally (the broker's outboxes): append_outcome encodes one outcome record
// onto `records`; encode_outcomes frames `count` such records as one OUTCOMES message whose
// first outcome has delivery number `seq` (when given).
void append_outcome(const OutcomeView& outcome, std::string& records);
void encode_outcomes(std::string_view records, std::size_t count, Frames& out,
                     std::optional<std::uint64_t> seq = std::nullopt);

} // namespace ferry::wire
