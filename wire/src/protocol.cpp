// Look-ups over the generated protocol tables: command, error-code and decode-error names.
#include "ferry/wire/protocol.hpp"

#include "ferry/wire/messages.hpp"

#include <array>

namespace ferry::wire {
namespace {

using tables::command_rows;
using tables::decode_error_rows;
using tables::error_code_rows;

// Byte -> row index, built once at compile time so command_from_byte is one load.
constexpr std::array<std::int8_t, 256> make_command_index() {
    std::array<std::int8_t, 256> index{};
    for (std::size_t byte = 0; byte < index.size(); ++byte)
        index[byte] =
            static_cast<std::int8_t>(tables::command_row(static_cast<std::uint8_t>(byte)));
    return index;
}
constexpr auto command_index = make_command_index();

// The enums list their values in protocol.yaml order, so an enum value is its row.
static_assert(static_cast<std::size_t>(error_code_rows.back().code) == error_code_rows.size() - 1);
static_assert(static_cast<std::size_t>(decode_error_rows.back().kind) ==
              decode_error_rows.size() - 1);
static_assert(std::variant_size_v<Message> == command_rows.size());

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

bool is_retryable(ErrorCode code) noexcept {
    const auto i = static_cast<std::size_t>(code);
    return i < error_code_rows.size() && error_code_rows[i].retryable;
}

bool is_retryable(std::string_view code_name) noexcept {
    const auto code = error_code_from_name(code_name);
    return code.has_value() && is_retryable(*code);
}

// The Message alternatives are generated in command-table order, so the index is the row.
Command command_of(const Message& message) noexcept {
    return command_rows[message.index()].command;
}

} // namespace ferry::wire
