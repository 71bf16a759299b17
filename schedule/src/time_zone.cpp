// Zone lookup, and suggestions ranked by edit distance over every zone name. Built on the OS
// tzdb, date lists links ("US/Eastern") among the zones.
#include "ferry/schedule/time_zone.hpp"

#include "ferry/wire/edit_distance.hpp"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

namespace ferry::schedule {
namespace {

std::string lower(std::string_view text) {
    std::string out;
    for (char c : text) {
        out += char(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

std::vector<std::string> all_zone_names() {
    const date::tzdb& db = date::get_tzdb();
    std::vector<std::string> names;
    for (const auto& zone : db.zones) {
        names.emplace_back(zone.name());
    }
    return names;
}

// Up to three names within a third of the name's length in edits, nearest first. Case is ignored
// when ranking so "europe/berlin" finds Europe/Berlin.
std::vector<std::string> nearest_zone_names(std::string_view name) {
    const std::string wanted = lower(name);
    const std::size_t budget = std::max<std::size_t>(2, wanted.size() / 3);
    std::vector<std::pair<std::size_t, std::string>> ranked;
    for (std::string& candidate : all_zone_names()) {
        const std::size_t distance = wire::edit_distance(wanted, lower(candidate));
        if (distance <= budget) {
            ranked.emplace_back(distance, std::move(candidate));
        }
    }
    std::sort(ranked.begin(), ranked.end());
    // A name that differs only in case is the one meant: suggest it alone.
    const std::size_t wanted_count = !ranked.empty() && ranked[0].first == 0 ? 1 : 3;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < ranked.size() && i < wanted_count; ++i) {
        names.push_back(ranked[i].second);
    }
    return names;
}

std::string unknown_zone_message(std::string_view name) {
    std::string message = "unknown time zone '" + std::string(name) + "'";
    const std::vector<std::string> names = nearest_zone_names(name);
    if (names.empty()) {
        return message + "; use an IANA name such as Europe/Berlin, America/New_York or UTC";
    }
    message += "; did you mean ";
    for (std::size_t i = 0; i < names.size(); ++i) {
        message += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    }
    return message + "?";
}

} // namespace

const date::time_zone* find_time_zone(std::string_view name) {
    try {
        return date::locate_zone(name);
    } catch (const std::runtime_error&) {
        // date reports only "not found"; ours says what to write instead.
        throw ZoneError(unknown_zone_message(name));
    }
}

} // namespace ferry::schedule
