// Splitting a cron expression into fields, expanding macros, and finding the next matching minute
// by skipping whole months, days and hours that cannot match.
#include "ferry/schedule/cron_expression.hpp"

#include "cron_field_parser.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace ferry::schedule {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> macros = {{
    {"@hourly", "0 * * * *"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@weekly", "0 0 * * 0"},
    {"@monthly", "0 0 1 * *"},
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
}};

// One whitespace-separated field and where it starts.
struct Token {
    std::string_view text; // the field as written
    std::size_t offset;    // 0-based position in the expression
};

std::vector<Token> split_fields(std::string_view text) {
    std::vector<Token> tokens;
    std::size_t at = 0;
    while (at < text.size()) {
        if (std::isspace(static_cast<unsigned char>(text[at])) != 0) {
            ++at;
            continue;
        }
        const std::size_t start = at;
        while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at])) == 0) {
            ++at;
        }
        tokens.push_back({text.substr(start, at - start), start});
    }
    return tokens;
}

[[noreturn]] void fail_whole(std::size_t offset, const std::string& what) {
    throw CronError(CronField::whole, offset, "cron expression: " + what);
}

// The 5-field text a macro stands for; throws for @reboot and unknown macros.
std::string_view expand_macro(const Token& token) {
    std::string lower;
    for (char c : token.text) {
        lower += char(std::tolower(static_cast<unsigned char>(c)));
    }
    if (lower == "@reboot") {
        fail_whole(token.offset, "@reboot is not supported: a schedule has no boot event; start "
                                 "the pipeline from the service manager instead");
    }
    for (const auto& [name, fields] : macros) {
        if (name == lower) {
            return fields;
        }
    }
    fail_whole(token.offset, "unknown macro '" + std::string(token.text) +
                                 "'; known: @hourly @daily @midnight @weekly @monthly @yearly "
                                 "@annually");
}

void check_field_count(const std::vector<Token>& tokens) {
    if (tokens.size() == 6) {
        fail_whole(tokens[0].offset,
                   "6 fields: Ferry's cron has no seconds field; write 5 fields (minute hour "
                   "day-of-month month day-of-week), or use `every` for sub-minute intervals");
    }
    if (tokens.size() != 5) {
        fail_whole(tokens.empty() ? 0 : tokens[0].offset,
                   std::to_string(tokens.size()) +
                       " fields, expected 5 (minute hour "
                       "day-of-month month day-of-week) or a macro such as @daily");
    }
}

CronMasks parse_masks(const std::vector<Token>& tokens) {
    using detail::parse_cron_field;
    return {parse_cron_field(CronField::minute, tokens[0].text, tokens[0].offset),
            parse_cron_field(CronField::hour, tokens[1].text, tokens[1].offset),
            parse_cron_field(CronField::day_of_month, tokens[2].text, tokens[2].offset),
            parse_cron_field(CronField::month, tokens[3].text, tokens[3].offset),
            parse_cron_field(CronField::day_of_week, tokens[4].text, tokens[4].offset)};
}

bool has(std::uint64_t mask, unsigned value) {
    return ((mask >> value) & 1U) != 0;
}

// The smallest allowed value >= from, if any up to `high`.
std::optional<unsigned> next_allowed(std::uint64_t mask, unsigned from, unsigned high) {
    for (unsigned value = from; value <= high; ++value) {
        if (has(mask, value)) {
            return value;
        }
    }
    return std::nullopt;
}

} // namespace

std::string_view cron_field_name(CronField field) {
    switch (field) {
    case CronField::minute:
        return "minute";
    case CronField::hour:
        return "hour";
    case CronField::day_of_month:
        return "day-of-month";
    case CronField::month:
        return "month";
    case CronField::day_of_week:
        return "day-of-week";
    case CronField::whole:
        break;
    }
    return "expression";
}

CronError::CronError(CronField field, std::size_t offset, const std::string& message)
    : std::runtime_error(message), field_(field), offset_(offset) {}

CronExpression::CronExpression(std::string text, CronMasks masks)
    : text_(std::move(text)), masks_(masks),
      day_of_month_all_(masks.days_of_month == detail::full_mask(CronField::day_of_month)),
      day_of_week_all_(masks.days_of_week == detail::full_mask(CronField::day_of_week)) {}

CronExpression CronExpression::parse(std::string_view text) {
    std::vector<Token> tokens = split_fields(text);
    if (tokens.size() == 1 && tokens[0].text.starts_with('@')) {
        // Offsets inside a macro's expansion are ours, not the user's: errors cannot arise there.
        return {std::string(text), parse_masks(split_fields(expand_macro(tokens[0])))};
    }
    check_field_count(tokens);
    return {std::string(text), parse_masks(tokens)};
}

// The POSIX rule: when both day fields restrict, a day matches if either does. A field that
// allows every value (`*`, `*/1`, `1-31`) is no restriction, as in croniter.
bool CronExpression::matches_day(date::year_month_day day) const {
    const bool by_month_day = has(masks_.days_of_month, unsigned(day.day()));
    const bool by_week_day = has(masks_.days_of_week, date::weekday(day).c_encoding());
    if (!day_of_month_all_ && !day_of_week_all_) {
        return by_month_day || by_week_day;
    }
    return by_month_day && by_week_day;
}

LocalMinute CronExpression::skip_to_candidate(LocalMinute at) const {
    const date::local_days day = date::floor<date::days>(at);
    const date::year_month_day ymd(day);
    if (!has(masks_.months, unsigned(ymd.month()))) {
        const date::year_month next = ymd.year() / ymd.month() + date::months(1);
        return date::local_days(next / 1);
    }
    if (!matches_day(ymd)) {
        return day + date::days(1);
    }
    return skip_within_day(day, at);
}

// On a matching day: the next allowed hour, then the next allowed minute in it; past the last
// one, the next day's midnight.
LocalMinute CronExpression::skip_within_day(date::local_days day, LocalMinute at) const {
    using std::chrono::hours;
    const auto hour = unsigned(date::floor<hours>(at - day).count());
    const auto hour_allowed = next_allowed(masks_.hours, hour, 23);
    if (!hour_allowed) {
        return day + date::days(1);
    }
    if (*hour_allowed != hour) {
        return day + hours(*hour_allowed);
    }
    const auto minute = unsigned((at - day - hours(hour)).count());
    const auto minute_allowed = next_allowed(masks_.minutes, minute, 59);
    if (!minute_allowed) {
        return day + hours(hour + 1);
    }
    return day + hours(hour) + std::chrono::minutes(*minute_allowed);
}

std::optional<LocalMinute> CronExpression::next_match(LocalMinute from) const {
    const LocalMinute limit = from + cron_search_horizon;
    for (LocalMinute at = from; at <= limit;) {
        const LocalMinute candidate = skip_to_candidate(at);
        if (candidate == at) {
            return at;
        }
        at = candidate;
    }
    return std::nullopt;
}

} // namespace ferry::schedule
