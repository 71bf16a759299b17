// The daylight saving policy: a time in a spring gap fires at the gap's end, once; a repeated
// time fires at its first occurrence only. New York and Berlin shift by an hour, Lord Howe by 30
// minutes. Expected instants are worked out by hand from each zone's published rules.
#include "ferry/schedule/cron_timetable.hpp"
#include "instants.hpp"

#include <catch2/catch.hpp>

using namespace ferry::schedule;
using ferry::schedule::testing::text;
using ferry::schedule::testing::utc;

namespace {

using Times = std::vector<std::string>;

Times next_n(const CronTimetable& timetable, Instant after, int count) {
    Times out;
    std::optional<Instant> at = after;
    for (int i = 0; i < count && at; ++i) {
        at = timetable.next_after(*at);
        out.push_back(text(at));
    }
    return out;
}

} // namespace

// America/New_York 2026: 02:00 EST -> 03:00 EDT on Mar 8 (07:00 UTC); 02:00 EDT -> 01:00 EST on
// Nov 1 (06:00 UTC).
TEST_CASE("New York: a daily time inside the spring gap fires at the gap's end") {
    const CronTimetable timetable("30 2 * * *", "America/New_York");
    CHECK(next_n(timetable, utc(2026, 3, 7, 12), 3) ==
          Times{"2026-03-08 07:00 UTC", "2026-03-09 06:30 UTC", "2026-03-10 06:30 UTC"});
}

TEST_CASE("New York: several gap times collapse into one firing") {
    const CronTimetable timetable("0,30 2 * * *", "America/New_York");
    CHECK(next_n(timetable, utc(2026, 3, 8, 5), 2) ==
          Times{"2026-03-08 07:00 UTC", "2026-03-09 06:00 UTC"});
}

TEST_CASE("New York: a quarter-hourly pattern skips the gap and fires at its end once") {
    const CronTimetable timetable("*/15 * * * *", "America/New_York");
    // 01:45 EST is 06:45 UTC; 02:00-02:45 do not exist and 03:00 EDT is 07:00 UTC.
    CHECK(next_n(timetable, utc(2026, 3, 8, 6, 30), 3) ==
          Times{"2026-03-08 06:45 UTC", "2026-03-08 07:00 UTC", "2026-03-08 07:15 UTC"});
}

TEST_CASE("New York: a daily time inside the repeated hour fires at its first occurrence") {
    const CronTimetable timetable("30 1 * * *", "America/New_York");
    // 01:30 EDT is 05:30 UTC; its repeat at 01:30 EST (06:30 UTC) does not fire.
    CHECK(next_n(timetable, utc(2026, 10, 31, 12), 3) ==
          Times{"2026-11-01 05:30 UTC", "2026-11-02 06:30 UTC", "2026-11-03 06:30 UTC"});
}

TEST_CASE("New York: an hourly pattern does not fire again in the repeated hour") {
    const CronTimetable timetable("0 * * * *", "America/New_York");
    // 00:00 EDT, 01:00 EDT, then 02:00 EST: the second 01:00 (06:00 UTC) is skipped.
    CHECK(next_n(timetable, utc(2026, 11, 1, 3, 30), 3) ==
          Times{"2026-11-01 04:00 UTC", "2026-11-01 05:00 UTC", "2026-11-01 07:00 UTC"});
}

TEST_CASE("New York: a quarter-hourly pattern fires each wall time of the repeat once") {
    const CronTimetable timetable("*/15 * * * *", "America/New_York");
    CHECK(next_n(timetable, utc(2026, 11, 1, 5, 30), 3) ==
          Times{"2026-11-01 05:45 UTC", "2026-11-01 07:00 UTC", "2026-11-01 07:15 UTC"});
}

TEST_CASE("New York: asking from inside the second pass of the repeat waits for its end") {
    const CronTimetable timetable("*/15 * * * *", "America/New_York");
    // 06:20 UTC is 01:20 EST, the second pass; 01:30 and 01:45 already fired in the first.
    CHECK(text(timetable.next_after(utc(2026, 11, 1, 6, 20))) == "2026-11-01 07:00 UTC");
}

// Europe/Berlin 2026: 02:00 CET -> 03:00 CEST on Mar 29 (01:00 UTC); 03:00 CEST -> 02:00 CET on
// Oct 25 (01:00 UTC).
TEST_CASE("Berlin: a daily time inside the spring gap fires at the gap's end") {
    const CronTimetable timetable("30 2 * * *", "Europe/Berlin");
    CHECK(next_n(timetable, utc(2026, 3, 28, 12), 3) ==
          Times{"2026-03-29 01:00 UTC", "2026-03-30 00:30 UTC", "2026-03-31 00:30 UTC"});
}

TEST_CASE("Berlin: a daily time inside the repeated hour fires at its first occurrence") {
    const CronTimetable timetable("30 2 * * *", "Europe/Berlin");
    CHECK(next_n(timetable, utc(2026, 10, 24, 12), 2) ==
          Times{"2026-10-25 00:30 UTC", "2026-10-26 01:30 UTC"});
}

TEST_CASE("Berlin: an hourly pattern across both transitions") {
    const CronTimetable timetable("0 * * * *", "Europe/Berlin");
    // Spring: 01:00 CET (00:00 UTC) then 03:00 CEST (01:00 UTC); 02:00 is the gap's end too.
    CHECK(next_n(timetable, utc(2026, 3, 28, 23, 30), 3) ==
          Times{"2026-03-29 00:00 UTC", "2026-03-29 01:00 UTC", "2026-03-29 02:00 UTC"});
    // Fall: 02:00 CEST (00:00 UTC), then 03:00 CET (02:00 UTC); the second 02:00 is skipped.
    CHECK(next_n(timetable, utc(2026, 10, 24, 23, 30), 3) ==
          Times{"2026-10-25 00:00 UTC", "2026-10-25 02:00 UTC", "2026-10-25 03:00 UTC"});
}

// Australia/Lord_Howe: +10:30 standard, +11:00 daylight. 2026-10-04 02:00 -> 02:30 (15:30 UTC on
// Oct 3); 2026-04-05 02:00 -> 01:30 (15:00 UTC on Apr 4), so 01:30-01:59 happen twice.
TEST_CASE("Lord Howe: a daily time inside the half-hour spring gap fires at its end") {
    const CronTimetable timetable("15 2 * * *", "Australia/Lord_Howe");
    CHECK(next_n(timetable, utc(2026, 10, 3, 0), 2) ==
          Times{"2026-10-03 15:30 UTC", "2026-10-04 15:15 UTC"});
}

TEST_CASE("Lord Howe: a quarter-hourly pattern across the half-hour spring gap") {
    const CronTimetable timetable("*/15 * * * *", "Australia/Lord_Howe");
    // 01:45 (+10:30) is 15:15 UTC; 02:00 and 02:15 collapse with 02:30 (+11:00) at 15:30 UTC.
    CHECK(next_n(timetable, utc(2026, 10, 3, 15, 0), 3) ==
          Times{"2026-10-03 15:15 UTC", "2026-10-03 15:30 UTC", "2026-10-03 15:45 UTC"});
}

TEST_CASE("Lord Howe: a daily time inside the half-hour repeat fires at its first occurrence") {
    const CronTimetable timetable("45 1 * * *", "Australia/Lord_Howe");
    // 01:45 (+11:00) is 14:45 UTC; the repeat at 01:45 (+10:30), 15:15 UTC, does not fire.
    CHECK(next_n(timetable, utc(2026, 4, 4, 0), 2) ==
          Times{"2026-04-04 14:45 UTC", "2026-04-05 15:15 UTC"});
}

TEST_CASE("Lord Howe: a quarter-hourly pattern fires the repeated half hour once") {
    const CronTimetable timetable("*/15 * * * *", "Australia/Lord_Howe");
    // 01:30 and 01:45 (+11:00) at 14:30 and 14:45 UTC; next 02:00 (+10:30) at 15:30 UTC.
    CHECK(next_n(timetable, utc(2026, 4, 4, 14, 15), 3) ==
          Times{"2026-04-04 14:30 UTC", "2026-04-04 14:45 UTC", "2026-04-04 15:30 UTC"});
}

TEST_CASE("a long search across many transitions stays on local wall time") {
    // A yearly July job in New York for ten years: 12:00 EDT is always 16:00 UTC.
    const CronTimetable timetable("0 12 4 7 *", "America/New_York");
    std::optional<Instant> at = utc(2026, 1, 1);
    for (int year = 2026; year < 2036; ++year) {
        at = timetable.next_after(*at);
        REQUIRE(at);
        CHECK(text(at) == std::to_string(year) + "-07-04 16:00 UTC");
    }
}
