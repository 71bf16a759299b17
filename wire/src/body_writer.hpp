// MessagePack body encoding of message structs, fields in protocol.yaml order.
#pragma once

#include "ferry/wire/messages.hpp"

#include <string>
#include <string_view>

namespace ferry::wire::detail {

// Appends the body of `message` to `out`: a map of the present fields, table order.
void write_body(const Message& message, std::string& out);

// The same for a message in its borrowed form (SubmitView, ResultsView, JobsView, OutcomesView).
template <class T> void write_body_of(const T& message, std::string& out);

// Appends one outcome record, as an element of OUTCOMES' list.
void append_outcome(const OutcomeView& outcome, std::string& out);

// Appends an OUTCOMES body whose list is `count` records already encoded back to back.
void write_outcomes_body(std::string_view records, std::size_t count,
                         std::optional<std::uint64_t> seq, std::string& out);

} // namespace ferry::wire::detail
