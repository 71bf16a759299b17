// Typed walk from a scanned MessagePack body to a message struct.
#pragma once

#include "ferry/wire/codec.hpp"

#include <optional>
#include <string_view>
#include <variant>

namespace ferry::wire::detail {

// Reads `body`, which scan_body has passed, as the body of `command`.
[[nodiscard]] std::variant<Message, DecodeError> read_body(Command command, std::string_view body);

// Reads a body into a reused message (the borrowed forms: SubmitView, ResultsView, JobsView,
// OutcomesView); the first problem, or nothing. `unscanned`: scan_body has not run, so the
// reader enforces its limits and the trailing-bytes rule itself (see Reader::unscanned).
template <class T>
[[nodiscard]] std::optional<DecodeError> read_into(std::string_view body, T& out, bool unscanned);

} // namespace ferry::wire::detail
