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

std::optional<BatchConfig> announced_batch(const WorkerRegistry& workers, const std::string& type) {
    std::uint64_t size = 0;
    std::optional<std::uint64_t> delay;
    for (const auto& [id, worker] : workers.all()) {
        const auto served = worker.types.find(type);
        if (served == worker.types.end()) {
            continue;
        }
        size = std::max(size, served->second);
        if (const auto asked = worker.max_delay_ms.find(type); asked != worker.max_delay_ms.end()) {
            delay = std::min(delay.value_or(asked->second), asked->second);
        }
    }
    if (size == 0) {
        return std::nullopt;
    }
    return BatchConfig{static_cast<std::uint32_t>(std::min<std::uint64_t>(size, UINT32_MAX)),
                       std::min(delay.value_or(0), max_announced_delay_ms)};
}

} // namespace ferry::broker
