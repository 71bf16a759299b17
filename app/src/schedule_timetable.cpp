// Building a pipeline's timetable, with the schedule module's errors placed in the config file.
#include "ferry/app/schedule_timetable.hpp"

#include "ferry/app/config_error.hpp"
#include "ferry/schedule/cron_expression.hpp"
#include "ferry/schedule/cron_timetable.hpp"
#include "ferry/schedule/every_timetable.hpp"
#include "ferry/schedule/time_zone.hpp"

#include <fmt/format.h>

namespace ferry::app {
namespace {

// No nominal times: the pipeline runs only when triggered (or backfilled).
class ManualTimetable final : public schedule::Timetable {
  public:
    [[nodiscard]] std::optional<schedule::Instant> next_after(schedule::Instant) const override {
        return std::nullopt;
    }
    [[nodiscard]] std::string describe() const override { return "manual (no schedule)"; }
};

} // namespace

std::shared_ptr<const schedule::Timetable> timetable_for(const PipelineConfig& config) {
    if (!config.schedule)
        return std::make_shared<ManualTimetable>();
    const ScheduleConfig& s = *config.schedule;
    try {
        (void)schedule::find_time_zone(s.timezone);
    } catch (const schedule::ZoneError& error) {
        throw ConfigError(fmt::format("{}: 'schedule.timezone': {}", s.timezone_at, error.what()));
    }
    if (!s.every.empty()) {
        try {
            return std::make_shared<schedule::EveryTimetable>(schedule::parse_interval(s.every));
        } catch (const schedule::IntervalError& error) {
            throw ConfigError(fmt::format("{}: 'schedule.every': {}", s.every_at, error.what()));
        }
    }
    try {
        return std::make_shared<schedule::CronTimetable>(s.cron, s.timezone);
    } catch (const schedule::CronError& error) {
        throw ConfigError(
            fmt::format("{}: 'schedule.cron' \"{}\": {}", s.cron_at, s.cron, error.what()));
    }
}

} // namespace ferry::app
