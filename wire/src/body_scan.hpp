// Pre-scan of an untrusted MessagePack body: completeness, trailing bytes and protocol limits.
#pragma once

#include "ferry/wire/codec.hpp"

#include <optional>
#include <string_view>

namespace ferry::wire::detail {

// Checks that `body` is exactly one complete MessagePack value within limits (counts, str
// lengths, depth), without allocating. Returns the first problem, or nothing when sound.
[[nodiscard]] std::optional<DecodeError> scan_body(std::string_view body) noexcept;

// Checks one value starting at `pos` that sits at container depth `depth` (the body is depth
// 1), by the same rules as scan_body, and moves `pos` past it; false when it breaks one.
[[nodiscard]] bool scan_value(const char*& pos, const char* end, std::size_t depth) noexcept;

// The encoded bytes of the value stored under `key` in the top-level map of a scanned body
// (the last one if the key repeats); nothing when the body is not a map or lacks the key.
[[nodiscard]] std::optional<std::string_view> top_level_value(std::string_view body,
                                                              std::string_view key) noexcept;

} // namespace ferry::wire::detail
