// Protocol constants of Ferry wire version 1 (generated from schemas/protocol.yaml) and look-ups.
#pragma once

#include "ferry/wire/generated/protocol_tables.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::wire {

// Wire name of a command ("READY"), of an error code ("TIMEOUT"), of a decode error.
[[nodiscard]] std::string_view name_of(Command command) noexcept;
[[nodiscard]] std::string_view name_of(ErrorCode code) noexcept;
[[nodiscard]] std::string_view name_of(DecodeErrorKind kind) noexcept;

// An error code's wire name as an owned string, for the records that carry one.
[[nodiscard]] inline std::string code_name(ErrorCode code) {
    return std::string(name_of(code));
}
// Whether a code read off the wire is `expected`.
[[nodiscard]] inline bool is_code(std::string_view code, ErrorCode expected) noexcept {
    return code == name_of(expected);
}

// Command for a byte, error code for a wire name; empty when unknown.
[[nodiscard]] std::optional<Command> command_from_byte(std::uint8_t byte) noexcept;
[[nodiscard]] std::optional<ErrorCode> error_code_from_name(std::string_view name) noexcept;

// Whether a failed attempt with this code is run again while attempts remain.
[[nodiscard]] bool is_retryable(ErrorCode code) noexcept;
// Same, for a wire name; unknown names are not retryable.
[[nodiscard]] bool is_retryable(std::string_view code_name) noexcept;

} // namespace ferry::wire
