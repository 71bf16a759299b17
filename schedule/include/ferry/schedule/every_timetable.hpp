// An `every:` schedule: the multiples of a fixed interval since the Unix epoch.
#pragma once

#include "ferry/schedule/timetable.hpp"

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ferry::schedule {

// An interval that cannot be parsed; the message says what is wrong and shows valid forms.
class IntervalError : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

// "30s", "5m", "2h", "1d", "1h30m" (units largest first, each at most once) -> seconds; at least
// 1s. Throws IntervalError.
[[nodiscard]] std::chrono::seconds parse_interval(std::string_view text);

// "1h30m" for 5400s: the shortest spelling parse_interval reads back.
[[nodiscard]] std::string format_interval(std::chrono::seconds interval);

// Nominal times are the UTC instants that are whole multiples of the interval since
// 1970-01-01T00:00:00Z, so they are the same across restarts and on every host.
class EveryTimetable final : public Timetable {
  public:
    explicit EveryTimetable(std::chrono::seconds interval); // asserts interval >= 1s

    [[nodiscard]] std::optional<Instant> next_after(Instant after) const override;
    [[nodiscard]] std::string describe() const override;

  private:
    std::chrono::seconds interval_; // at least 1s
};

} // namespace ferry::schedule
