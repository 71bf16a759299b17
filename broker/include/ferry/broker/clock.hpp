// Time as the broker sees it: a monotonic clock passed in as `now`, so logic tests control it.
#pragma once

#include <chrono>

namespace ferry::broker {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Millis = std::chrono::milliseconds;

// Milliseconds between two instants, as a plain count (negative when `to` is earlier).
[[nodiscard]] inline long long millis_between(TimePoint from, TimePoint to) noexcept {
    return std::chrono::duration_cast<Millis>(to - from).count();
}

} // namespace ferry::broker
