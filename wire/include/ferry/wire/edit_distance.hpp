// Edit distance between two strings: the one helper for char_accuracy and "did you mean" hints.
#pragma once

#include <cstddef>
#include <string_view>

namespace ferry::wire {

// Levenshtein distance: the fewest insertions, deletions and substitutions (of bytes) that turn
// `a` into `b`.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

} // namespace ferry::wire
