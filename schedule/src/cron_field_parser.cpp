// One cron field to a bit mask, with errors that say which field, where, and the allowed range.
#include "cron_field_parser.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <utility>

namespace ferry::schedule::detail {
namespace {

constexpr std::array<std::string_view, 12> month_names = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> day_names = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};

std::string range_text(CronField field) {
    const FieldRange range = field_range(field);
    std::string text = std::to_string(range.low) + "-" + std::to_string(range.high);
    if (field == CronField::month) {
        text += " or JAN-DEC";
    } else if (field == CronField::day_of_week) {
        text += " (0 and 7 are Sunday) or SUN-SAT";
    }
    return text;
}

// Everything about one comma-separated item, for its error messages.
struct Item {
    CronField field;       // which field
    std::string_view text; // the item, e.g. "1-5/2"
    std::size_t offset;    // where it starts in the expression
};

[[noreturn]] void fail(const Item& item, const std::string& what) {
    const std::string message = "cron " + std::string(cron_field_name(item.field)) + " '" +
                                std::string(item.text) + "' at column " +
                                std::to_string(item.offset + 1) + ": " + what;
    throw CronError(item.field, item.offset, message);
}

std::optional<int> name_value(CronField field, std::string_view text) {
    if (text.size() != 3) {
        return std::nullopt;
    }
    std::string lower;
    for (char c : text) {
        lower += char(std::tolower(static_cast<unsigned char>(c)));
    }
    if (field == CronField::month) {
        for (std::size_t i = 0; i < month_names.size(); ++i) {
            if (month_names[i] == lower) {
                return int(i) + 1;
            }
        }
    } else if (field == CronField::day_of_week) {
        for (std::size_t i = 0; i < day_names.size(); ++i) {
            if (day_names[i] == lower) {
                return int(i);
            }
        }
    }
    return std::nullopt;
}

// A number or a name, checked against the field's range.
int parse_value(const Item& item, std::string_view text) {
    if (text.empty()) {
        fail(item, "a value is missing; allowed: " + range_text(item.field));
    }
    if (auto named = name_value(item.field, text)) {
        return *named;
    }
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) {
        const bool named = item.field == CronField::month || item.field == CronField::day_of_week;
        fail(item, "'" + std::string(text) + "' is not a number" + (named ? " or a name" : "") +
                       "; allowed: " + range_text(item.field));
    }
    const FieldRange range = field_range(item.field);
    if (value < range.low || value > range.high) {
        fail(item, std::to_string(value) + " is out of range " + range_text(item.field));
    }
    return value;
}

int parse_step(const Item& item, std::string_view text) {
    int step = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), step);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() || step < 1) {
        fail(item, "the step after '/' must be a whole number of at least 1, not '" +
                       std::string(text) + "'");
    }
    return step;
}

// The first and last value of an item's base (`*`, `a`, `a-b`); `stepped` when a step follows,
// which makes a single value run to the field's end.
std::pair<int, int> parse_bounds(const Item& item, std::string_view base, bool stepped) {
    const FieldRange range = field_range(item.field);
    if (base == "*") {
        return {range.low, range.high};
    }
    const std::size_t dash = base.find('-');
    const int low = parse_value(item, base.substr(0, dash));
    const int high = dash != std::string_view::npos ? parse_value(item, base.substr(dash + 1))
                     : stepped                      ? range.high
                                                    : low;
    if (high < low) {
        fail(item, "the range runs backwards (" + std::to_string(low) + " > " +
                       std::to_string(high) + "); write the smaller value first");
    }
    return {low, high};
}

std::uint64_t parse_item(const Item& item) {
    const std::size_t slash = item.text.find('/');
    const bool stepped = slash != std::string_view::npos;
    const int step = stepped ? parse_step(item, item.text.substr(slash + 1)) : 1;
    const auto [low, high] = parse_bounds(item, item.text.substr(0, slash), stepped);
    std::uint64_t mask = 0;
    for (int value = low; value <= high; value += step) {
        mask |= std::uint64_t{1} << value;
    }
    return mask;
}

} // namespace

FieldRange field_range(CronField field) {
    switch (field) {
    case CronField::minute:
        return {0, 59};
    case CronField::hour:
        return {0, 23};
    case CronField::day_of_month:
        return {1, 31};
    case CronField::month:
        return {1, 12};
    case CronField::day_of_week:
        return {0, 7};
    case CronField::whole:
        break;
    }
    return {0, 0};
}

std::uint64_t full_mask(CronField field) {
    const FieldRange range = field_range(field);
    const int high = field == CronField::day_of_week ? 6 : range.high;
    std::uint64_t mask = 0;
    for (int value = range.low; value <= high; ++value) {
        mask |= std::uint64_t{1} << value;
    }
    return mask;
}

std::uint64_t parse_cron_field(CronField field, std::string_view text, std::size_t offset) {
    std::uint64_t mask = 0;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        const Item item{field, text.substr(start, comma - start), offset + start};
        if (item.text.empty()) {
            fail(item, "an empty list item; separate values with single commas");
        }
        mask |= parse_item(item);
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    constexpr std::uint64_t sunday_as_seven = std::uint64_t{1} << 7;
    if (field == CronField::day_of_week && (mask & sunday_as_seven) != 0) {
        mask = (mask & ~sunday_as_seven) | 1;
    }
    return mask;
}

} // namespace ferry::schedule::detail
