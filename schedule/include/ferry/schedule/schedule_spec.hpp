// How one pipeline is scheduled: its timetable and the policies for overlap, downtime and jitter.
#pragma once

#include "ferry/schedule/timetable.hpp"

#include <chrono>
#include <cstddef>
#include <memory>

namespace ferry::schedule {

// What a nominal time does when it comes due while a run of the pipeline is still running.
enum class OverlapPolicy {
    skip,         // recorded skipped_overlap, not run
    buffer_one,   // waits for the running one; a further one while one waits is skipped
    buffer_all,   // all wait, started one after another in order
    allow,        // starts at once, concurrently
    cancel_other, // the running runs are cancelled and the new one starts
};

// Which nominal times missed during downtime (inside the catch-up window) are run.
enum class MisfirePolicy {
    run_once, // only the latest; the others are recorded missed
    run_all,  // all of them, oldest first, subject to the overlap policy
};

struct ScheduleSpec {
    std::shared_ptr<const Timetable> timetable; // the nominal times
    OverlapPolicy overlap = OverlapPolicy::skip;
    MisfirePolicy misfire = MisfirePolicy::run_once;
    std::chrono::seconds catchup_window{std::chrono::hours{1}}; // older missed times are not run
    std::size_t catchup_cap = 100;  // at most this many catch-up runs after one downtime
    std::chrono::seconds jitter{0}; // upper bound of the per-nominal-time start delay
    bool paused = false;            // start paused
};

} // namespace ferry::schedule
