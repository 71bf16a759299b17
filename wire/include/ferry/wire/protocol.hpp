// Protocol constants of Ferry wire version 1; checked against schemas/protocol.yaml by a test.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace ferry::wire {

inline constexpr std::string_view signature = "FERRY";
inline constexpr std::uint8_t version = 1;
inline constexpr std::size_t header_bytes = 7;

inline constexpr std::size_t max_batch = 65536;
inline constexpr std::size_t max_string_bytes = 1048576;
inline constexpr std::size_t max_depth = 32;
inline constexpr std::size_t default_max_payload_bytes = 16777216;

enum class Command : std::uint8_t {
    ready = 0x01,
    jobs = 0x02,
    results = 0x03,
    heartbeat = 0x04,
    disconnect = 0x05,
    cancel = 0x06,
    exited = 0x07,
    welcome = 0x08,
    error = 0x0F,
    submit = 0x10,
    accepted = 0x11,
    rejected = 0x12,
    outcomes = 0x13,
    hello = 0x14,
    ack = 0x15,
    status = 0x20,
    status_reply = 0x21,
};

enum class ErrorCode : std::uint8_t {
    invalid_argument,
    payload_too_large,
    timeout,
    worker_lost,
    handler_error,
    cancelled,
    unavailable,
    internal,
    retry,
    queue_full,
    malformed_message,
    version_mismatch,
    client_in_use,
    journal_full,
    already_done,
};

enum class DecodeErrorKind : std::uint8_t {
    bad_frames,
    bad_signature,
    version_mismatch,
    unknown_command,
    malformed,
    wrong_type,
    missing_field,
    too_large,
};

// Wire name of a command ("READY"), of an error code ("TIMEOUT"), of a decode error.
[[nodiscard]] std::string_view name_of(Command command) noexcept;
[[nodiscard]] std::string_view name_of(ErrorCode code) noexcept;
[[nodiscard]] std::string_view name_of(DecodeErrorKind kind) noexcept;

// Command for a byte, error code for a wire name; empty when unknown.
[[nodiscard]] std::optional<Command> command_from_byte(std::uint8_t byte) noexcept;
[[nodiscard]] std::optional<ErrorCode> error_code_from_name(std::string_view name) noexcept;

// Whether a failed attempt with this code is run again while attempts remain.
[[nodiscard]] bool is_retryable(ErrorCode code) noexcept;
// Same, for a wire name; unknown names are not retryable.
[[nodiscard]] bool is_retryable(std::string_view code_name) noexcept;

// Added for tests and tools: reverse look-ups and the full tables, in protocol.yaml order.
[[nodiscard]] std::optional<Command> command_from_name(std::string_view name) noexcept;
[[nodiscard]] std::optional<DecodeErrorKind> decode_error_from_name(std::string_view name) noexcept;
[[nodiscard]] std::span<const Command> all_commands() noexcept;
[[nodiscard]] std::span<const ErrorCode> all_error_codes() noexcept;
[[nodiscard]] std::span<const DecodeErrorKind> all_decode_error_kinds() noexcept;

} // namespace ferry::wire
