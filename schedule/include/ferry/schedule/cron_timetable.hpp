// A cron expression evaluated in a named time zone: the Timetable a `cron:` schedule uses.
#pragma once

#include "ferry/schedule/cron_expression.hpp"
#include "ferry/schedule/timetable.hpp"

#include <date/tz.h>
#include <string>
#include <string_view>

namespace ferry::schedule {

// Nominal times are the local wall-clock minutes the expression matches, mapped to UTC by the
// zone's rules. Daylight saving policy (docs/schedules.md has worked examples):
// - a local time in a spring-forward gap fires at the end of the gap (the first valid instant);
//   several gap times collapse into that instant, which fires once;
// - a repeated local time (fall back) fires once, at its first (earlier) occurrence; the second
//   pass of the repeated wall times fires nothing, for hourly and */15 patterns too.
class CronTimetable final : public Timetable {
  public:
    // Throws CronError for a bad expression, ZoneError for an unknown zone.
    CronTimetable(std::string_view expression, std::string_view zone_name);

    // nullopt when nothing matches within cron_search_horizon (8 years) of `after`.
    [[nodiscard]] std::optional<Instant> next_after(Instant after) const override;
    [[nodiscard]] std::string describe() const override;

  private:
    // The instant a matched local minute fires at, by the policy above.
    [[nodiscard]] Instant resolve(LocalMinute local) const;

    CronExpression expression_;   // which local minutes match
    const date::time_zone* zone_; // owned by the tz database
};

} // namespace ferry::schedule
