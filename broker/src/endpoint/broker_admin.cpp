// The ADMIN commands the broker answers itself, before any embedding service sees them: they act
// on the jobs it holds (adopt, cancel, dead_letters, redrive), not on pipelines.
#include "ferry/broker/broker.hpp"
#include "ferry/broker/status.hpp"

#include <fmt/format.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

namespace ferry::broker {
namespace {

AdminAnswer refused(std::string message) {
    return {false, std::move(message),
            std::string(wire::code_name(wire::ErrorCode::invalid_argument))};
}

// Appends `text` as a JSON string (ids and names come from producers: any byte may be there).
void append_json_string(std::string_view text, std::string& out) {
    out += '"';
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            out += fmt::format("\\u{:04x}", byte);
        } else {
            out += c;
        }
    }
    out += '"';
}

// An ADMIN's JSON arguments: string members by name, and the whole-number ones.
struct AdminArgs {
    std::unordered_map<std::string, std::string> strings;
    std::unordered_map<std::string, std::uint64_t> numbers;
    [[nodiscard]] std::string get(const char* name) const {
        const auto found = strings.find(name);
        return found == strings.end() ? std::string() : found->second;
    }
};

std::optional<AdminArgs> parse_args(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::dom::object object;
    if (parser.parse(json.data(), json.size()).get(object) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    AdminArgs args;
    for (auto field : object) {
        std::string_view text;
        std::uint64_t number = 0;
        if (field.value.get(text) == simdjson::SUCCESS) {
            args.strings.emplace(std::string(field.key), std::string(text));
        } else if (field.value.get(number) == simdjson::SUCCESS) {
            args.numbers.emplace(std::string(field.key), number);
        }
    }
    return args;
}

void append_cause(const wire::Error& cause, std::string& out) {
    out += "{\"code\":";
    append_json_string(cause.code, out);
    out += ",\"message\":";
    append_json_string(cause.message, out);
    if (cause.traceback) {
        out += ",\"traceback\":";
        append_json_string(*cause.traceback, out);
    }
    if (cause.worker) {
        out += ",\"worker\":";
        append_json_string(*cause.worker, out);
    }
    out += '}';
}

void append_dead_letter(const DeadLetter& letter, std::string& out) {
    out += "{\"id\":";
    append_json_string(letter.id, out);
    out += ",\"client\":";
    append_json_string(letter.client, out);
    out += ",\"type\":";
    append_json_string(letter.type, out);
    out += fmt::format(",\"attempts\":{},\"max_attempts\":{},\"priority\":{},\"timeout_s\":{},"
                       "\"failed_at_ms\":{},\"redrivable\":{},\"error\":",
                       letter.causes.size(), letter.max_attempts, letter.priority,
                       static_cast<double>(letter.timeout_ms) / 1000.0, letter.failed_at_ms,
                       letter.payload_kept);
    if (letter.causes.empty()) {
        out += "null";
    } else {
        append_cause(letter.causes.back(), out);
    }
    out += ",\"causes\":[";
    for (std::size_t i = 0; i < letter.causes.size(); ++i) {
        if (i != 0) {
            out += ',';
        }
        append_cause(letter.causes[i], out);
    }
    out += "]}";
}

AdminAnswer job_state(std::string_view id, const char* state) {
    std::string reply = "{\"id\":";
    append_json_string(id, reply);
    reply += fmt::format(",\"state\":\"{}\"}}", state);
    return {true, std::move(reply), ""};
}

} // namespace

std::optional<AdminAnswer> Broker::broker_admin(const wire::Admin& admin) {
    const auto& command = admin.command;
    if (command != "adopt" && command != "cancel" && command != "dead_letters" &&
        command != "redrive") {
        return std::nullopt;
    }
    const auto args = parse_args(admin.args);
    if (!args) {
        return refused("the arguments of '" + command + "' are not a JSON object");
    }
    if (command == "adopt") {
        return adopt(args->get("client"), args->get("session"));
    }
    if (command == "dead_letters") {
        const auto limit = args->numbers.find("limit");
        return list_dead_letters(args->get("client"), limit == args->numbers.end()
                                                          ? status_dead_letters_listed
                                                          : limit->second);
    }
    const std::string client = args->get("client");
    const std::string id = args->get("id");
    if (client.empty() || id.empty()) {
        return refused("'" + command + "' needs the job's \"client\" and \"id\"");
    }
    AdminAnswer answer = command == "cancel" ? cancel(client, id) : redrive(client, id);
    if (answer.ok && journal_) {
        journal_->commit(); // the change is on disk before anyone is told it happened
    }
    return answer;
}

// Newest first; `client` empty lists every producer's.
AdminAnswer Broker::list_dead_letters(std::string_view client, std::uint64_t limit) const {
    const auto& letters = scheduler_.table().dead_letters();
    std::string reply = "{\"dead_letters\":[";
    std::uint64_t listed = 0;
    for (auto it = letters.rbegin(); it != letters.rend() && listed < limit; ++it) {
        if (!client.empty() && it->client != client) {
            continue;
        }
        if (listed++ != 0) {
            reply += ',';
        }
        append_dead_letter(*it, reply);
    }
    reply += fmt::format("],\"kept\":{},\"total\":{}}}", letters.size(),
                         scheduler_.table().dead_letters_total());
    return {true, std::move(reply), ""};
}

AdminAnswer Broker::cancel(std::string_view client, std::string_view id) {
    switch (scheduler_.cancel(client, id, "by an operator", now_)) {
    case CancelOutcome::cancelled:
        spdlog::info("client {}: job {} cancelled", client, id);
        return job_state(id, "cancelled");
    case CancelOutcome::finished:
        return job_state(id, "finished");
    case CancelOutcome::unknown:
        break;
    }
    return refused(fmt::format("no job '{}' of client '{}' is held or remembered", id, client));
}

// The redriven job's outcome goes to the session that owns the client name now (a gateway
// restarted since still gets it).
AdminAnswer Broker::redrive(std::string_view client, std::string_view id) {
    const auto found = clients_.find(client);
    const std::uint32_t session = found == clients_.end() ? 0 : found->second.serial;
    switch (scheduler_.redrive(client, id, session, now_)) {
    case RedriveOutcome::redriven:
        spdlog::info("client {}: dead letter {} redriven with fresh attempts", client, id);
        return job_state(id, "queued");
    case RedriveOutcome::not_dead:
        return refused(
            fmt::format("no dead letter of job '{}' of client '{}' is kept", id, client));
    case RedriveOutcome::payload_gone:
        return refused(fmt::format("the dead letter of job '{}' no longer has its payload (it was "
                                   "refused as too large, or dropped to keep dead letters within "
                                   "their byte budget): submit it again under a new id",
                                   id));
    case RedriveOutcome::held:
        break;
    }
    return refused(fmt::format("job '{}' of client '{}' is queued or running again: it is not "
                               "run twice",
                               id, client));
}

// A session takes over every job held for its client name, whatever session submitted it: a
// gateway restarted with the broker gets the outcomes its previous life never fetched. Only the
// session that owns the name (it sent HELLO and is alive) may.
AdminAnswer Broker::adopt(std::string_view client, std::string_view session) {
    const auto found = clients_.find(client);
    if (client.empty() || found == clients_.end() || found->second.session != session ||
        !owner_alive(found->second)) {
        return refused(fmt::format("session '{}' does not own client name '{}': send HELLO first",
                                   session, client));
    }
    std::size_t kept = 0;
    const std::vector<std::string> pending = scheduler_.adopt(client, found->second.serial, kept);
    std::string reply = fmt::format("{{\"pending\":{},\"kept\":{},\"ids\":[", pending.size(), kept);
    for (std::size_t i = 0; i < pending.size(); ++i) {
        if (i != 0) {
            reply += ',';
        }
        append_json_string(pending[i], reply);
    }
    reply += "]}";
    if (!pending.empty() || kept > 0) {
        spdlog::info("client {}: session {} adopted {} pending jobs and {} kept outcomes", client,
                     session, pending.size(), kept);
    }
    return {true, std::move(reply), ""};
}

} // namespace ferry::broker
