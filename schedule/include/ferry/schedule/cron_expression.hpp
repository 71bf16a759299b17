// A parsed 5-field cron expression: which local wall-clock minutes it matches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <date/date.h>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ferry::schedule {

// A local wall-clock minute, with no zone attached yet.
using LocalMinute = date::local_time<std::chrono::minutes>;

// The five fields in the order they are written; `whole` marks an error about the expression as a
// whole (field count, macro).
enum class CronField : int { minute = 0, hour, day_of_month, month, day_of_week, whole = -1 };

// "minute", "hour", "day-of-month", "month", "day-of-week" or "expression".
[[nodiscard]] std::string_view cron_field_name(CronField field);

// A cron expression that cannot be parsed. `offset()` is the 0-based byte offset in the
// expression of the offending part, so a config loader can point at file:line:col; the message
// names the field and gives the 1-based column for a reader of the message alone.
class CronError : public std::runtime_error {
  public:
    CronError(CronField field, std::size_t offset, const std::string& message);
    [[nodiscard]] CronField field() const { return field_; }
    [[nodiscard]] std::string_view field_name() const { return cron_field_name(field_); }
    [[nodiscard]] std::size_t offset() const { return offset_; }

  private:
    CronField field_;    // which field is wrong
    std::size_t offset_; // where in the expression, 0-based
};

// The set of values each field allows, as bit masks (bit n = value n).
struct CronMasks {
    std::uint64_t minutes = 0;       // bits 0-59
    std::uint64_t hours = 0;         // bits 0-23
    std::uint64_t days_of_month = 0; // bits 1-31
    std::uint64_t months = 0;        // bits 1-12
    std::uint64_t days_of_week = 0;  // bits 0-6, Sunday = 0 (7 is folded into 0)
};

// How far ahead next_match looks before it concludes the expression never matches: 8 years
// covers the longest wait for Feb 29 (2096 -> 2104).
inline constexpr std::chrono::days cron_search_horizon{8 * 366};

class CronExpression {
  public:
    // Parses 5 fields or a macro (@hourly, @daily, @midnight, @weekly, @monthly, @yearly,
    // @annually); throws CronError.
    [[nodiscard]] static CronExpression parse(std::string_view text);

    // The first matching minute at or after `from`, or nullopt if none within the horizon.
    [[nodiscard]] std::optional<LocalMinute> next_match(LocalMinute from) const;
    [[nodiscard]] bool matches_day(date::year_month_day day) const;
    [[nodiscard]] const std::string& text() const { return text_; }
    [[nodiscard]] const CronMasks& masks() const { return masks_; }

  private:
    CronExpression(std::string text, CronMasks masks);
    // `at` itself when it matches, otherwise a later minute with no match in between.
    [[nodiscard]] LocalMinute skip_to_candidate(LocalMinute at) const;
    [[nodiscard]] LocalMinute skip_within_day(date::local_days day, LocalMinute at) const;

    std::string text_;      // as the user wrote it
    CronMasks masks_;       // the allowed values
    bool day_of_month_all_; // day-of-month allows every day: not a restriction
    bool day_of_week_all_;  // day-of-week allows every weekday: not a restriction
};

} // namespace ferry::schedule
