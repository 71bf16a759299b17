// Parsing cron expressions: each field form, names, macros, and errors that locate the field.
#include "ferry/schedule/cron_expression.hpp"

#include <catch2/catch.hpp>

using namespace ferry::schedule;

namespace {

std::uint64_t bits(std::initializer_list<int> values) {
    std::uint64_t mask = 0;
    for (int value : values) {
        mask |= std::uint64_t{1} << value;
    }
    return mask;
}

CronError error_of(std::string_view text) {
    try {
        (void)CronExpression::parse(text);
    } catch (const CronError& error) {
        return error;
    }
    FAIL("expected a CronError for '" << text << "'");
    return CronError(CronField::whole, 0, "");
}

} // namespace

TEST_CASE("a star allows every value of its field") {
    const CronMasks masks = CronExpression::parse("* * * * *").masks();
    CHECK(masks.minutes == (std::uint64_t{1} << 60) - 1);
    CHECK(masks.hours == (std::uint64_t{1} << 24) - 1);
    CHECK(masks.days_of_month == ((std::uint64_t{1} << 32) - 2));
    CHECK(masks.months == ((std::uint64_t{1} << 13) - 2));
    CHECK(masks.days_of_week == (std::uint64_t{1} << 7) - 1);
}

TEST_CASE("ranges, steps and lists combine within a field") {
    CHECK(CronExpression::parse("1-4 * * * *").masks().minutes == bits({1, 2, 3, 4}));
    CHECK(CronExpression::parse("*/20 * * * *").masks().minutes == bits({0, 20, 40}));
    CHECK(CronExpression::parse("10-30/10 * * * *").masks().minutes == bits({10, 20, 30}));
    CHECK(CronExpression::parse("50/4 * * * *").masks().minutes == bits({50, 54, 58}));
    CHECK(CronExpression::parse("1,5,7-8 * * * *").masks().minutes == bits({1, 5, 7, 8}));
    CHECK(CronExpression::parse("0 */6 * * *").masks().hours == bits({0, 6, 12, 18}));
    CHECK(CronExpression::parse("0 0 1/10 * *").masks().days_of_month == bits({1, 11, 21, 31}));
}

TEST_CASE("month and day names are read in any case") {
    CHECK(CronExpression::parse("0 0 1 jan,Jun,DEC *").masks().months == bits({1, 6, 12}));
    CHECK(CronExpression::parse("0 0 * FEB-apr *").masks().months == bits({2, 3, 4}));
    CHECK(CronExpression::parse("0 0 * * mon-FRI").masks().days_of_week == bits({1, 2, 3, 4, 5}));
    CHECK(CronExpression::parse("0 0 * * Sun,sat").masks().days_of_week == bits({0, 6}));
}

TEST_CASE("day of week 7 is Sunday like 0") {
    CHECK(CronExpression::parse("0 0 * * 7").masks().days_of_week == bits({0}));
    CHECK(CronExpression::parse("0 0 * * 5-7").masks().days_of_week == bits({0, 5, 6}));
}

TEST_CASE("macros stand for their five-field expressions") {
    const auto same = [](std::string_view macro, std::string_view fields) {
        const CronMasks a = CronExpression::parse(macro).masks();
        const CronMasks b = CronExpression::parse(fields).masks();
        return a.minutes == b.minutes && a.hours == b.hours && a.days_of_month == b.days_of_month &&
               a.months == b.months && a.days_of_week == b.days_of_week;
    };
    CHECK(same("@hourly", "0 * * * *"));
    CHECK(same("@daily", "0 0 * * *"));
    CHECK(same("@midnight", "0 0 * * *"));
    CHECK(same("@weekly", "0 0 * * 0"));
    CHECK(same("@monthly", "0 0 1 * *"));
    CHECK(same("@yearly", "0 0 1 1 *"));
    CHECK(same("@ANNUALLY", "0 0 1 1 *"));
    CHECK_FALSE(same("@hourly", "0 0 * * *"));
    CHECK(CronExpression::parse("@daily").text() == "@daily");
}

TEST_CASE("an out-of-range value names its field, column and allowed range") {
    const CronError error = error_of("0 0 32 * *");
    CHECK(error.field() == CronField::day_of_month);
    CHECK(error.field_name() == "day-of-month");
    CHECK(error.offset() == 4);
    CHECK_THAT(error.what(), Catch::Contains("day-of-month '32' at column 5") &&
                                 Catch::Contains("out of range 1-31"));
}

TEST_CASE("an error inside a list points at the bad item") {
    const CronError error = error_of("0 1,2,99 * * *");
    CHECK(error.field() == CronField::hour);
    CHECK(error.offset() == 6);
    CHECK_THAT(error.what(), Catch::Contains("0-23"));
}

TEST_CASE("malformed fields are refused with what is wrong") {
    CHECK(error_of("*/0 * * * *").field() == CronField::minute);
    CHECK_THAT(error_of("*/0 * * * *").what(), Catch::Contains("at least 1"));
    CHECK_THAT(error_of("0 0 * * 5-2").what(), Catch::Contains("runs backwards"));
    CHECK(error_of("0 0 * foo *").field() == CronField::month);
    CHECK_THAT(error_of("0 0 * foo *").what(),
               Catch::Contains("not a number or a name") && Catch::Contains("JAN-DEC"));
    CHECK(error_of("0 0 * * 8").field() == CronField::day_of_week);
    CHECK_THAT(error_of("0 0 * * 8").what(), Catch::Contains("SUN-SAT"));
    CHECK_THAT(error_of("1,,2 * * * *").what(), Catch::Contains("empty list item"));
    CHECK(error_of("0 0 * mon *").field() == CronField::month);
    CHECK(error_of("0 0 * * jan").field() == CronField::day_of_week);
}

TEST_CASE("six fields are refused because there is no seconds field") {
    const CronError error = error_of("0 0 0 * * *");
    CHECK(error.field() == CronField::whole);
    CHECK_THAT(error.what(), Catch::StartsWith("cron expression: 6 fields: Ferry's cron has no "
                                               "seconds field;"));
}

TEST_CASE("a wrong field count says how many fields were expected") {
    CHECK_THAT(error_of("0 0 * *").what(), Catch::Contains("4 fields, expected 5"));
    CHECK_THAT(error_of("").what(), Catch::Contains("0 fields"));
}

TEST_CASE("@reboot and unknown macros are refused clearly") {
    CHECK_THAT(error_of("@reboot").what(), Catch::Contains("@reboot is not supported"));
    CHECK_THAT(error_of("@often").what(), Catch::Contains("unknown macro '@often'"));
}

TEST_CASE("an expression that can never match still parses") {
    CHECK_NOTHROW(CronExpression::parse("0 0 30 2 *"));
}
