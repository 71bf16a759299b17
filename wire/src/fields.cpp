// Field tables of protocol.yaml; the encoder writes keys from here and the decoder matches them.
#include "ferry/wire/fields.hpp"

#include <array>

namespace ferry::wire {
namespace {

constexpr FieldSpec job_type_fields[] = {
    {"type", "str", true},
    {"max_batch", "uint", true},
    {"max_delay_ms", "uint", false},
};
constexpr FieldSpec job_fields[] = {
    {"id", "str", true},       {"type", "str", true},         {"payload", "msgpack", true},
    {"attempt", "uint", true}, {"timeout_ms", "uint", false},
};
constexpr FieldSpec submit_job_fields[] = {
    {"id", "str", true},        {"type", "str", true},         {"payload", "msgpack", true},
    {"priority", "int", false}, {"timeout_ms", "uint", false}, {"max_attempts", "uint", false},
};
constexpr FieldSpec result_fields[] = {
    {"id", "str", true},       {"ok", "bool", true},   {"result", "msgpack", false},
    {"error", "error", false}, {"ms", "float", false},
};
constexpr FieldSpec outcome_fields[] = {
    {"id", "str", true},          {"ok", "bool", true},
    {"result", "msgpack", false}, {"error", "error", false},
    {"attempts", "uint", true},   {"causes", "list<error>", false},
    {"ms", "float", false},       {"worker", "str", false},
    {"queue_ms", "float", false}, {"handler_ms", "float", false},
};
constexpr FieldSpec error_fields[] = {
    {"code", "str", true},       {"message", "str", true},
    {"traceback", "str", false}, {"retry_after_ms", "uint", false},
    {"worker", "str", false},
};

constexpr FieldSpec ready_fields[] = {
    {"worker", "str", true},           {"host", "str", true},    {"pid", "uint", true},
    {"types", "list<job_type>", true}, {"credit", "uint", true}, {"heartbeat_ms", "uint", true},
};
constexpr FieldSpec jobs_fields[] = {{"jobs", "list<job>", true}};
constexpr FieldSpec results_fields[] = {
    {"results", "list<result>", true},
    {"credit", "uint", false},
};
constexpr FieldSpec disconnect_fields[] = {
    {"reason", "str", false},
    {"finished", "bool", false},
};
constexpr FieldSpec cancel_fields[] = {
    {"ids", "list<str>", true},
    {"code", "str", true},
};
constexpr FieldSpec exited_fields[] = {
    {"worker", "str", true},   {"exit_code", "int", false}, {"signal", "uint", false},
    {"rss_mb", "uint", false}, {"reason", "str", true},     {"running", "list<str>", false},
};
constexpr FieldSpec welcome_fields[] = {
    {"broker", "str", true},
    {"heartbeat_ms", "uint", true},
    {"liveness", "uint", true},
};
constexpr FieldSpec error_reply_fields[] = {
    {"code", "str", true},
    {"message", "str", true},
};
constexpr FieldSpec submit_fields[] = {
    {"client", "str", true},
    {"session", "str", true},
    {"seq", "uint", true},
    {"jobs", "list<submit_job>", true},
};
constexpr FieldSpec accepted_fields[] = {
    {"seq", "uint", true},
    {"accepted", "uint", true},
    {"duplicates", "uint", true},
    {"credit", "uint", true},
};
constexpr FieldSpec rejected_fields[] = {
    {"seq", "uint", true},
    {"code", "str", true},
    {"message", "str", true},
    {"retry_after_ms", "uint", true},
};
constexpr FieldSpec outcomes_fields[] = {
    {"outcomes", "list<outcome>", true},
    {"seq", "uint", false},
};
constexpr FieldSpec hello_fields[] = {
    {"client", "str", true},
    {"session", "str", true},
    {"heartbeat_ms", "uint", true},
};
constexpr FieldSpec ack_fields[] = {
    {"client", "str", true},
    {"session", "str", true},
    {"ranges", "list<uint>", true},
};
constexpr FieldSpec status_reply_fields[] = {{"status", "map", true}};

constexpr std::array<Record, 6> all_records_table{
    Record::job_type, Record::job,     Record::submit_job,
    Record::result,   Record::outcome, Record::error,
};

} // namespace

std::span<const FieldSpec> fields_of(Command command) noexcept {
    switch (command) {
    case Command::ready:
        return ready_fields;
    case Command::jobs:
        return jobs_fields;
    case Command::results:
        return results_fields;
    case Command::heartbeat:
        return {};
    case Command::disconnect:
        return disconnect_fields;
    case Command::cancel:
        return cancel_fields;
    case Command::exited:
        return exited_fields;
    case Command::welcome:
        return welcome_fields;
    case Command::error:
        return error_reply_fields;
    case Command::submit:
        return submit_fields;
    case Command::accepted:
        return accepted_fields;
    case Command::rejected:
        return rejected_fields;
    case Command::outcomes:
        return outcomes_fields;
    case Command::hello:
        return hello_fields;
    case Command::ack:
        return ack_fields;
    case Command::status:
        return {};
    case Command::status_reply:
        return status_reply_fields;
    }
    return {};
}

std::span<const FieldSpec> fields_of(Record record) noexcept {
    switch (record) {
    case Record::job_type:
        return job_type_fields;
    case Record::job:
        return job_fields;
    case Record::submit_job:
        return submit_job_fields;
    case Record::result:
        return result_fields;
    case Record::outcome:
        return outcome_fields;
    case Record::error:
        return error_fields;
    }
    return {};
}

std::string_view name_of(Record record) noexcept {
    switch (record) {
    case Record::job_type:
        return "job_type";
    case Record::job:
        return "job";
    case Record::submit_job:
        return "submit_job";
    case Record::result:
        return "result";
    case Record::outcome:
        return "outcome";
    case Record::error:
        return "error";
    }
    return {};
}

std::span<const Record> all_records() noexcept {
    return all_records_table;
}

} // namespace ferry::wire
