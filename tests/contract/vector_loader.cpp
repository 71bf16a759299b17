// JSON (via yaml-cpp) -> message structs, written independently of the codec's field tables.
#include "vector_loader.hpp"

#include <cstdint>
#include <stdexcept>

namespace contract {
namespace wire = ferry::wire;
namespace {

const std::string source_dir = FERRY_SOURCE_DIR;

void from(const YAML::Node& n, std::string& out) {
    out = n.as<std::string>();
}
void from(const YAML::Node& n, std::uint64_t& out) {
    out = n.as<std::uint64_t>();
}
void from(const YAML::Node& n, std::int64_t& out) {
    out = n.as<std::int64_t>();
}
void from(const YAML::Node& n, double& out) {
    out = n.as<double>();
}
void from(const YAML::Node& n, bool& out) {
    out = n.as<bool>();
}
void from(const YAML::Node& n, wire::Error& out);
void from(const YAML::Node& n, wire::JobTypeCapacity& out);
void from(const YAML::Node& n, wire::Job& out);
void from(const YAML::Node& n, wire::SubmitJob& out);
void from(const YAML::Node& n, wire::Result& out);
void from(const YAML::Node& n, wire::Outcome& out);

template <class T> void from(const YAML::Node& n, std::vector<T>& out) {
    out.clear();
    for (const auto& item : n)
        from(item, out.emplace_back());
}

// Required field: must be present in the JSON value.
template <class T> void field(const YAML::Node& n, const char* key, T& out) {
    if (!n[key])
        throw std::runtime_error(std::string("vector value lacks '") + key + "'");
    from(n[key], out);
}

template <class T> void field(const YAML::Node& n, const char* key, std::optional<T>& out) {
    if (n[key])
        from(n[key], out.emplace());
}

// A `msgpack` field: {"msgpack": "<hex>"} -> the embedded bytes.
void embedded(const YAML::Node& n, const char* key, std::string& out) {
    if (!n[key])
        throw std::runtime_error(std::string("vector value lacks '") + key + "'");
    out = unhex(n[key]["msgpack"].as<std::string>());
}

void embedded(const YAML::Node& n, const char* key, std::optional<std::string>& out) {
    if (n[key])
        embedded(n, key, out.emplace());
}

void from(const YAML::Node& n, wire::Error& out) {
    field(n, "code", out.code);
    field(n, "message", out.message);
    field(n, "traceback", out.traceback);
    field(n, "retry_after_ms", out.retry_after_ms);
    field(n, "worker", out.worker);
}

void from(const YAML::Node& n, wire::JobTypeCapacity& out) {
    field(n, "type", out.type);
    field(n, "max_batch", out.max_batch);
    field(n, "max_delay_ms", out.max_delay_ms);
}

void from(const YAML::Node& n, wire::Job& out) {
    field(n, "id", out.id);
    field(n, "type", out.type);
    embedded(n, "payload", out.payload);
    field(n, "attempt", out.attempt);
    field(n, "timeout_ms", out.timeout_ms);
}

void from(const YAML::Node& n, wire::SubmitJob& out) {
    field(n, "id", out.id);
    field(n, "type", out.type);
    embedded(n, "payload", out.payload);
    field(n, "priority", out.priority);
    field(n, "timeout_ms", out.timeout_ms);
    field(n, "max_attempts", out.max_attempts);
}

void from(const YAML::Node& n, wire::Result& out) {
    field(n, "id", out.id);
    field(n, "ok", out.ok);
    embedded(n, "result", out.result);
    field(n, "error", out.error);
    field(n, "ms", out.ms);
}

void from(const YAML::Node& n, wire::Outcome& out) {
    field(n, "id", out.id);
    field(n, "ok", out.ok);
    embedded(n, "result", out.result);
    field(n, "error", out.error);
    field(n, "attempts", out.attempts);
    if (n["causes"])
        from(n["causes"], out.causes);
    field(n, "ms", out.ms);
    field(n, "worker", out.worker);
    field(n, "queue_ms", out.queue_ms);
    field(n, "handler_ms", out.handler_ms);
}

wire::Message command_from_json(wire::Command command, const YAML::Node& n) {
    switch (command) {
    case wire::Command::ready: {
        wire::Ready m;
        field(n, "worker", m.worker);
        field(n, "host", m.host);
        field(n, "pid", m.pid);
        field(n, "types", m.types);
        field(n, "credit", m.credit);
        field(n, "heartbeat_ms", m.heartbeat_ms);
        return m;
    }
    case wire::Command::jobs: {
        wire::Jobs m;
        field(n, "jobs", m.jobs);
        return m;
    }
    case wire::Command::results: {
        wire::Results m;
        field(n, "results", m.results);
        field(n, "credit", m.credit);
        return m;
    }
    case wire::Command::heartbeat:
        return wire::Heartbeat{};
    case wire::Command::disconnect: {
        wire::Disconnect m;
        field(n, "reason", m.reason);
        field(n, "finished", m.finished);
        return m;
    }
    case wire::Command::cancel: {
        wire::Cancel m;
        field(n, "ids", m.ids);
        field(n, "code", m.code);
        return m;
    }
    case wire::Command::exited: {
        wire::Exited m;
        field(n, "worker", m.worker);
        field(n, "exit_code", m.exit_code);
        field(n, "signal", m.signal);
        field(n, "rss_mb", m.rss_mb);
        field(n, "reason", m.reason);
        field(n, "running", m.running);
        return m;
    }
    case wire::Command::welcome: {
        wire::Welcome m;
        field(n, "broker", m.broker);
        field(n, "heartbeat_ms", m.heartbeat_ms);
        field(n, "liveness", m.liveness);
        return m;
    }
    case wire::Command::error: {
        wire::ErrorReply m;
        field(n, "code", m.code);
        field(n, "message", m.message);
        return m;
    }
    default:
        break;
    }
    throw std::runtime_error("not a worker-side command");
}

wire::Message producer_command_from_json(wire::Command command, const YAML::Node& n) {
    switch (command) {
    case wire::Command::submit: {
        wire::Submit m;
        field(n, "client", m.client);
        field(n, "session", m.session);
        field(n, "seq", m.seq);
        field(n, "jobs", m.jobs);
        return m;
    }
    case wire::Command::accepted: {
        wire::Accepted m;
        field(n, "seq", m.seq);
        field(n, "accepted", m.accepted);
        field(n, "duplicates", m.duplicates);
        field(n, "credit", m.credit);
        return m;
    }
    case wire::Command::rejected: {
        wire::Rejected m;
        field(n, "seq", m.seq);
        field(n, "code", m.code);
        field(n, "message", m.message);
        field(n, "retry_after_ms", m.retry_after_ms);
        return m;
    }
    case wire::Command::outcomes: {
        wire::Outcomes m;
        field(n, "outcomes", m.outcomes);
        field(n, "seq", m.seq);
        return m;
    }
    case wire::Command::hello: {
        wire::Hello m;
        field(n, "client", m.client);
        field(n, "session", m.session);
        field(n, "heartbeat_ms", m.heartbeat_ms);
        return m;
    }
    case wire::Command::ack: {
        wire::Ack m;
        field(n, "client", m.client);
        field(n, "session", m.session);
        field(n, "ranges", m.ranges);
        return m;
    }
    case wire::Command::status:
        return wire::Status{};
    case wire::Command::status_reply: {
        wire::StatusReply m;
        embedded(n, "status", m.status);
        return m;
    }
    case wire::Command::admin: {
        wire::Admin m;
        field(n, "command", m.command);
        field(n, "args", m.args);
        return m;
    }
    case wire::Command::admin_reply: {
        wire::AdminReply m;
        field(n, "ok", m.ok);
        field(n, "reply", m.reply);
        field(n, "code", m.code);
        return m;
    }
    default:
        break;
    }
    return command_from_json(command, n);
}

Vector vector_from(const std::string& file, const YAML::Node& n) {
    Vector v;
    v.file = file;
    v.name = n["name"].as<std::string>();
    for (const auto& frame : n["frames"])
        v.frames.push_back(unhex(frame.as<std::string>()));
    if (n["command"])
        v.command = n["command"].as<std::string>();
    if (n["canonical"])
        v.canonical = n["canonical"].as<bool>();
    if (n["value"])
        v.value = n["value"];
    if (n["error"])
        v.error = n["error"].as<std::string>();
    return v;
}

} // namespace

std::vector<Vector> load_vectors() {
    std::vector<Vector> out;
    for (const char* file : {"valid.json", "noncanonical.json", "invalid.json"}) {
        const auto root = YAML::LoadFile(source_dir + "/schemas/vectors/" + file);
        for (const auto& n : root)
            out.push_back(vector_from(file, n));
    }
    return out;
}

YAML::Node load_protocol() {
    return YAML::LoadFile(source_dir + "/schemas/protocol.yaml");
}

std::string unhex(std::string_view hex) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        throw std::runtime_error("bad hex digit");
    };
    if (hex.size() % 2)
        throw std::runtime_error("odd hex length");
    std::string out(hex.size() / 2, '\0');
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<char>(nibble(hex[2 * i]) * 16 + nibble(hex[2 * i + 1]));
    }
    return out;
}

std::string to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out += digits[b >> 4];
        out += digits[b & 0x0f];
    }
    return out;
}

wire::Message message_from_json(wire::Command command, const YAML::Node& value) {
    return producer_command_from_json(command, value);
}

const std::vector<Vector>& vectors() {
    static const std::vector<Vector> all = load_vectors();
    return all;
}

} // namespace contract
