// Zone lookup: IANA names and UTC are found; a misspelling gets the nearest names suggested.
#include "ferry/schedule/cron_timetable.hpp"
#include "ferry/schedule/time_zone.hpp"

#include <catch2/catch.hpp>

using namespace ferry::schedule;

namespace {

std::string zone_error(std::string_view name) {
    try {
        (void)find_time_zone(name);
    } catch (const ZoneError& error) {
        return error.what();
    }
    FAIL("expected a ZoneError for '" << name << "'");
    return "";
}

} // namespace

TEST_CASE("IANA zone names and UTC are found") {
    CHECK(find_time_zone("UTC") != nullptr);
    CHECK(find_time_zone("Europe/Berlin")->name() == "Europe/Berlin");
    CHECK(find_time_zone("Australia/Lord_Howe")->name() == "Australia/Lord_Howe");
}

TEST_CASE("a misspelt zone suggests the nearest name") {
    CHECK(zone_error("America/New_Yrok") ==
          "unknown time zone 'America/New_Yrok'; did you mean America/New_York?");
}

TEST_CASE("a zone in the wrong case suggests the right spelling") {
    CHECK(zone_error("europe/berlin") ==
          "unknown time zone 'europe/berlin'; did you mean Europe/Berlin?");
}

TEST_CASE("a zone far from every name says what to write instead") {
    CHECK_THAT(zone_error("Nowhere/Under_The_Sea_At_All"),
               Catch::Contains("use an IANA name such as Europe/Berlin"));
}

TEST_CASE("a cron timetable with an unknown zone throws the zone error") {
    CHECK_THROWS_AS(CronTimetable("@daily", "Mars/Olympus"), ZoneError);
}
