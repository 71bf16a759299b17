// The times the pipeline commands take (--at, --from, --to): ISO 8601, sent as UTC.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ferry::app {

// The forms a pipeline command accepts, for messages that refuse a time.
inline constexpr std::string_view admin_time_forms =
    "YYYY-MM-DDTHH:MM[:SS] followed by Z, +HH:MM, -HH:MM or nothing (UTC), e.g. "
    "2026-12-03T02:00:00Z, 2026-12-03T03:00:00+01:00 or 2026-12-03T02:00";

// `text` as YYYY-MM-DDTHH:MM:SSZ in UTC (an offset applied, missing seconds as :00), or empty
// when it is not one of admin_time_forms or names no real instant (2026-02-30, 24:00).
[[nodiscard]] std::optional<std::string> normalize_admin_time(std::string_view text);

// The same, throwing ConfigError "FLAG 'TEXT' is not a time; expected ..." when it is not one.
[[nodiscard]] std::string require_admin_time(std::string_view text, std::string_view flag);

} // namespace ferry::app
