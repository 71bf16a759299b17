// Durations of the `schedule` and `input` sections: the schedule module's intervals, or zero.
#include "ferry/app/schedule_config.hpp"

#include "ferry/schedule/every_timetable.hpp"

namespace ferry::app {

std::optional<std::uint64_t> parse_duration_s(const std::string& text, std::string& error) {
    if (text == "0" || text == "0s")
        return 0; // "no delay" (jitter, input.wait) is a duration here, not an interval
    try {
        return static_cast<std::uint64_t>(schedule::parse_interval(text).count());
    } catch (const schedule::IntervalError& bad) {
        error = bad.what();
        return std::nullopt;
    }
}

} // namespace ferry::app
