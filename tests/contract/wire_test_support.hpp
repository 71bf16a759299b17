// Test-only look-ups over the generated wire tables: reverse name look-ups, the full lists in
// protocol.yaml order, and the frame-count check of a whole message.
#pragma once

#include "ferry/wire/codec.hpp"
#include "ferry/wire/protocol.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace ferry::wire::testing {

template <class Row, std::size_t N, class Get>
constexpr auto column(const std::array<Row, N>& rows, Get get) {
    std::array<decltype(get(rows[0])), N> out{};
    for (std::size_t i = 0; i < N; ++i)
        out[i] = get(rows[i]);
    return out;
}

inline constexpr auto commands =
    column(tables::command_rows, [](const tables::CommandRow& r) { return r.command; });
inline constexpr auto error_codes =
    column(tables::error_code_rows, [](const tables::ErrorCodeRow& r) { return r.code; });
inline constexpr auto decode_error_kinds =
    column(tables::decode_error_rows, [](const tables::DecodeErrorRow& r) { return r.kind; });
inline constexpr auto records =
    column(tables::record_rows, [](const tables::RecordRow& r) { return r.record; });

// Every command, error code, decode error and record, in protocol.yaml order.
inline std::span<const Command> all_commands() noexcept {
    return commands;
}
inline std::span<const ErrorCode> all_error_codes() noexcept {
    return error_codes;
}
inline std::span<const DecodeErrorKind> all_decode_error_kinds() noexcept {
    return decode_error_kinds;
}
inline std::span<const Record> all_records() noexcept {
    return records;
}

// The row whose wire name is `name`, as its enum value; empty when unknown.
template <class Rows, class Get>
auto from_name(const Rows& rows, std::string_view name, Get get)
    -> std::optional<decltype(get(rows[0]))> {
    const auto it =
        std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.name == name; });
    if (it == rows.end())
        return std::nullopt;
    return get(*it);
}
inline std::optional<Command> command_from_name(std::string_view name) {
    return from_name(tables::command_rows, name, [](const auto& r) { return r.command; });
}
inline std::optional<DecodeErrorKind> decode_error_from_name(std::string_view name) {
    return from_name(tables::decode_error_rows, name, [](const auto& r) { return r.kind; });
}

// The frame-count check of a whole message after the routing envelope: anything but exactly two
// frames is BAD_FRAMES; two frames decode as decode(header, body).
inline std::variant<Message, DecodeError> decode_frames(std::span<const std::string_view> frames) {
    if (frames.size() != 2)
        return DecodeError{DecodeErrorKind::bad_frames,
                           std::to_string(frames.size()) + " frames, expected 2"};
    return decode(frames[0], frames[1]);
}

} // namespace ferry::wire::testing
