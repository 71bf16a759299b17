// The ADMIN commands the broker answers itself, before any embedding service sees them: they act
// on the jobs it holds (adopt), not on pipelines.
#include "ferry/broker/broker.hpp"

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

// The string members of an ADMIN's JSON arguments, by name (absent ones are empty).
std::optional<std::unordered_map<std::string, std::string>> string_args(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::dom::object object;
    if (parser.parse(json.data(), json.size()).get(object) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    std::unordered_map<std::string, std::string> args;
    for (auto field : object) {
        std::string_view text;
        if (field.value.get(text) == simdjson::SUCCESS) {
            args.emplace(std::string(field.key), std::string(text));
        }
    }
    return args;
}

} // namespace

std::optional<AdminAnswer> Broker::broker_admin(const wire::Admin& admin) {
    if (admin.command != "adopt") {
        return std::nullopt;
    }
    const auto args = string_args(admin.args);
    if (!args) {
        return refused("the arguments of '" + admin.command + "' are not a JSON object");
    }
    const auto get = [&](const char* name) {
        const auto found = args->find(name);
        return found == args->end() ? std::string() : found->second;
    };
    return adopt(get("client"), get("session"));
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
