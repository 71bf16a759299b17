// Field tables of every command body and nested record, in protocol.yaml order (generated).
#pragma once

#include "ferry/wire/generated/protocol_tables.hpp"

#include <span>
#include <string_view>

namespace ferry::wire {

// Fields of a command body / a record, in the order the encoder writes them.
[[nodiscard]] std::span<const FieldSpec> fields_of(Command command) noexcept;
[[nodiscard]] std::span<const FieldSpec> fields_of(Record record) noexcept;

// protocol.yaml name of a record ("job_type", ..., "error" for error_fields).
[[nodiscard]] std::string_view name_of(Record record) noexcept;

} // namespace ferry::wire
