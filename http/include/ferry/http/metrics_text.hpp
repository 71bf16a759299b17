// The Prometheus text exposition of /metrics, built from what the broker and the service report.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace ferry::http {

// Everything one scrape renders, gathered by the route.
struct MetricsSources {
    std::string status_json;                   // the broker's STATUS map as JSON
    std::optional<std::string> scheduler_json; // ADMIN `metrics` of `ferry serve`; none: broker
    std::map<std::pair<std::string, int>, std::uint64_t> requests; // (route, status) -> count
    std::string version;                                           // ferry_build_info labels
    std::string commit;
    std::string service; // "broker" or "serve"
};

// Thrown when status_json is not the JSON object the broker sends.
class MetricsInputError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The text format (version 0.0.4): HELP and TYPE for every family, counters ending in _total,
// base units (seconds, bytes), job types and pipelines as labels, never job ids.
[[nodiscard]] std::string metrics_text(const MetricsSources& sources);

} // namespace ferry::http
