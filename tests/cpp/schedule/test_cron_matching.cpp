// Which instants a cron timetable yields in UTC: the day OR rule, leap days, never-matching.
#include "ferry/schedule/cron_timetable.hpp"
#include "instants.hpp"

#include <catch2/catch.hpp>

using namespace ferry::schedule;
using ferry::schedule::testing::text;
using ferry::schedule::testing::utc;

namespace {

std::vector<std::string> next_n(const Timetable& timetable, Instant after, int count) {
    std::vector<std::string> out;
    std::optional<Instant> at = after;
    for (int i = 0; i < count && at; ++i) {
        at = timetable.next_after(*at);
        out.push_back(text(at));
    }
    return out;
}

} // namespace

TEST_CASE("the next time is strictly after the given instant") {
    const CronTimetable hourly("0 * * * *", "UTC");
    CHECK(text(hourly.next_after(utc(2026, 1, 1, 10, 0))) == "2026-01-01 11:00 UTC");
    CHECK(text(hourly.next_after(utc(2026, 1, 1, 9, 59))) == "2026-01-01 10:00 UTC");
}

TEST_CASE("a month, day and time roll over into the next year") {
    const CronTimetable timetable("5 4 1 jan *", "UTC");
    CHECK(text(timetable.next_after(utc(2026, 1, 1, 4, 5))) == "2027-01-01 04:05 UTC");
}

TEST_CASE("a day matches either day field when both are restricted") {
    const CronTimetable timetable("0 0 13 * FRI", "UTC");
    // January 2026: Fridays are the 2nd, 9th, 16th, 23rd, 30th; the 13th is a Tuesday.
    CHECK(next_n(timetable, utc(2026, 1, 1), 6) ==
          std::vector<std::string>{"2026-01-02 00:00 UTC", "2026-01-09 00:00 UTC",
                                   "2026-01-13 00:00 UTC", "2026-01-16 00:00 UTC",
                                   "2026-01-23 00:00 UTC", "2026-01-30 00:00 UTC"});
}

TEST_CASE("a star day field leaves the other day field alone") {
    CHECK(next_n(CronTimetable("0 0 13 * *", "UTC"), utc(2026, 1, 1), 2) ==
          std::vector<std::string>{"2026-01-13 00:00 UTC", "2026-02-13 00:00 UTC"});
    CHECK(next_n(CronTimetable("0 0 * * FRI", "UTC"), utc(2026, 1, 1), 2) ==
          std::vector<std::string>{"2026-01-02 00:00 UTC", "2026-01-09 00:00 UTC"});
}

TEST_CASE("a day field that allows every value is no restriction") {
    // 1-31 is every day of the month, so only the Fridays remain, as with `*`.
    CHECK(next_n(CronTimetable("0 0 1-31 * FRI", "UTC"), utc(2026, 1, 1), 2) ==
          std::vector<std::string>{"2026-01-02 00:00 UTC", "2026-01-09 00:00 UTC"});
}

TEST_CASE("Feb 29 waits for the next leap year") {
    const CronTimetable timetable("0 0 29 2 *", "UTC");
    CHECK(text(timetable.next_after(utc(2025, 1, 1))) == "2028-02-29 00:00 UTC");
    // 2100 is not a leap year: eight years from 2096 to 2104.
    CHECK(text(timetable.next_after(utc(2096, 3, 1))) == "2104-02-29 00:00 UTC");
}

TEST_CASE("an expression that can never match has no next time") {
    CHECK_FALSE(CronTimetable("0 0 30 2 *", "UTC").next_after(utc(2026, 1, 1)));
    CHECK_FALSE(CronTimetable("0 0 31 4,6,9,11 *", "UTC").next_after(utc(2026, 1, 1)));
}

TEST_CASE("steps and lists yield each matching minute in order") {
    CHECK(next_n(CronTimetable("*/20 9-10 * * *", "UTC"), utc(2026, 5, 4, 9, 30), 4) ==
          std::vector<std::string>{"2026-05-04 09:40 UTC", "2026-05-04 10:00 UTC",
                                   "2026-05-04 10:20 UTC", "2026-05-04 10:40 UTC"});
    CHECK(text(CronTimetable("*/20 9-10 * * *", "UTC").next_after(utc(2026, 5, 4, 10, 40))) ==
          "2026-05-05 09:00 UTC");
}

TEST_CASE("a zone without daylight saving shifts every time by its offset") {
    const CronTimetable timetable("0 9 * * *", "Asia/Tokyo");
    CHECK(text(timetable.next_after(utc(2026, 6, 30, 12))) == "2026-07-01 00:00 UTC");
    CHECK(text(timetable.next_after(utc(2026, 7, 1, 0, 0))) == "2026-07-02 00:00 UTC");
}

TEST_CASE("describe names the expression and the zone") {
    CHECK(CronTimetable("@daily", "Europe/Berlin").describe() == "cron '@daily' in Europe/Berlin");
}
