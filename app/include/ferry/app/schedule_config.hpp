// The `schedule` section of a pipeline file, as written: when `ferry serve` fires its runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ferry::app {

// What happens to a nominal time whose run would start while another run of the pipeline is
// still running.
enum class Overlap { skip, buffer_one, buffer_all, allow, cancel_other };
// What a restart does with nominal times missed while the service was down.
enum class Misfire { run_once, run_all };

// The section's values; `cron`/`every`/`timezone` are checked by the schedule module when the
// service builds the timetable (messages then point at the `*_at` positions).
struct ScheduleConfig {
    std::string cron;                      // 5-field cron or @macro (or empty)
    std::string cron_at;                   // file:line:col of the value
    std::string every;                     // interval such as 30s, 5m, 2h (or empty)
    std::string every_at;                  // file:line:col of the value
    std::string timezone = "UTC";          // IANA zone the cron fields are read in
    std::string timezone_at;               // file:line:col of the value
    Overlap overlap = Overlap::skip;       // see Overlap
    std::uint64_t catchup_window_s = 3600; // missed times older than this are not run
    Misfire misfire = Misfire::run_once;   // see Misfire
    std::uint64_t jitter_s = 0;            // deterministic delay bound per nominal time
    bool paused = false;                   // start paused
    std::uint64_t keep_runs = 100;         // run records kept per pipeline
};

// Seconds in `30s`, `5m`, `2h`, `1d`, `1h30m` (or `0s`); nullopt with `error` set when malformed.
[[nodiscard]] std::optional<std::uint64_t> parse_duration_s(const std::string& text,
                                                            std::string& error);

} // namespace ferry::app
