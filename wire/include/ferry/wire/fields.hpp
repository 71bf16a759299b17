// Field tables of every command body and nested record, in protocol.yaml order.
#pragma once

#include "ferry/wire/protocol.hpp"

#include <cstdint>
#include <span>
#include <string_view>

namespace ferry::wire {

// One field of a body or record: wire name, protocol.yaml type spelling, and whether required.
struct FieldSpec {
    std::string_view name; // map key on the wire
    std::string_view type; // "str", "uint", "msgpack", "list<job>", ... as in protocol.yaml
    bool required;         // absent -> MISSING_FIELD
};

// The nested records of protocol.yaml (`records` plus `error_fields`).
enum class Record : std::uint8_t { job_type, job, submit_job, result, outcome, error };

// Fields of a command body / a record, in the order the encoder writes them.
[[nodiscard]] std::span<const FieldSpec> fields_of(Command command) noexcept;
[[nodiscard]] std::span<const FieldSpec> fields_of(Record record) noexcept;

// protocol.yaml name of a record ("job_type", ..., "error" for error_fields).
[[nodiscard]] std::string_view name_of(Record record) noexcept;

// Every record, for tests that walk the tables.
[[nodiscard]] std::span<const Record> all_records() noexcept;

} // namespace ferry::wire
