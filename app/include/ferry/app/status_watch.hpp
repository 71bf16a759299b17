// `ferry status --watch`: the status, refreshed in the terminal with a throughput sparkline and
// the pipelines (under `ferry serve`), or one JSON line per refresh for scripts.
#pragma once

#include "ferry/app/exit_code.hpp"
#include "ferry/security/client_keys.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

namespace ferry::app {

struct WatchOptions {
    std::string endpoint;                     // the broker's producers endpoint
    std::chrono::milliseconds interval{2000}; // between refreshes
    bool json = false;                        // NDJSON instead of the table
    security::ClientCurve curve;              // CURVE keys (an admin key)
};

// Refreshes until `stop` is set (Ctrl-C). A broker that stops answering is reported on the
// screen and asked again at the next refresh; the watch goes on.
ExitCode watch_status(const WatchOptions& options, const std::atomic<bool>& stop);

// A sparkline of the rates, scaled to their maximum ("▁▂▃▄▅▆▇█"), one character per rate.
[[nodiscard]] std::string sparkline(const std::deque<double>& rates);

} // namespace ferry::app
