// `every` intervals: parsing with clear errors, and nominal times anchored at the Unix epoch.
#include "ferry/schedule/every_timetable.hpp"
#include "instants.hpp"

#include <catch2/catch.hpp>

using namespace ferry::schedule;
using ferry::schedule::testing::text;
using ferry::schedule::testing::utc;
using std::chrono::seconds;

namespace {

std::string interval_error(std::string_view text) {
    try {
        (void)parse_interval(text);
    } catch (const IntervalError& error) {
        return error.what();
    }
    FAIL("expected an IntervalError for '" << text << "'");
    return "";
}

} // namespace

TEST_CASE("intervals are read in seconds, minutes, hours, days and combinations") {
    CHECK(parse_interval("30s") == seconds(30));
    CHECK(parse_interval("5m") == seconds(300));
    CHECK(parse_interval("2h") == seconds(7200));
    CHECK(parse_interval("1d") == seconds(86400));
    CHECK(parse_interval("1h30m") == seconds(5400));
    CHECK(parse_interval("1d2h3m4s") == seconds(93784));
    CHECK(parse_interval("1s") == seconds(1));
}

TEST_CASE("bad intervals say what is wrong") {
    CHECK_THAT(interval_error("0s"), Catch::Contains("at least 1s"));
    CHECK_THAT(interval_error("0h0m"), Catch::Contains("at least 1s"));
    CHECK_THAT(interval_error("-5m"), Catch::Contains("cannot be negative"));
    CHECK_THAT(interval_error("5x"), Catch::Contains("unknown unit 'x'"));
    CHECK_THAT(interval_error("30"), Catch::Contains("missing unit after 30"));
    CHECK_THAT(interval_error(""), Catch::Contains("empty"));
    CHECK_THAT(interval_error("30m1h"), Catch::Contains("largest to smallest"));
    CHECK_THAT(interval_error("m"), Catch::Contains("expected a number"));
    CHECK_THAT(interval_error("1234567890s"), Catch::Contains("too large"));
    CHECK_THAT(interval_error("5x"), Catch::Contains("write e.g. 30s"));
}

TEST_CASE("intervals format back to what the parser reads") {
    CHECK(format_interval(seconds(5400)) == "1h30m");
    CHECK(format_interval(seconds(86400)) == "1d");
    CHECK(parse_interval(format_interval(seconds(93784))) == seconds(93784));
}

TEST_CASE("every interval fires on multiples of it since the epoch") {
    const EveryTimetable every_5m(seconds(300));
    CHECK(text(every_5m.next_after(utc(2026, 3, 1, 10, 2))) == "2026-03-01 10:05 UTC");
    CHECK(text(every_5m.next_after(utc(2026, 3, 1, 10, 5))) == "2026-03-01 10:10 UTC");
    // 7 minutes does not divide an hour: the grid is the epoch's, not the hour's.
    const EveryTimetable every_7m(seconds(420));
    const Instant next = *every_7m.next_after(utc(2026, 3, 1, 10, 0));
    CHECK(next.time_since_epoch().count() % 420 == 0);
    CHECK(next > utc(2026, 3, 1, 10, 0));
    CHECK(next <= utc(2026, 3, 1, 10, 7));
}

TEST_CASE("the epoch grid holds before 1970 too") {
    const EveryTimetable every_hour(seconds(3600));
    CHECK(text(every_hour.next_after(utc(1969, 12, 31, 22, 30))) == "1969-12-31 23:00 UTC");
}

TEST_CASE("describe spells the interval") {
    CHECK(EveryTimetable(seconds(5400)).describe() == "every 1h30m");
}
