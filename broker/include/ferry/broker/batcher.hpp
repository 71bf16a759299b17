// Dynamic batching rules: when a type's queue is due, and how many jobs one JOBS message takes.
#pragma once

#include "ferry/broker/broker_config.hpp"
#include "ferry/broker/clock.hpp"
#include "ferry/broker/worker_registry.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace ferry::broker {

// Whether a type's queued jobs should go out now: a full batch is waiting, or the oldest job has
// waited max_delay_ms (so a lone job never waits longer than that). Draining (shutdown) flushes.
[[nodiscard]] bool batch_due(const BatchConfig& batch, std::size_t depth,
                             std::optional<TimePoint> oldest, TimePoint now, bool draining);

// When a partial batch falls due if nothing else happens; empty when the queue is empty.
[[nodiscard]] std::optional<TimePoint> batch_deadline(const BatchConfig& batch,
                                                      std::optional<TimePoint> oldest);

// The longest batch wait a handler may ask for (a larger announcement is cut to it).
inline constexpr std::uint64_t max_announced_delay_ms = 3'600'000;

// A type's batching when the config leaves it unset: the largest max_batch among the live
// workers serving it, and the shortest max_delay_ms any of them announced (none announced: 0, a
// batch leaves with whatever is queued). Empty when no live worker serves the type.
[[nodiscard]] std::optional<BatchConfig> announced_batch(const WorkerRegistry& workers,
                                                         const std::string& type);

// Jobs in one JOBS message: bounded by the type's batch size, the worker's max_batch for the
// type, the worker's credit and the queue depth.
[[nodiscard]] std::size_t batch_size(const BatchConfig& batch, std::uint64_t worker_max_batch,
                                     std::uint64_t worker_credit, std::size_t depth);

} // namespace ferry::broker
