// The times of `ferry trigger --at` and `ferry backfill --from/--to`: accepted forms, UTC output.
#include "ferry/app/admin_time.hpp"
#include "ferry/app/config_error.hpp"

#include <catch2/catch.hpp>

using ferry::app::normalize_admin_time;
using ferry::app::require_admin_time;

TEST_CASE("A UTC time with Z is sent as it is") {
    CHECK(normalize_admin_time("2026-12-03T02:00:00Z") == "2026-12-03T02:00:00Z");
}

TEST_CASE("A time without seconds gets :00 and one without a zone is taken as UTC") {
    CHECK(normalize_admin_time("2026-12-03T02:00") == "2026-12-03T02:00:00Z");
    CHECK(normalize_admin_time("2026-12-03T02:07:09") == "2026-12-03T02:07:09Z");
    CHECK(normalize_admin_time("2026-12-03T02:30Z") == "2026-12-03T02:30:00Z");
}

TEST_CASE("An offset is applied, moving the date when it crosses midnight") {
    CHECK(normalize_admin_time("2026-12-03T03:00:00+01:00") == "2026-12-03T02:00:00Z");
    CHECK(normalize_admin_time("2026-12-03T01:30:00+02:00") == "2026-12-02T23:30:00Z");
    CHECK(normalize_admin_time("2026-12-31T22:15-05:45") == "2027-01-01T04:00:00Z");
    CHECK(normalize_admin_time("2028-03-01T00:00:00+00:30") == "2028-02-29T23:30:00Z");
    CHECK(normalize_admin_time("2026-12-03T02:00:00-00:00") == "2026-12-03T02:00:00Z");
}

TEST_CASE("Times that are not ISO 8601 date and time are refused") {
    for (const char* text : {"", "tomorrow", "2026-12-03", "2026-12-03 02:00", "2026-12-03T2:00",
                             "26-12-03T02:00", "2026-12-03T02:00:00ZZ", "2026-12-03T02:00:00+0100",
                             "2026-12-03T02:00:00+01", "2026-12-03T02:00:00.5Z", "2026/12/03T02:00",
                             "2026-12-03T02:00:00 ", "x2026-12-03T02:00", "2026-12-03t02:00"}) {
        INFO(text);
        CHECK_FALSE(normalize_admin_time(text));
    }
}

TEST_CASE("Dates and clock times that do not exist are refused") {
    for (const char* text :
         {"2026-02-29T00:00", "2026-13-01T00:00", "2026-00-10T00:00", "2026-04-31T00:00",
          "2026-12-03T24:00", "2026-12-03T23:60", "2026-12-03T23:59:60", "2026-12-03T02:00+24:00",
          "2026-12-03T02:00+01:60", "0000-01-01T00:00Z"}) {
        INFO(text);
        CHECK_FALSE(normalize_admin_time(text));
    }
    CHECK(normalize_admin_time("2028-02-29T00:00") == "2028-02-29T00:00:00Z");
}

TEST_CASE("A refused time names the flag, the text and the expected form") {
    try {
        (void)require_admin_time("2026-12-3T02:00", "--at");
        FAIL("no error");
    } catch (const ferry::app::ConfigError& error) {
        const std::string message = error.what();
        CHECK(message.find("--at '2026-12-3T02:00'") != std::string::npos);
        CHECK(message.find("YYYY-MM-DDTHH:MM") != std::string::npos);
        CHECK(message.find("2026-12-03T02:00:00Z") != std::string::npos);
    }
    CHECK(require_admin_time("2026-12-03T02:00", "--at") == "2026-12-03T02:00:00Z");
}
