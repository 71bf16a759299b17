// The nominal times of a schedule: what a `cron` expression or an `every` interval means as a
// sequence of instants.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace ferry::schedule {

// One instant, in whole seconds of UTC: every nominal time is one, whatever the schedule's zone.
using Instant = std::chrono::sys_seconds;

// A schedule's nominal times, strictly increasing. Implementations are immutable and may be
// shared between threads.
class Timetable {
  public:
    virtual ~Timetable() = default;
    // The first nominal time strictly after `after`; nullopt when there is none (an expression
    // that can never match, such as Feb 30).
    [[nodiscard]] virtual std::optional<Instant> next_after(Instant after) const = 0;
    // The schedule as the user wrote it, for messages and `ferry runs`.
    [[nodiscard]] virtual std::string describe() const = 0;
};

} // namespace ferry::schedule
