// Dynamic batching rules (pure functions of depth, age and capacity).
#include "ferry/broker/batcher.hpp"

#include <algorithm>

namespace ferry::broker {

bool batch_due(const BatchConfig& batch, std::size_t depth, std::optional<TimePoint> oldest,
               TimePoint now, bool draining) {
    if (depth == 0 || !oldest) {
        return false;
    }
    if (draining || depth >= batch.max_size) {
        return true;
    }
    return now - *oldest >= Millis(static_cast<long long>(batch.max_delay_ms));
}

std::optional<TimePoint> batch_deadline(const BatchConfig& batch, std::optional<TimePoint> oldest) {
    if (!oldest) {
        return std::nullopt;
    }
    return *oldest + Millis(static_cast<long long>(batch.max_delay_ms));
}

std::size_t batch_size(const BatchConfig& batch, std::uint64_t worker_max_batch,
                       std::uint64_t worker_credit, std::size_t depth) {
    const std::uint64_t limit = std::min<std::uint64_t>(
        {std::uint64_t{batch.max_size}, std::max<std::uint64_t>(worker_max_batch, 1), worker_credit,
         std::uint64_t{depth}});
    return static_cast<std::size_t>(limit);
}

} // namespace ferry::broker
