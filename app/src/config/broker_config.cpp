// Loading and validating the broker's YAML sections (`broker`, `job_types`).
#include "ferry/app/broker_config.hpp"

#include "ferry/app/config_file.hpp"
#include "ferry/app/endpoint.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <limits>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

namespace ferry::app {
using namespace ferry::broker;
namespace {

[[noreturn]] void fail(const std::string& origin, const YAML::Node& node, const std::string& what) {
    throw ConfigError(position(origin, node.Mark()) + ": " + what);
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
        fail(origin, entry.first, unknown_key_message(key, section, allowed));
    }
}

// Durations are capped at a year, so that adding one to a clock reading cannot overflow.
constexpr std::uint64_t year_s = 365ULL * 24 * 3600;
constexpr std::uint64_t year_ms = year_s * 1000;
constexpr std::uint64_t no_limit = std::numeric_limits<std::uint64_t>::max();

// `minimum` is 1 for keys where 0 means nothing sensible (a zero batch, heartbeat, ...).
template <typename T>
void read_unsigned(const std::string& origin, const YAML::Node& map, const char* key, T& out,
                   std::uint64_t minimum = 0, std::uint64_t maximum = no_limit) {
    const auto node = map[key];
    if (!node) {
        return;
    }
    const auto text = node.IsScalar() ? node.Scalar() : std::string{};
    std::uint64_t value = 0;
    if (text.empty() || text[0] == '-' || !YAML::convert<std::uint64_t>::decode(node, value) ||
        value > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
        fail(origin, node,
             std::string("'") + key + "' must be a non-negative integer, got '" + text + "'");
    }
    if (value < minimum) {
        fail(origin, node,
             std::string("'") + key + "' must be at least " + std::to_string(minimum) + ", got " +
                 text);
    }
    if (value > maximum) {
        fail(origin, node,
             std::string("'") + key + "' must be at most " + std::to_string(maximum) + ", got " +
                 text);
    }
    out = static_cast<T>(value);
}

// NaN and infinity parse as doubles too; neither is a delay factor.
void read_double(const std::string& origin, const YAML::Node& map, const char* key, double& out,
                 double minimum, double maximum) {
    const auto node = map[key];
    if (node && (!node.IsScalar() || !YAML::convert<double>::decode(node, out) ||
                 !std::isfinite(out) || out < minimum || out > maximum)) {
        fail(origin, node,
             std::string("'") + key + "' must be a number from " +
                 fmt::format("{} to {}", minimum, maximum));
    }
}

void read_endpoint(const std::string& origin, const YAML::Node& map, const char* key,
                   std::string& out) {
    const auto node = map[key];
    if (!node) {
        return;
    }
    if (!node.IsScalar() || node.Scalar().empty()) {
        fail(origin, node, std::string("'") + key + "' must be an endpoint like tcp://HOST:PORT");
    }
    if (const auto problem = endpoint_problem(node.Scalar())) {
        fail(origin, node,
             fmt::format("'{}' {} {}; {}", key, node.Scalar(), problem->what, problem->fix));
    }
    out = node.Scalar();
}

void read_backoff(const std::string& origin, const YAML::Node& node, BackoffConfig& out) {
    check_keys(origin, node, "backoff", {"initial_ms", "max_ms", "multiplier", "jitter"});
    read_unsigned(origin, node, "initial_ms", out.initial_ms, 0, year_ms);
    read_unsigned(origin, node, "max_ms", out.max_ms, 0, year_ms);
    read_double(origin, node, "multiplier", out.multiplier, 1.0, 1000.0);
    read_double(origin, node, "jitter", out.jitter, 0.0, 1.0);
}

void read_batch(const std::string& origin, const YAML::Node& node, BatchConfig& out) {
    check_keys(origin, node, "batch", {"max_size", "max_delay_ms"});
    read_unsigned(origin, node, "max_size", out.max_size, 1);
    read_unsigned(origin, node, "max_delay_ms", out.max_delay_ms, 0, year_ms);
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
    read_unsigned(origin, node, "interval_ms", out.interval_ms, 1, year_ms);
    read_unsigned(origin, node, "segment_bytes", out.segment_bytes, 4096);
}

// Overlays one job type's keys on `out` (which already holds the defaults).
void read_job_type(const std::string& origin, const YAML::Node& node, const std::string& name,
                   JobTypeConfig& out) {
    if (node.IsNull()) {
        return;
    }
    check_keys(origin, node, "job_types." + name,
               {"timeout_s", "max_attempts", "backoff", "non_retryable", "batch"});
    read_unsigned(origin, node, "timeout_s", out.timeout_s, 0, year_s);
    read_unsigned(origin, node, "max_attempts", out.max_attempts, 1);
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
    read_endpoint(origin, node, "producers_endpoint", out.producers_endpoint);
    read_endpoint(origin, node, "workers_endpoint", out.workers_endpoint);
    read_unsigned(origin, node, "heartbeat_ms", out.heartbeat_ms, 1, year_ms);
    read_unsigned(origin, node, "liveness", out.liveness, 1, 100);
    read_unsigned(origin, node, "max_pending", out.max_pending, 1);
    read_unsigned(origin, node, "max_payload_bytes", out.max_payload_bytes, 1);
    read_unsigned(origin, node, "shutdown_grace_s", out.shutdown_grace_s, 0, year_s);
    read_unsigned(origin, node, "remember_done", out.remember_done);
    read_unsigned(origin, node, "dead_letters_kept", out.dead_letters_kept);
    read_unsigned(origin, node, "outcome_retention_s", out.outcome_retention_s, 0, year_s);
    if (node["journal"]) {
        read_journal(origin, node["journal"], out.journal);
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
        require_endpoint(value, "FERRY_PRODUCERS_ENDPOINT");
        config.producers_endpoint = value;
    }
    if (const char* value = std::getenv("FERRY_WORKERS_ENDPOINT"); value && *value) {
        require_endpoint(value, "FERRY_WORKERS_ENDPOINT");
        config.workers_endpoint = value;
    }
}

// The journal directory is created at start when missing: refuse now what would stop that (a
// file in its place, or a parent that is not a writable directory) with the key named.
void check_journal_directory(const std::string& directory, const std::string& origin) {
    namespace fs = std::filesystem;
    std::error_code error;
    fs::path existing = fs::absolute(directory, error);
    while (!existing.empty() && !fs::exists(existing, error) && existing != existing.root_path()) {
        existing = existing.parent_path();
    }
    std::string problem;
    if (!fs::is_directory(existing, error)) {
        problem = fmt::format("'{}' is not a directory", existing.string());
    } else if (::access(existing.c_str(), W_OK) != 0) {
        problem = fmt::format("'{}' is not writable", existing.string());
    }
    if (!problem.empty()) {
        throw ConfigError(fmt::format("journal directory '{}': {} (broker.journal.path in {}); "
                                      "give a directory path, or remove the key to run without a "
                                      "journal",
                                      directory, problem, origin));
    }
}

} // namespace

BrokerConfig parse_broker_config(const std::string& yaml_text, const std::string& origin) {
    const YAML::Node root = load_yaml(yaml_text, origin);
    check_top_level(root, origin);
    BrokerConfig config;
    if (root.IsNull()) {
        apply_environment(config);
        return config;
    }
    // The other sections (workers, input, output, ...) are read by the commands that use them.
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
    return load_broker_config(path, read_config_file(path));
}

BrokerConfig load_broker_config(const std::string& path, const std::string& text) {
    BrokerConfig config = parse_broker_config(text, path);
    // Like every path in a config file, the journal's is relative to the file's directory.
    const std::filesystem::path journal(config.journal.path);
    if (!journal.empty() && journal.is_relative()) {
        config.journal.path = (std::filesystem::path(path).parent_path() / journal).string();
    }
    if (!config.journal.path.empty()) {
        check_journal_directory(config.journal.path, path);
    }
    return config;
}

} // namespace ferry::app
