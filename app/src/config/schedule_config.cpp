// Durations of the `schedule` and `input` sections: 30s, 5m, 2h, 1d, 1h30m.
#include "ferry/app/schedule_config.hpp"

#include <cctype>
#include <fmt/format.h>

namespace ferry::app {

std::optional<std::uint64_t> parse_duration_s(const std::string& text, std::string& error) {
    constexpr std::uint64_t limit = 10ULL * 365 * 24 * 3600; // ten years
    std::uint64_t total = 0;
    std::size_t i = 0;
    if (text.empty()) {
        error = "is empty; give a duration such as 30s, 5m, 2h or 1h30m";
        return std::nullopt;
    }
    while (i < text.size()) {
        const std::size_t digits = i;
        std::uint64_t number = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) &&
               number <= limit)
            number = number * 10 + std::uint64_t(text[i++] - '0');
        if (i == digits || i == text.size()) {
            error = fmt::format("is '{}', not a duration: a number and a unit (s, m, h, d), e.g. "
                                "30s, 5m, 2h or 1h30m",
                                text);
            return std::nullopt;
        }
        const std::string_view units = "smhd";
        static const std::uint64_t seconds[] = {1, 60, 3600, 86400};
        const std::size_t unit = units.find(text[i++]);
        if (unit == std::string_view::npos) {
            error = fmt::format("is '{}': unknown unit '{}'; use s, m, h or d", text, text[i - 1]);
            return std::nullopt;
        }
        total += number * seconds[unit];
        if (total > limit) {
            error = fmt::format("is '{}', more than ten years", text);
            return std::nullopt;
        }
    }
    return total;
}

} // namespace ferry::app
