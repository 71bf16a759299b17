// Parsing and normalising the ISO 8601 times of the pipeline commands.
#include "ferry/app/admin_time.hpp"

#include "ferry/app/config_error.hpp"

#include <chrono>
#include <cstdio>

namespace ferry::app {
namespace {

// A cursor over the text that reads fixed-width decimal fields and literal characters; any
// mismatch sets `ok` false, so a parse is a straight line of reads checked once at the end.
class TimeCursor {
  public:
    explicit TimeCursor(std::string_view text) : text_(text) {}

    int digits(std::size_t width) {
        int value = 0;
        for (std::size_t i = 0; i < width; ++i) {
            const char c = next();
            ok_ = ok_ && c >= '0' && c <= '9';
            value = value * 10 + (c - '0');
        }
        return value;
    }
    void expect(char wanted) { ok_ = ok_ && next() == wanted; }
    // Consumes `wanted` if it comes next.
    bool take(char wanted) {
        if (pos_ < text_.size() && text_[pos_] == wanted) {
            ++pos_;
            return true;
        }
        return false;
    }
    [[nodiscard]] bool at_end() const { return pos_ == text_.size(); }
    [[nodiscard]] bool ok() const { return ok_; }

  private:
    char next() { return pos_ < text_.size() ? text_[pos_++] : '\0'; }

    std::string_view text_; // what is parsed
    std::size_t pos_ = 0;   // next character
    bool ok_ = true;        // every read so far matched
};

// The zone suffix in minutes east of UTC: Z or nothing is 0; empty when malformed.
std::optional<int> read_offset_minutes(TimeCursor& cursor) {
    if (cursor.at_end() || cursor.take('Z')) {
        return 0;
    }
    int sign = 1;
    if (cursor.take('-')) {
        sign = -1;
    } else {
        cursor.expect('+');
    }
    const int hours = cursor.digits(2);
    cursor.expect(':');
    const int minutes = cursor.digits(2);
    if (!cursor.ok() || hours > 23 || minutes > 59) {
        return std::nullopt;
    }
    return sign * (hours * 60 + minutes);
}

std::string format_utc(std::chrono::sys_seconds instant) {
    using namespace std::chrono;
    const auto midnight = floor<days>(instant);
    const year_month_day date{midnight};
    const hh_mm_ss clock{instant - midnight};
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(date.year()),
                  unsigned(date.month()), unsigned(date.day()), int(clock.hours().count()),
                  int(clock.minutes().count()), int(clock.seconds().count()));
    return text;
}

} // namespace

std::optional<std::string> normalize_admin_time(std::string_view text) {
    using namespace std::chrono;
    TimeCursor cursor(text);
    const int y = cursor.digits(4);
    cursor.expect('-');
    const int mo = cursor.digits(2);
    cursor.expect('-');
    const int d = cursor.digits(2);
    cursor.expect('T');
    const int h = cursor.digits(2);
    cursor.expect(':');
    const int mi = cursor.digits(2);
    const int s = cursor.take(':') ? cursor.digits(2) : 0;
    const auto offset = read_offset_minutes(cursor);
    const year_month_day date{year(y), month(unsigned(mo)), day(unsigned(d))};
    if (!cursor.ok() || !cursor.at_end() || !offset || !date.ok() || h > 23 || mi > 59 || s > 59) {
        return std::nullopt;
    }
    const sys_seconds local = sys_days(date) + hours(h) + minutes(mi) + seconds(s);
    const sys_seconds utc = local - minutes(*offset);
    const int utc_year = int(year_month_day(floor<days>(utc)).year());
    if (utc_year < 1 || utc_year > 9999) {
        return std::nullopt; // an offset pushed it out of four-digit years
    }
    return format_utc(utc);
}

std::string require_admin_time(std::string_view text, std::string_view flag) {
    if (auto normalized = normalize_admin_time(text)) {
        return *normalized;
    }
    throw ConfigError(std::string(flag) + " '" + std::string(text) + "' is not a time; expected " +
                      std::string(admin_time_forms));
}

} // namespace ferry::app
