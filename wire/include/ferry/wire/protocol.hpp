// Protocol constants of Ferry wire version 1 (generated from schemas/protocol.yaml) and look-ups.
#pragma once

#include "ferry/wire/generated/protocol_tables.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace ferry::wire {

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

} // namespace ferry::wire
