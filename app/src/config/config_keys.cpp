// Edit distance and nearest-name suggestion for unknown configuration keys.
#include "ferry/app/config_keys.hpp"

#include <algorithm>
#include <numeric>

namespace ferry::app {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            const std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
            row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// A suggestion is only useful when it is much closer than a rewrite: at most a third of the
// longer name may differ (and at least two edits are always allowed for short typos).
std::string nearest_name(std::string_view key, const std::vector<std::string_view>& allowed) {
    std::string best;
    std::size_t best_distance = 0;
    for (const auto name : allowed) {
        const std::size_t distance = edit_distance(key, name);
        if (best.empty() || distance < best_distance) {
            best = std::string(name);
            best_distance = distance;
        }
    }
    const std::size_t limit = std::max<std::size_t>(2, std::max(key.size(), best.size()) / 3);
    return best_distance <= limit ? best : std::string{};
}

} // namespace ferry::app
