// Loading and validating the broker's YAML sections (`broker`, `job_types`).
#include "ferry/broker/broker_config.hpp"

#include "ferry/broker/config_keys.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <yaml-cpp/yaml.h>

namespace ferry::broker {
namespace {

// Where a config value sits, for error messages: "file:line:col".
std::string where(const std::string& origin, const YAML::Mark& mark) {
    return origin + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

[[noreturn]] void fail(const std::string& origin, const YAML::Node& node, const std::string& what) {
    throw ConfigError(where(origin, node.Mark()) + ": " + what);
}

// Rejects keys a section does not know, naming the closest valid key: a typo in a config file
// must never silently fall back to a default.
void check_keys(const std::string& origin, const YAML::Node& map, const std::string& section,
                const std::vector<std::string_view>& allowed) {
    if (!map.IsMap()) {
        fail(origin, map, "'" + section + "' must be a map of keys");
    }
    for (const auto& entry : map) {
        const auto key = entry.first.as<std::string>();
        if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) {
            continue;
        }
        std::string message = "unknown key '" + key + "' in '" + section + "'";
        const auto suggestion = nearest_name(key, allowed);
        if (!suggestion.empty()) {
            message += " (did you mean '" + suggestion + "'?)";
        }
        fail(origin, entry.first, message);
    }
}

template <typename T>
void read_unsigned(const std::string& origin, const YAML::Node& map, const char* key, T& out) {
    const auto node = map[key];
    if (!node) {
        return;
    }
    const auto text = node.IsScalar() ? node.Scalar() : std::string{};
    std::uint64_t value = 0;
    if (text.empty() || text[0] == '-' || !YAML::convert<std::uint64_t>::decode(node, value) ||
        value > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
        fail(origin, node, std::string("'") + key + "' must be a non-negative integer");
    }
    out = static_cast<T>(value);
}

void read_double(const std::string& origin, const YAML::Node& map, const char* key, double& out) {
    const auto node = map[key];
    if (node && (!node.IsScalar() || !YAML::convert<double>::decode(node, out) || out < 0)) {
        fail(origin, node, std::string("'") + key + "' must be a non-negative number");
    }
}

void read_string(const std::string& origin, const YAML::Node& map, const char* key,
                 std::string& out) {
    const auto node = map[key];
    if (node && (!node.IsScalar() || node.Scalar().empty())) {
        fail(origin, node, std::string("'") + key + "' must be a non-empty string");
    }
    if (node) {
        out = node.Scalar();
    }
}

void read_backoff(const std::string& origin, const YAML::Node& node, BackoffConfig& out) {
    check_keys(origin, node, "backoff", {"initial_ms", "max_ms", "multiplier", "jitter"});
    read_unsigned(origin, node, "initial_ms", out.initial_ms);
    read_unsigned(origin, node, "max_ms", out.max_ms);
    read_double(origin, node, "multiplier", out.multiplier);
    read_double(origin, node, "jitter", out.jitter);
    if (out.jitter > 1.0) {
        fail(origin, node["jitter"], "'jitter' must be between 0 and 1");
    }
}

void read_batch(const std::string& origin, const YAML::Node& node, BatchConfig& out) {
    check_keys(origin, node, "batch", {"max_size", "max_delay_ms"});
    read_unsigned(origin, node, "max_size", out.max_size);
    read_unsigned(origin, node, "max_delay_ms", out.max_delay_ms);
    if (out.max_size == 0) {
        fail(origin, node["max_size"], "'max_size' must be at least 1");
    }
}

void read_non_retryable(const std::string& origin, const YAML::Node& node,
                        std::vector<std::string>& out) {
    if (!node.IsSequence()) {
        fail(origin, node, "'non_retryable' must be a list of error codes");
    }
    out.clear();
    for (const auto& item : node) {
        if (!item.IsScalar()) {
            fail(origin, item, "'non_retryable' entries must be error code names");
        }
        out.push_back(item.Scalar());
    }
}

void read_journal(const std::string& origin, const YAML::Node& node, JournalConfig& out) {
    if (node.IsNull()) {
        return;
    }
    check_keys(origin, node, "broker.journal", {"path", "fsync", "interval_ms", "segment_bytes"});
    if (const auto path = node["path"]; path && !path.IsScalar()) {
        fail(origin, path, "'path' must be a directory path (empty: no journal)");
    } else if (path) {
        out.path = path.Scalar();
    }
    if (const auto fsync = node["fsync"]) {
        const std::string value = fsync.IsScalar() ? fsync.Scalar() : std::string{};
        if (value == "always") {
            out.fsync = FsyncPolicy::always;
        } else if (value == "interval_ms") {
            out.fsync = FsyncPolicy::interval_ms;
        } else if (value == "off") {
            out.fsync = FsyncPolicy::off;
        } else {
            fail(origin, fsync, "'fsync' must be one of always, interval_ms, off");
        }
    }
    read_unsigned(origin, node, "interval_ms", out.interval_ms);
    read_unsigned(origin, node, "segment_bytes", out.segment_bytes);
    if (out.interval_ms == 0 || out.segment_bytes < 4096) {
        fail(origin, node, "'interval_ms' must be at least 1 and 'segment_bytes' at least 4096");
    }
}

// Overlays one job type's keys on `out` (which already holds the defaults).
void read_job_type(const std::string& origin, const YAML::Node& node, const std::string& name,
                   JobTypeConfig& out) {
    if (node.IsNull()) {
        return;
    }
    check_keys(origin, node, "job_types." + name,
               {"timeout_s", "max_attempts", "backoff", "non_retryable", "batch"});
    read_unsigned(origin, node, "timeout_s", out.timeout_s);
    read_unsigned(origin, node, "max_attempts", out.max_attempts);
    if (out.max_attempts == 0) {
        fail(origin, node["max_attempts"], "'max_attempts' must be at least 1");
    }
    if (node["backoff"]) {
        read_backoff(origin, node["backoff"], out.backoff);
    }
    if (node["non_retryable"]) {
        read_non_retryable(origin, node["non_retryable"], out.non_retryable);
    }
    if (node["batch"]) {
        read_batch(origin, node["batch"], out.batch);
    }
}

void read_broker_section(const std::string& origin, const YAML::Node& node, BrokerConfig& out) {
    if (node.IsNull()) {
        return;
    }
    check_keys(origin, node, "broker",
               {"producers_endpoint", "workers_endpoint", "heartbeat_ms", "liveness", "max_pending",
                "max_payload_bytes", "shutdown_grace_s", "remember_done", "dead_letters_kept",
                "outcome_retention_s", "journal"});
    read_string(origin, node, "producers_endpoint", out.producers_endpoint);
    read_string(origin, node, "workers_endpoint", out.workers_endpoint);
    read_unsigned(origin, node, "heartbeat_ms", out.heartbeat_ms);
    read_unsigned(origin, node, "liveness", out.liveness);
    read_unsigned(origin, node, "max_pending", out.max_pending);
    read_unsigned(origin, node, "max_payload_bytes", out.max_payload_bytes);
    read_unsigned(origin, node, "shutdown_grace_s", out.shutdown_grace_s);
    read_unsigned(origin, node, "remember_done", out.remember_done);
    read_unsigned(origin, node, "dead_letters_kept", out.dead_letters_kept);
    read_unsigned(origin, node, "outcome_retention_s", out.outcome_retention_s);
    if (node["journal"]) {
        read_journal(origin, node["journal"], out.journal);
    }
    if (out.heartbeat_ms == 0 || out.liveness == 0 || out.max_pending == 0) {
        fail(origin, node, "'heartbeat_ms', 'liveness' and 'max_pending' must be at least 1");
    }
}

// `default` first, so every named type starts from it whatever the file order.
void read_job_types(const std::string& origin, const YAML::Node& node, BrokerConfig& out) {
    if (node.IsNull()) {
        return;
    }
    if (!node.IsMap()) {
        fail(origin, node, "'job_types' must be a map from job type name to settings");
    }
    if (node["default"]) {
        read_job_type(origin, node["default"], "default", out.default_type);
    }
    for (const auto& entry : node) {
        const auto name = entry.first.as<std::string>();
        if (name == "default") {
            continue;
        }
        JobTypeConfig type = out.default_type;
        read_job_type(origin, entry.second, name, type);
        out.types[name] = std::move(type);
    }
}

void apply_environment(BrokerConfig& config) {
    if (const char* value = std::getenv("FERRY_PRODUCERS_ENDPOINT"); value && *value) {
        config.producers_endpoint = value;
    }
    if (const char* value = std::getenv("FERRY_WORKERS_ENDPOINT"); value && *value) {
        config.workers_endpoint = value;
    }
}

} // namespace

const JobTypeConfig& BrokerConfig::type(const std::string& name) const {
    const auto found = types.find(name);
    return found == types.end() ? default_type : found->second;
}

BrokerConfig parse_broker_config(const std::string& yaml_text, const std::string& origin) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::ParserException& error) {
        throw ConfigError(where(origin, error.mark) + ": not valid YAML: " + error.msg);
    }
    BrokerConfig config;
    if (root.IsNull()) {
        apply_environment(config);
        return config;
    }
    if (!root.IsMap()) {
        fail(origin, root, "the configuration must be a map of sections");
    }
    // Other top-level sections (workers, input, output, ...) belong to other commands.
    if (root["broker"]) {
        read_broker_section(origin, root["broker"], config);
    }
    if (root["job_types"]) {
        read_job_types(origin, root["job_types"], config);
    }
    apply_environment(config);
    return config;
}

BrokerConfig load_broker_config(const std::string& path) {
    std::ifstream file(path);
    if (!file) {
        throw ConfigError(path + ": cannot open the configuration file");
    }
    std::ostringstream text;
    text << file.rdbuf();
    BrokerConfig config = parse_broker_config(text.str(), path);
    // Like every path in a config file, the journal's is relative to the file's directory.
    const std::filesystem::path journal(config.journal.path);
    if (!journal.empty() && journal.is_relative()) {
        config.journal.path = (std::filesystem::path(path).parent_path() / journal).string();
    }
    return config;
}

} // namespace ferry::broker
