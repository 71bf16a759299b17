// The table of configuration keys, and the nearest-name suggestion for unknown ones.
#include "ferry/app/config_keys.hpp"

#include "ferry/wire/edit_distance.hpp"

#include <algorithm>
#include <stdexcept>

namespace ferry::app {

const std::vector<ConfigSection>& config_sections() {
    static const std::vector<ConfigSection> sections = {
        {"(top level)",
         {"broker", "job_types", "input", "output", "producer", "workers", "aggregates", "stages",
          "schedule", "service", "http", "security"}},
        {"security", {"insecure", "curve"}},
        {"security.curve", {"secret_key_file", "producers", "workers", "admins"}},
        {"http", {"listen", "token_file", "token_env", "tls", "limits", "retention", "client"}},
        {"http.tls", {"cert_file", "key_file"}},
        {"http.limits", {"max_body_bytes", "header_timeout_ms", "max_connections"}},
        {"http.retention", {"outcomes_s", "max_outcomes", "fetched_grace_s"}},
        {"service", {"state_dir", "pipelines", "shutdown_grace_s"}},
        {"broker",
         {"producers_endpoint", "workers_endpoint", "heartbeat_ms", "liveness", "max_pending",
          "max_payload_bytes", "shutdown_grace_s", "remember_done", "dead_letters_kept",
          "outcome_retention_s", "journal"}},
        {"broker.journal", {"path", "fsync", "interval_ms", "segment_bytes"}},
        {"job_types.<type>", {"timeout_s", "max_attempts", "backoff", "non_retryable", "batch"}},
        {"job_types.<type>.backoff", {"initial_ms", "max_ms", "multiplier", "jitter"}},
        {"job_types.<type>.batch", {"max_size", "max_delay_ms"}},
        {"input", {"path", "type", "on_invalid", "arrays", "wait"}},
        {"output", {"path", "order", "format"}},
        {"producer", {"client", "window", "submit_batch", "progress_interval_s", "heartbeat_ms"}},
        {"workers[]",
         {"handlers", "native", "processes", "python", "max_jobs", "max_rss_mb", "prefetch",
          "max_credit", "inline", "heartbeat_ms", "log_level", "start_method"}},
        {"aggregates[]", {"name", "kind", "field", "result_field", "input_field", "stage"}},
        {"stages[]", {"name", "type", "for_each", "payload"}},
        {"schedule",
         {"cron", "every", "timezone", "overlap", "catchup_window", "misfire", "jitter", "paused",
          "keep_runs"}},
    };
    return sections;
}

const std::vector<std::string_view>& keys_of(std::string_view path) {
    for (const auto& section : config_sections()) {
        if (section.path == path)
            return section.keys;
    }
    throw std::logic_error("no config section " + std::string(path));
}

// A suggestion is only useful when it is much closer than a rewrite: at most a third of the
// longer name may differ (and at least two edits are always allowed for short typos).
std::string nearest_name(std::string_view key, const std::vector<std::string_view>& allowed) {
    std::string best;
    std::size_t best_distance = 0;
    for (const auto name : allowed) {
        const std::size_t distance = wire::edit_distance(key, name);
        if (best.empty() || distance < best_distance) {
            best = std::string(name);
            best_distance = distance;
        }
    }
    const std::size_t limit = std::max<std::size_t>(2, std::max(key.size(), best.size()) / 3);
    return best_distance <= limit ? best : std::string{};
}

} // namespace ferry::app
