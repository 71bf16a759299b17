// Protocol tables of Ferry wire version 1: command, error-code and decode-error names.
#include "ferry/wire/protocol.hpp"

#include "ferry/wire/messages.hpp"

#include <array>

namespace ferry::wire {
namespace {

struct CommandRow {
    Command command;
    std::string_view name;
};

struct ErrorCodeRow {
    ErrorCode code;
    std::string_view name;
    bool retryable;
};

struct DecodeErrorRow {
    DecodeErrorKind kind;
    std::string_view name;
};

// Order of protocol.yaml `commands`; the alternative index of Message follows the same order.
constexpr std::array<CommandRow, 17> command_rows{{
    {Command::ready, "READY"},
    {Command::jobs, "JOBS"},
    {Command::results, "RESULTS"},
    {Command::heartbeat, "HEARTBEAT"},
    {Command::disconnect, "DISCONNECT"},
    {Command::cancel, "CANCEL"},
    {Command::exited, "EXITED"},
    {Command::welcome, "WELCOME"},
    {Command::error, "ERROR"},
    {Command::submit, "SUBMIT"},
    {Command::accepted, "ACCEPTED"},
    {Command::rejected, "REJECTED"},
    {Command::outcomes, "OUTCOMES"},
    {Command::hello, "HELLO"},
    {Command::ack, "ACK"},
    {Command::status, "STATUS"},
    {Command::status_reply, "STATUS_REPLY"},
}};

// Order of protocol.yaml `error_codes`, which is also the order of enum ErrorCode.
constexpr std::array<ErrorCodeRow, 15> error_code_rows{{
    {ErrorCode::invalid_argument, "INVALID_ARGUMENT", false},
    {ErrorCode::payload_too_large, "PAYLOAD_TOO_LARGE", false},
    {ErrorCode::timeout, "TIMEOUT", true},
    {ErrorCode::worker_lost, "WORKER_LOST", true},
    {ErrorCode::handler_error, "HANDLER_ERROR", true},
    {ErrorCode::cancelled, "CANCELLED", false},
    {ErrorCode::unavailable, "UNAVAILABLE", true},
    {ErrorCode::internal, "INTERNAL", false},
    {ErrorCode::retry, "RETRY", true},
    {ErrorCode::queue_full, "QUEUE_FULL", true},
    {ErrorCode::malformed_message, "MALFORMED_MESSAGE", false},
    {ErrorCode::version_mismatch, "VERSION_MISMATCH", false},
    {ErrorCode::client_in_use, "CLIENT_IN_USE", true},
    {ErrorCode::journal_full, "JOURNAL_FULL", true},
    {ErrorCode::already_done, "ALREADY_DONE", false},
}};

// Order of protocol.yaml `decode_errors`, which is also the order of enum DecodeErrorKind.
constexpr std::array<DecodeErrorRow, 8> decode_error_rows{{
    {DecodeErrorKind::bad_frames, "BAD_FRAMES"},
    {DecodeErrorKind::bad_signature, "BAD_SIGNATURE"},
    {DecodeErrorKind::version_mismatch, "VERSION_MISMATCH"},
    {DecodeErrorKind::unknown_command, "UNKNOWN_COMMAND"},
    {DecodeErrorKind::malformed, "MALFORMED"},
    {DecodeErrorKind::wrong_type, "WRONG_TYPE"},
    {DecodeErrorKind::missing_field, "MISSING_FIELD"},
    {DecodeErrorKind::too_large, "TOO_LARGE"},
}};

// Byte -> row index, built once at compile time so command_from_byte is one load.
constexpr std::array<std::int8_t, 256> make_command_index() {
    std::array<std::int8_t, 256> index{};
    index.fill(-1);
    for (std::size_t i = 0; i < command_rows.size(); ++i) {
        index[static_cast<std::uint8_t>(command_rows[i].command)] = static_cast<std::int8_t>(i);
    }
    return index;
}
constexpr auto command_index = make_command_index();

constexpr std::array<Command, command_rows.size()> make_all_commands() {
    std::array<Command, command_rows.size()> out{};
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = command_rows[i].command;
    return out;
}
constexpr auto all_commands_table = make_all_commands();

constexpr std::array<ErrorCode, error_code_rows.size()> make_all_error_codes() {
    std::array<ErrorCode, error_code_rows.size()> out{};
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = error_code_rows[i].code;
    return out;
}
constexpr auto all_error_codes_table = make_all_error_codes();

constexpr std::array<DecodeErrorKind, 8> make_all_decode_error_kinds() {
    std::array<DecodeErrorKind, 8> out{};
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = decode_error_rows[i].kind;
    return out;
}
constexpr auto all_decode_error_kinds_table = make_all_decode_error_kinds();

} // namespace

std::string_view name_of(Command command) noexcept {
    const auto row = command_index[static_cast<std::uint8_t>(command)];
    return row < 0 ? std::string_view{} : command_rows[static_cast<std::size_t>(row)].name;
}

std::string_view name_of(ErrorCode code) noexcept {
    const auto i = static_cast<std::size_t>(code);
    return i < error_code_rows.size() ? error_code_rows[i].name : std::string_view{};
}

std::string_view name_of(DecodeErrorKind kind) noexcept {
    const auto i = static_cast<std::size_t>(kind);
    return i < decode_error_rows.size() ? decode_error_rows[i].name : std::string_view{};
}

std::optional<Command> command_from_byte(std::uint8_t byte) noexcept {
    const auto row = command_index[byte];
    if (row < 0)
        return std::nullopt;
    return command_rows[static_cast<std::size_t>(row)].command;
}

std::optional<ErrorCode> error_code_from_name(std::string_view name) noexcept {
    for (const auto& row : error_code_rows) {
        if (row.name == name)
            return row.code;
    }
    return std::nullopt;
}

std::optional<DecodeErrorKind> decode_error_from_name(std::string_view name) noexcept {
    for (const auto& row : decode_error_rows) {
        if (row.name == name)
            return row.kind;
    }
    return std::nullopt;
}

std::optional<Command> command_from_name(std::string_view name) noexcept {
    for (const auto& row : command_rows) {
        if (row.name == name)
            return row.command;
    }
    return std::nullopt;
}

bool is_retryable(ErrorCode code) noexcept {
    const auto i = static_cast<std::size_t>(code);
    return i < error_code_rows.size() && error_code_rows[i].retryable;
}

bool is_retryable(std::string_view code_name) noexcept {
    const auto code = error_code_from_name(code_name);
    return code.has_value() && is_retryable(*code);
}

std::span<const Command> all_commands() noexcept {
    return all_commands_table;
}
std::span<const ErrorCode> all_error_codes() noexcept {
    return all_error_codes_table;
}
std::span<const DecodeErrorKind> all_decode_error_kinds() noexcept {
    return all_decode_error_kinds_table;
}

// The Message alternatives are declared in command-table order, so the index is the row.
Command command_of(const Message& message) noexcept {
    return command_rows[message.index()].command;
}

} // namespace ferry::wire
