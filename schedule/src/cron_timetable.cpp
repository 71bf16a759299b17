// Walking the expression's matches in local time and mapping each to UTC by the DST policy.
#include "ferry/schedule/cron_timetable.hpp"

#include "ferry/schedule/time_zone.hpp"

namespace ferry::schedule {

CronTimetable::CronTimetable(std::string_view expression, std::string_view zone_name)
    : expression_(CronExpression::parse(expression)), zone_(find_time_zone(zone_name)) {}

Instant CronTimetable::resolve(LocalMinute local) const {
    const date::local_seconds at(local);
    const date::local_info info = zone_->get_info(at);
    if (info.result == date::local_info::nonexistent) {
        return info.second.begin; // the end of the gap
    }
    // unique, or ambiguous: `first` is the earlier (pre-transition) occurrence.
    return Instant((at - info.first.offset).time_since_epoch());
}

// resolve() never decreases as local time grows (gap times collapse, a repeat keeps its first
// pass), so the first match whose instant is past `after` is the answer. Starting at `after`'s
// own local minute may meet matches that resolve to `after` or earlier (gap collapse, the second
// pass of a repeat); they are skipped, at most the length of one transition's worth of minutes.
std::optional<Instant> CronTimetable::next_after(Instant after) const {
    const date::local_seconds local_after = zone_->to_local(after);
    const LocalMinute start = date::floor<std::chrono::minutes>(local_after);
    const LocalMinute limit = start + cron_search_horizon;
    for (LocalMinute at = start; at <= limit; at += std::chrono::minutes(1)) {
        const std::optional<LocalMinute> match = expression_.next_match(at);
        if (!match || *match > limit) {
            return std::nullopt;
        }
        const Instant fires = resolve(*match);
        if (fires > after) {
            return fires;
        }
        at = *match;
    }
    return std::nullopt;
}

std::string CronTimetable::describe() const {
    return "cron '" + expression_.text() + "' in " + std::string(zone_->name());
}

} // namespace ferry::schedule
