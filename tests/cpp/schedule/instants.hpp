// Test helper: UTC instants from calendar fields, and back to text for readable failures.
#pragma once

#include "ferry/schedule/timetable.hpp"

#include <date/date.h>
#include <optional>
#include <string>

namespace ferry::schedule::testing {

inline Instant utc(int year, unsigned month, unsigned day, int hour = 0, int minute = 0) {
    const date::sys_days days = date::year(year) / date::month(month) / date::day(day);
    return Instant(days) + std::chrono::hours(hour) + std::chrono::minutes(minute);
}

inline std::string text(std::optional<Instant> at) {
    return at ? date::format("%F %R UTC", *at) : "none";
}

} // namespace ferry::schedule::testing
