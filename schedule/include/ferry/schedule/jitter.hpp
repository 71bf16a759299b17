// The start delay of a scheduled run: spread over the jitter bound, the same on every restart.
#pragma once

#include "ferry/schedule/timetable.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace ferry::schedule {

// A delay in [0, min(bound, next_nominal - nominal)) derived from a hash of pipeline and nominal
// time (not random, so a restarted service waits for the same instant), and always before
// `next_nominal`: a run never starts at or after the nominal time that follows it.
[[nodiscard]] std::chrono::seconds jitter_delay(std::string_view pipeline, Instant nominal,
                                                std::chrono::seconds bound,
                                                std::optional<Instant> next_nominal);

} // namespace ferry::schedule
