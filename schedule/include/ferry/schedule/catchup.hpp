// What to do about the nominal times that passed while the service was down.
#pragma once

#include "ferry/schedule/run_record.hpp"
#include "ferry/schedule/schedule_spec.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace ferry::schedule {

// Missed times recorded one by one at most; older ones are only counted and logged, because
// retention would drop their records anyway and a long downtime of a per-second schedule must
// not turn into millions of lines.
inline constexpr std::size_t max_missed_records = 1000;

struct CatchupDecision {
    std::vector<RunRecord> runs;         // pending catch-up runs, oldest first
    std::vector<RunRecord> missed;       // recorded missed, oldest first
    std::size_t unrecorded_missed = 0;   // missed times beyond max_missed_records
    std::string error;                   // the cap message when the cap cut runs off
    std::optional<Instant> next_nominal; // the first nominal time at or after `now`
};

// Decides every nominal time in (last, now): those older than the catch-up window are missed;
// of those inside it, run_once runs the latest and run_all runs them all up to the cap (the
// newest `catchup_cap`), the others are missed with the reason in their cause.
[[nodiscard]] CatchupDecision decide_catchup(const std::string& pipeline, const ScheduleSpec& spec,
                                             Instant last, Instant now);

} // namespace ferry::schedule
