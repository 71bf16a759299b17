// Typed walk over a body's bytes into the message struct of its command (record_reader.hpp).
#include "body_reader.hpp"

#include "record_reader.hpp"

#include <array>
#include <utility>

namespace ferry::wire::detail {
namespace {

template <class T> std::variant<Message, DecodeError> read_as(std::string_view body) {
    Reader reader;
    Cursor cursor(body);
    T message{};
    const Path path{};
    if (!reader.read(cursor, path, message))
        return *std::move(reader.error);
    return Message{std::move(message)};
}

using BodyReadFn = std::variant<Message, DecodeError> (*)(std::string_view);

// One reader per Message alternative, which follow command_rows' order.
template <std::size_t... I> constexpr auto make_readers(std::index_sequence<I...>) {
    return std::array<BodyReadFn, sizeof...(I)>{
        &read_as<std::variant_alternative_t<I, Message>>...};
}
constexpr auto body_readers =
    make_readers(std::make_index_sequence<std::variant_size_v<Message>>{});

// A reused message starts over but keeps its vectors' capacity.
template <class T> void restart_member(std::vector<T>& member) {
    member.clear();
}
template <class T> void restart_member(T& member) {
    member = T{};
}
template <Bound T> void restart(T& message) {
    for_each_field<T>([&](const FieldSpec&, const auto& m) { restart_member(message.*m.ptr); });
}

} // namespace

template <class T>
std::optional<DecodeError> read_into(std::string_view body, T& out, bool unscanned) {
    restart(out);
    Reader reader;
    reader.unscanned = unscanned;
    Cursor cursor(body);
    const Path path{};
    if (!reader.read(cursor, path, out))
        return std::move(reader.error);
    if (cursor.remaining() != 0)
        return DecodeError{DecodeErrorKind::malformed, "trailing bytes after the body"};
    return std::nullopt;
}

template std::optional<DecodeError> read_into(std::string_view, SubmitView&, bool);
template std::optional<DecodeError> read_into(std::string_view, ResultsView&, bool);
template std::optional<DecodeError> read_into(std::string_view, JobsView&, bool);
template std::optional<DecodeError> read_into(std::string_view, OutcomesView&, bool);
template std::optional<DecodeError> read_into(std::string_view, AckView&, bool);

std::variant<Message, DecodeError> read_body(Command command, std::string_view body) {
    const int row = tables::command_row(static_cast<std::uint8_t>(command));
    if (row < 0)
        return DecodeError{DecodeErrorKind::unknown_command, "command not in the table"};
    return body_readers[static_cast<std::size_t>(row)](body);
}

} // namespace ferry::wire::detail
