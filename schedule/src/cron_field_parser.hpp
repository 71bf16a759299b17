// Parses one cron field (`*`, `a-b`, `*/n`, `a-b/n`, `a/n`, lists, names) into a bit mask.
#pragma once

#include "ferry/schedule/cron_expression.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ferry::schedule::detail {

// The values a field may take, for parsing and for messages.
struct FieldRange {
    int low;  // smallest value
    int high; // largest value (7 for day-of-week, folded to 0 after parsing)
};

[[nodiscard]] FieldRange field_range(CronField field);

// The mask of `text`, the field written at `offset` in the expression; throws CronError.
[[nodiscard]] std::uint64_t parse_cron_field(CronField field, std::string_view text,
                                             std::size_t offset);

// Every value of the field's range, after day-of-week folding.
[[nodiscard]] std::uint64_t full_mask(CronField field);

} // namespace ferry::schedule::detail
