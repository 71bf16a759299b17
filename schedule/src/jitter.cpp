// Deterministic jitter: FNV-1a over pipeline and nominal time, bounded by the next nominal time.
#include "ferry/schedule/jitter.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace ferry::schedule {
namespace {

// FNV-1a, 64 bit: stable across compilers and runs, unlike std::hash.
std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    return hash;
}

} // namespace

std::chrono::seconds jitter_delay(std::string_view pipeline, Instant nominal,
                                  std::chrono::seconds bound, std::optional<Instant> next_nominal) {
    // The bound shrinks to the gap before the next nominal time, so the delay spreads over
    // the gap instead of piling up at its end.
    if (next_nominal)
        bound = std::min(bound, *next_nominal - nominal);
    if (bound.count() <= 0)
        return std::chrono::seconds{0};
    const std::string key =
        std::string(pipeline) + "@" + std::to_string(nominal.time_since_epoch().count());
    return std::chrono::seconds{
        static_cast<std::int64_t>(fnv1a(key) % static_cast<std::uint64_t>(bound.count()))};
}

} // namespace ferry::schedule
