// Interval parsing ("1h30m") and the epoch-anchored `every` timetable.
#include "ferry/schedule/every_timetable.hpp"

#include <array>
#include <cassert>
#include <cctype>
#include <cstdint>

namespace ferry::schedule {
namespace {

// The units, largest first; an interval names each at most once, in this order.
struct Unit {
    char letter;          // as written
    std::int64_t seconds; // its length
};
constexpr std::array<Unit, 4> units = {{{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}};

// Seconds of an unbounded interval would overflow long before this many digits.
constexpr std::size_t max_digits = 9;

[[noreturn]] void fail(std::string_view text, const std::string& what) {
    throw IntervalError("interval '" + std::string(text) + "': " + what +
                        "; write e.g. 30s, 5m, 2h, 1d or 1h30m");
}

std::size_t unit_index(std::string_view text, char letter) {
    for (std::size_t i = 0; i < units.size(); ++i) {
        if (units[i].letter == std::tolower(static_cast<unsigned char>(letter))) {
            return i;
        }
    }
    fail(text, "unknown unit '" + std::string(1, letter) + "' (units: d, h, m, s)");
}

bool is_digit(char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// One "<count><unit>" term of an interval, such as the "30m" of "1h30m".
struct Term {
    std::int64_t count; // how many of the unit
    std::size_t unit;   // index into `units`
};

// Reads the term starting at `at` and moves `at` past it.
Term read_term(std::string_view text, std::size_t& at) {
    const std::size_t start = at;
    while (at < text.size() && is_digit(text[at])) {
        ++at;
    }
    if (at == start) {
        fail(text, "expected a number at '" + std::string(text.substr(at)) + "'");
    }
    if (at - start > max_digits) {
        fail(text, "the number is too large");
    }
    const std::int64_t count = std::stoll(std::string(text.substr(start, at - start)));
    if (at == text.size()) {
        fail(text, "missing unit after " + std::to_string(count));
    }
    return {count, unit_index(text, text[at++])};
}

} // namespace

std::chrono::seconds parse_interval(std::string_view text) {
    if (text.empty()) {
        fail(text, "empty");
    }
    if (text.front() == '-') {
        fail(text, "an interval cannot be negative");
    }
    std::int64_t total = 0;
    std::size_t next_unit = 0; // units before this one are already used
    for (std::size_t at = 0; at < text.size();) {
        const Term term = read_term(text, at);
        if (term.unit < next_unit) {
            fail(text, "units must go from largest to smallest, each once (d, h, m, s)");
        }
        next_unit = term.unit + 1;
        total += term.count * units[term.unit].seconds;
    }
    if (total < 1) {
        fail(text, "an interval must be at least 1s");
    }
    return std::chrono::seconds(total);
}

std::string format_interval(std::chrono::seconds interval) {
    std::int64_t left = interval.count();
    std::string text;
    for (const Unit& unit : units) {
        if (left >= unit.seconds) {
            text += std::to_string(left / unit.seconds) + unit.letter;
            left %= unit.seconds;
        }
    }
    return text.empty() ? "0s" : text;
}

EveryTimetable::EveryTimetable(std::chrono::seconds interval) : interval_(interval) {
    assert(interval >= std::chrono::seconds(1));
}

// Floor division so instants before the epoch land on the same grid.
std::optional<Instant> EveryTimetable::next_after(Instant after) const {
    const std::int64_t step = interval_.count();
    const std::int64_t since_epoch = after.time_since_epoch().count();
    std::int64_t index = since_epoch / step;
    if (since_epoch % step < 0) {
        --index;
    }
    return Instant(std::chrono::seconds((index + 1) * step));
}

std::string EveryTimetable::describe() const {
    return "every " + format_interval(interval_);
}

} // namespace ferry::schedule
