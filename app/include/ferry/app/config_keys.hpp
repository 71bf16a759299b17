// Checks of YAML keys against the allowed set, with a "did you mean" suggestion.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ferry::app {

// Edit distance between two names (insertions, deletions, substitutions).
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

// The allowed name closest to `key`, or empty when none is close enough to suggest.
[[nodiscard]] std::string nearest_name(std::string_view key,
                                       const std::vector<std::string_view>& allowed);

} // namespace ferry::app
