// Run ids, state and reason names, and the instant format of the run history.
#include "ferry/schedule/run_record.hpp"

#include <array>
#include <cstdio>
#include <fmt/format.h>
#include <utility>

namespace ferry::schedule {
namespace {

constexpr std::array<std::pair<RunReason, std::string_view>, 4> reason_names{{
    {RunReason::scheduled, "scheduled"},
    {RunReason::catchup, "catchup"},
    {RunReason::trigger, "trigger"},
    {RunReason::backfill, "backfill"},
}};

constexpr std::array<std::pair<RunState, std::string_view>, 7> state_names{{
    {RunState::pending, "pending"},
    {RunState::running, "running"},
    {RunState::succeeded, "succeeded"},
    {RunState::failed, "failed"},
    {RunState::skipped_overlap, "skipped_overlap"},
    {RunState::missed, "missed"},
    {RunState::cancelled, "cancelled"},
}};

struct Civil {
    int year;
    unsigned month, day;
    long hour, minute, second;
};

Civil civil_of(Instant at) {
    const auto day = std::chrono::floor<std::chrono::days>(at);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss time{at - day};
    return {static_cast<int>(ymd.year()),     static_cast<unsigned>(ymd.month()),
            static_cast<unsigned>(ymd.day()), time.hours().count(),
            time.minutes().count(),           time.seconds().count()};
}

} // namespace

std::string make_run_id(std::string_view pipeline, Instant nominal) {
    const Civil c = civil_of(nominal);
    return fmt::format("{}@{:04}{:02}{:02}T{:02}{:02}{:02}Z", pipeline, c.year, c.month, c.day,
                       c.hour, c.minute, c.second);
}

bool is_final(RunState state) {
    return state != RunState::pending && state != RunState::running;
}

std::string_view to_string(RunReason reason) {
    for (const auto& [value, name] : reason_names)
        if (value == reason)
            return name;
    return "?";
}

std::string_view to_string(RunState state) {
    for (const auto& [value, name] : state_names)
        if (value == state)
            return name;
    return "?";
}

std::optional<RunReason> parse_run_reason(std::string_view text) {
    for (const auto& [value, name] : reason_names)
        if (name == text)
            return value;
    return std::nullopt;
}

std::optional<RunState> parse_run_state(std::string_view text) {
    for (const auto& [value, name] : state_names)
        if (name == text)
            return value;
    return std::nullopt;
}

std::string format_instant(Instant at) {
    const Civil c = civil_of(at);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.year, c.month, c.day, c.hour,
                       c.minute, c.second);
}

// sscanf is enough: the history only ever holds what format_instant wrote; the round trip check
// rejects out-of-range fields (month 13) that sscanf would let through.
std::optional<Instant> parse_instant(std::string_view text) {
    if (text.size() != 20)
        return std::nullopt;
    const std::string copy(text);
    int y = 0;
    unsigned mo = 0, d = 0, h = 0, mi = 0, s = 0;
    char z = 0;
    if (std::sscanf(copy.c_str(), "%4d-%2u-%2uT%2u:%2u:%2u%c", &y, &mo, &d, &h, &mi, &s, &z) != 7 ||
        z != 'Z')
        return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{mo},
                                          std::chrono::day{d}};
    if (!ymd.ok() || h > 23 || mi > 59 || s > 59)
        return std::nullopt;
    return Instant{std::chrono::sys_days{ymd}} + std::chrono::hours{h} + std::chrono::minutes{mi} +
           std::chrono::seconds{s};
}

} // namespace ferry::schedule
