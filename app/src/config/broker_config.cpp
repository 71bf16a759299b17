// Loading and validating the broker's YAML sections (`broker`, `job_types`).
#include "ferry/app/broker_config.hpp"

#include "ferry/app/config_file.hpp"
#include "ferry/app/config_keys.hpp"
#include "ferry/app/config_section.hpp"
#include "ferry/app/endpoint.hpp"
#include "ferry/app/security_settings.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <optional>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

namespace ferry::app {
using namespace ferry::broker;
namespace {

// Durations are capped at a year, so that adding one to a clock reading cannot overflow.
constexpr std::uint64_t year_s = 365ULL * 24 * 3600;
constexpr std::uint64_t year_ms = year_s * 1000;

void read_backoff(const Section& section, BackoffConfig& out) {
    section.read("initial_ms", out.initial_ms, 0, year_ms);
    section.read("max_ms", out.max_ms, 0, year_ms);
    section.read("multiplier", out.multiplier, 1.0, 1000.0);
    section.read("jitter", out.jitter, 0.0, 1.0);
}

BatchConfig read_batch(const Section& section, BatchConfig batch) {
    section.read("max_size", batch.max_size, 1);
    section.read("max_delay_ms", batch.max_delay_ms, 0, year_ms);
    return batch;
}

void read_journal(const Section& section, JournalConfig& out) {
    static constexpr std::array policies{FsyncPolicy::always, FsyncPolicy::interval_ms,
                                         FsyncPolicy::off}; // in the order of the names below
    const auto current = std::find(policies.begin(), policies.end(), out.fsync);
    section.read("path", out.path);
    out.fsync = policies[section.choose("fsync", {"always", "interval_ms", "off"},
                                        static_cast<std::size_t>(current - policies.begin()))];
    section.read("interval_ms", out.interval_ms, 1, year_ms);
    section.read("segment_bytes", out.segment_bytes, 4096);
}

// Overlays one job type's keys on `out` (which already holds the defaults).
void read_job_type(const Section& section, JobTypeConfig& out) {
    section.read("timeout_s", out.timeout_s, 0, year_s);
    section.read("max_attempts", out.max_attempts, 1);
    read_backoff(section.child("backoff", keys_of("job_types.<type>.backoff")), out.backoff);
    section.read("non_retryable", out.non_retryable);
    if (section.has("batch")) {
        // A type's batch section starts from its `default`'s, or from the built-in values when
        // `default` leaves batching to the handlers.
        out.batch = read_batch(section.child("batch", keys_of("job_types.<type>.batch")),
                               out.batch.value_or(BatchConfig{}));
    }
}

void read_broker_section(const Section& section, BrokerConfig& out) {
    section.read_endpoint("producers_endpoint", out.producers_endpoint);
    section.read_endpoint("workers_endpoint", out.workers_endpoint);
    section.read("heartbeat_ms", out.heartbeat_ms, 1, year_ms);
    section.read("liveness", out.liveness, 1, 100);
    section.read("max_pending", out.max_pending, 1);
    section.read("max_payload_bytes", out.max_payload_bytes, 1);
    section.read("shutdown_grace_s", out.shutdown_grace_s, 0, year_s);
    section.read("remember_done", out.remember_done);
    section.read("dead_letters_kept", out.dead_letters_kept);
    section.read("outcome_retention_s", out.outcome_retention_s, 0, year_s);
    read_journal(section.child("journal", keys_of("broker.journal")), out.journal);
}

// `default` first, so every named type starts from it whatever the file order.
void read_job_types(const std::string& origin, const YAML::Node& node, BrokerConfig& out) {
    if (node.IsNull())
        return;
    if (!node.IsMap()) {
        throw ConfigError(position(origin, node.Mark()) +
                          ": 'job_types' must be a map from job type name to settings");
    }
    const auto type_section = [&](const std::string& name) {
        return Section(node[name], origin, "job_types." + name, keys_of("job_types.<type>"));
    };
    if (node["default"])
        read_job_type(type_section("default"), out.default_type);
    for (const auto& entry : node) {
        const auto name = entry.first.as<std::string>();
        if (name == "default")
            continue;
        JobTypeConfig type = out.default_type;
        read_job_type(type_section(name), type);
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
    // The other sections (workers, input, output, ...) are read by parse_pipeline_config; every
    // command reads both, so every command checks every key.
    read_broker_section(Section(root["broker"], origin, "broker", keys_of("broker")), config);
    if (root["job_types"])
        read_job_types(origin, root["job_types"], config);
    (void)parse_security_settings(root, origin, ""); // checked here; the key files are read by
                                                     // the commands that bind (arm_security)
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
